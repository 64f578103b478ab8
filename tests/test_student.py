"""Student notebooks (``tools/make_student.py``): stubs keep signatures and docstrings, drop solutions, clear
outputs; the tool works on a synthetic notebook; the published zip holds every chapter.

The course root is this file's grandparent, or ``$COURSE_ROOT`` (to test a scratch copy of the course).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import pathlib
import zipfile

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

ROOT = pathlib.Path(os.environ.get("COURSE_ROOT") or pathlib.Path(__file__).resolve().parent.parent).resolve()


def _load_tool(name: str):
    """Import ``tools/<name>.py`` (the tools are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_student = _load_tool("make_student")
stub_solution = make_student.stub_solution

SOLUTION = '''\
import numpy as np

EPS = 1e-12  # a constant the solution uses


@np.vectorize
def relu_grad(u):
    """Derivative of ReLU: 1 where u > 0, else 0."""
    return 1.0 if u > 0 else 0.0


def linear_backward(
    du,
    cache,
    *,
    check: bool = True,
) -> tuple:
    """Gradients of u = z W + b.

    Returns (dz, dW, db).
    """
    z, W = cache
    def helper(a):
        return a.sum(axis=0)
    return du @ W.T, z.T @ du, helper(du)


def no_doc(x): return 2 * x


class Layer:
    """A layer."""
    scale = 2.0

    def forward(self, x):
        """Scale x."""
        return self.scale * x


result = linear_backward
%timeit no_doc(3)
'''


def _functions(tree):
    return {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def test_stub_keeps_signatures_and_docstrings():
    stub = stub_solution(SOLUTION)
    tree = ast.parse(stub)  # the stub is valid Python
    original = ast.parse(SOLUTION.replace("%timeit no_doc(3)", "pass"))
    for name in ("relu_grad", "linear_backward", "no_doc", "Layer", "forward"):
        assert name in _functions(tree), f"{name} lost:\n{stub}"
        before, after = _functions(original)[name], _functions(tree)[name]
        if isinstance(before, ast.FunctionDef):
            assert ast.dump(before.args) == ast.dump(after.args), f"{name}: signature changed"
            assert ast.dump(before.returns or ast.Constant(None)) == ast.dump(after.returns or ast.Constant(None))
        assert [ast.dump(d) for d in before.decorator_list] == [ast.dump(d) for d in after.decorator_list]
        assert ast.get_docstring(before) == ast.get_docstring(after), f"{name}: docstring changed"
    assert "    du,\n    cache,\n    *,\n    check: bool = True,\n) -> tuple:" in stub  # multi-line signature kept
    assert "@np.vectorize\ndef relu_grad(u):" in stub  # decorators kept


def test_stub_removes_the_solution():
    stub = stub_solution(SOLUTION)
    for leaked in ("return", "du @ W.T", "helper", "1.0 if u > 0", "EPS", "import numpy", "result =", "%timeit",
                   "scale = 2.0"):
        assert leaked not in stub, f"{leaked!r} survived in the stub:\n{stub}"
    assert stub.count('raise NotImplementedError("Exercise: write this function")') == 4
    assert "# YOUR CODE HERE" in stub


def test_stub_raises_not_implemented():
    namespace = {"np": __import__("numpy")}
    exec(compile(stub_solution(SOLUTION), "<stub>", "exec"), namespace)  # noqa: S102 - running the stub
    for call in (lambda: namespace["linear_backward"](1, 2), lambda: namespace["no_doc"](1),
                 lambda: namespace["Layer"]().forward(1)):
        with pytest.raises(NotImplementedError, match="Exercise: write this function"):
            call()


def test_stub_of_code_without_functions():
    assert stub_solution("W = np.zeros((3, 2))\nb = 0") == "# YOUR CODE HERE"


def _synthetic_notebook():
    solution = new_code_cell(SOLUTION, metadata={"tags": ["solution", "hide-input"]}, execution_count=3,
                             outputs=[new_output("stream", name="stdout", text="secret output\n")])
    return new_notebook(cells=[
        new_markdown_cell("# 99. Synthetic\n\nSome text."),
        new_code_cell("import numpy as np", execution_count=1,
                      outputs=[new_output("execute_result", data={"text/plain": "42"}, execution_count=1)]),
        new_markdown_cell("```{exercise}\n:label: ex-ch99-relu\n\nWrite it.\n```"),
        solution,
        new_code_cell("checks.check_linear_backward(linear_backward)", execution_count=4,
                      outputs=[new_output("stream", name="stdout", text="✔ passed\n")]),
        new_markdown_cell("The answer is 42.", metadata={"tags": ["solution"]}),
    ])


def test_tool_on_a_synthetic_notebook(tmp_path):
    book = tmp_path / "book"
    book.mkdir()
    nbformat.write(_synthetic_notebook(), book / "ch99_synthetic.ipynb")
    (book / "notes.ipynb").write_text("not a chapter")  # only ch*.ipynb are chapters
    out, zip_path = tmp_path / "student", tmp_path / "download" / "student-notebooks.zip"

    assert make_student.main(["--book", str(book), "--out", str(out), "--zip", str(zip_path)]) == 0

    nb = nbformat.read(out / "ch99_synthetic.ipynb", as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    stub_cell = nb.cells[3]
    assert stub_cell.source == stub_solution(SOLUTION)
    assert stub_cell.metadata["tags"] == ["solution"]  # hide-input dropped: the stub must be visible
    assert nb.cells[4].source == "checks.check_linear_backward(linear_backward)"  # check cell untouched
    assert "42" not in nb.cells[5].source  # a written (markdown) solution is replaced too
    assert nb.cells[0].source.startswith("# 99. Synthetic")
    assert not (out / "notes.ipynb").exists()
    assert "jupyter lab" in (out / "README.md").read_text(encoding="utf-8")

    with zipfile.ZipFile(zip_path) as zf:
        names = zf.namelist()
    assert "student-notebooks/ch99_synthetic.ipynb" in names
    assert "student-notebooks/README.md" in names

    # Running again replaces the folder (no stale notebooks), but never wipes a folder it did not write.
    (book / "ch99_synthetic.ipynb").rename(book / "ch98_renamed.ipynb")
    make_student.main(["--book", str(book), "--out", str(out), "--zip", str(zip_path)])
    assert sorted(p.name for p in out.glob("*.ipynb")) == ["ch98_renamed.ipynb"]
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    with pytest.raises(SystemExit, match="refusing"):
        make_student.main(["--book", str(book), "--out", str(foreign), "--zip", str(zip_path)])
    assert (foreign / "keep.txt").exists()


def test_zip_contains_every_chapter(tmp_path):
    chapters = sorted(p.name for p in (ROOT / "book").glob("ch*.ipynb"))
    if not chapters:
        pytest.skip("no chapter notebooks in book/ yet")
    out, zip_path = tmp_path / "student", tmp_path / "download" / "student-notebooks.zip"
    make_student.main(["--book", str(ROOT / "book"), "--out", str(out), "--zip", str(zip_path)])
    with zipfile.ZipFile(zip_path) as zf:
        names = set(zf.namelist())
        for chapter in chapters:
            assert f"student-notebooks/{chapter}" in names, f"{chapter} missing from the zip"
            nb = nbformat.reads(zf.read(f"student-notebooks/{chapter}").decode("utf-8"), as_version=4)
            for cell in nb.cells:
                if cell.cell_type == "code":
                    assert not cell.outputs, f"{chapter}: outputs not cleared"
                    if "solution" in cell.metadata.get("tags", []):
                        assert "NotImplementedError" in cell.source or "# YOUR CODE HERE" in cell.source
    assert "student-notebooks/lecturelib/checks/__init__.py" in names



# ------------------------------------------------------------------ the zip runs on its own requirements
run_chapters = _load_tool("run_chapters")


def test_requirements_cover_lecturelib_dependencies():
    closure = run_chapters.requirement_closure(run_chapters.read_requirements(
        _write_requirements(ROOT)))
    for name in ("numpy", "torch", "matplotlib", "tqdm", "pillow"):   # pillow: through matplotlib
        assert name in closure
    denied = run_chapters.denied_modules(["numpy", "torch", "matplotlib", "tqdm"])
    assert {"myst_nb", "pytest", "nbval"} <= denied
    assert not {"numpy", "torch", "matplotlib", "IPython", "ipykernel", "lecturelib"} & denied


def _write_requirements(root: pathlib.Path) -> pathlib.Path:
    path = root / "_build" / "requirements-under-test.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(make_student._requirements(), encoding="utf-8")
    return path


def test_an_import_outside_the_requirements_fails_the_run(tmp_path, capsys):
    """Executed with only the zip's requirements importable, a chapter importing myst_nb fails; one using
    lecturelib.glue (a no-op without myst-nb) runs."""
    book, student = tmp_path / "book", tmp_path / "student"
    book.mkdir()
    good = new_notebook(cells=[new_code_cell("import numpy as np\nimport lecturelib\n"
                                             "lecturelib.glue('ch98_x', np.float64(0.5))\n"
                                             "lecturelib.set_seed(0)  # torch probes optional modules")])
    bad = new_notebook(cells=[new_code_cell("from myst_nb import glue")])
    nbformat.write(good, book / "ch98_good.ipynb")
    nbformat.write(bad, book / "ch99_bad.ipynb")
    make_student.main(["--book", str(book), "--out", str(student), "--zip", str(tmp_path / "s.zip")])

    code = run_chapters.main(["--book", str(book), "--student", str(student), "--jobs", "1"])
    out = capsys.readouterr().out
    assert code == 1
    assert "ch98_good.ipynb" in out and "ch99_bad.ipynb" in out
    assert "1 passed, 1 failed" in out
    assert "ModuleNotFoundError" in out and "myst_nb" in out


def _executed(cells):
    nb = new_notebook(cells=cells)
    for cell in nb.cells:
        cell.setdefault("outputs", [])
    return nb


def _error(name="NotImplementedError"):
    return new_output("error", ename=name, evalue="Exercise: write this function", traceback=[])


def test_a_skipped_exercise_may_break_only_what_uses_it():
    solution = new_code_cell("def conv_matrix(w, n):\n    raise NotImplementedError", metadata={"tags": ["solution"]})
    check = new_code_cell("checks.check_conv_matrix(conv_matrix)", outputs=[_error("AssertionError")])
    user = new_code_cell("M = conv_matrix(w, 8)", outputs=[_error()])
    unrelated = new_code_cell("y = correlate_circular(x, w)", outputs=[_error("NameError")])
    nb = _executed([solution, check, user])
    assert run_chapters.failures(nb, stubs=True) == []
    assert len(run_chapters.failures(nb, stubs=False)) == 2      # with solutions, nothing may fail
    nb = _executed([solution, check, user, unrelated])
    problems = run_chapters.failures(nb, stubs=True)
    assert len(problems) == 1 and problems[0].startswith("cell 3: NameError")
