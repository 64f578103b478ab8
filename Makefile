# The README's commands. Everything runs inside .venv, which the first target that needs it creates.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# The execution environment of the chapters (never set inside a chapter): one BLAS and one torch thread per
# kernel, so $(JOBS) chapters run side by side without oversubscribing the cores (an oversubscribed 2-core
# machine stalls multi-threaded OpenBLAS by orders of magnitude); PASSIVE stops idle OpenMP threads from
# spinning; no progress-bar frames in stored or validated outputs (the loops print a compact log instead).
NB_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE \
          LECTURELIB_TORCH_THREADS=1 LECTURELIB_PROGRESS=0
# Stored outputs are produced with other CPU kernels than the ones `make nbval` validates with (PyTorch's
# non-vectorised kernels; OpenBLAS's Sandybridge kernels unless the machine pins a core type itself), so every
# output nbval compares exactly is proven independent of the processor's kernels.
STORE_ENV := ATEN_CPU_CAPABILITY=default OPENBLAS_CORETYPE=$(or $(OPENBLAS_CORETYPE),Sandybridge)

.PHONY: book test unit nbval perturbed stubs browser student notebooks benchmarks clean lint

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[book,test,chapters]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lecturelib)" > /dev/null
	touch $(STAMP)

## make book: build the HTML book into _build/html from the committed, validated outputs
book: $(STAMP) student
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

## make student: student notebooks (solutions stubbed, outputs cleared) in _build/student and a zip of them
student: $(STAMP)
	$(PY) tools/make_student.py --out _build/student

## make test: everything CI runs — unit tests, nbval over every chapter, the perturbed second run of every
## chapter from the student zip, the stubbed student notebooks, the -W book build, the browser check
test: unit nbval perturbed stubs book browser

unit: $(STAMP)
	$(PY) tools/check_collection.py
	$(NB_ENV) $(PY) -m pytest tests -n $(JOBS) -m "not browser"

## make nbval: re-execute every chapter and compare its exact outputs with the stored ones
nbval: $(STAMP)
	$(NB_ENV) $(PY) -m pytest book -p no:cacheprovider --nbval --nbval-current-env -n $(JOBS) --dist loadscope \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --durations=0

## make perturbed: every chapter again, from the student zip with solutions, another seed and other CPU
## kernels, only the zip's requirements importable — every cell must run and every assertion hold
perturbed: student
	$(NB_ENV) $(PY) tools/run_chapters.py --jobs $(JOBS) $(notdir $(NB))

## make stubs: the student notebooks as shipped — a skipped exercise may break only what uses it
stubs: student
	$(NB_ENV) $(PY) tools/run_chapters.py --stubs --jobs $(JOBS) $(notdir $(NB))

browser: $(STAMP)
	$(PY) -m pytest tests -m browser

## make notebooks: re-execute chapters in place after a change to lecturelib (review the output diff)
notebooks: $(STAMP)
	$(NB_ENV) $(STORE_ENV) $(PY) tools/execute_notebooks.py --jobs $(JOBS) $(NB)

benchmarks: $(STAMP)
	for f in benchmarks/*.py; do $(PY) $$f || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check lecturelib tests tools benchmarks experiments

clean:
	rm -rf _build
