# The README's commands. Everything runs inside .venv, which the first target that needs it creates.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
JOBS   ?= 2
# Chapters run one at a time with single-threaded BLAS (torch keeps lecturelib.TORCH_THREADS): an
# oversubscribed 2-core machine stalls multi-threaded OpenBLAS by orders of magnitude, and fixed thread
# counts keep the stored outputs bit-reproducible. PASSIVE stops idle OpenMP threads from spinning.
NB_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 OMP_WAIT_POLICY=PASSIVE

.PHONY: book test unit nbval html-check browser student notebooks benchmarks clean lint

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[book,test]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (lecturelib)" > /dev/null
	touch $(STAMP)

## make book: build the HTML book into _build/html from the committed, validated outputs
book: $(STAMP) student
	$(VENV)/bin/jupyter-book build . -W -n --keep-going

## make student: student notebooks (solutions stubbed, outputs cleared) in _build/student and a zip of them
student: $(STAMP)
	$(PY) tools/make_student.py --out _build/student

## make test: everything CI runs — unit tests, nbval over every chapter, the -W book build, the browser check
test: unit nbval book browser

unit: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(PY) -m pytest tests -n $(JOBS) -m "not browser"

nbval: $(STAMP)
	$(NB_ENV) $(PY) -m pytest book -p no:cacheprovider --nbval --nbval-current-env \
		--nbval-sanitize-with tests/nbval_sanitize.cfg --durations=0

browser: $(STAMP)
	$(PY) -m pytest tests -m browser

## make notebooks: re-execute chapters in place after a change to lecturelib (review the output diff)
notebooks: $(STAMP)
	$(NB_ENV) $(PY) tools/execute_notebooks.py $(NB)

benchmarks: $(STAMP)
	for f in benchmarks/*.py; do $(PY) $$f || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check lecturelib tests tools benchmarks

clean:
	rm -rf _build
