"""Every exercise's check passes on the book's solution and fails on the student stub.

For each chapter ``book/ch*.ipynb`` and each code cell tagged ``solution``, the check cell is the next code
cell (it calls ``checks.check_...``). The test runs, in a fresh namespace and the chapter's folder: the
chapter's first code cell (its imports; matplotlib on the Agg backend), the cells tagged
``exercise-context`` that come before the solution, then

(a) the solution cell and the check cell: no exception;
(b) the stub that ``tools/make_student.py`` makes of the solution, and the check cell: ``AssertionError``
    (checks turn a stub's ``NotImplementedError`` into one via ``lecturelib.checks.call_student``).

It also checks the layout: every ``{exercise}`` block is followed by a solution cell and a check cell, and
every chapter has at least two exercises. Slow exercise contexts show up in ``pytest --durations=10``.

The course root is this file's grandparent, or ``$COURSE_ROOT`` (to test a scratch copy of the course).
"""

from __future__ import annotations

import contextlib
import importlib.util
import io
import os
import pathlib
import re
import sys
from dataclasses import dataclass

import nbformat
import pytest

ROOT = pathlib.Path(os.environ.get("COURSE_ROOT") or pathlib.Path(__file__).resolve().parent.parent).resolve()
BOOK = ROOT / "book"
CHAPTERS = sorted(BOOK.glob("ch*.ipynb"))
MIN_EXERCISES = 2
EXERCISE_RE = re.compile(r"^(```+|:::+)\s*\{exercise\}", re.MULTILINE)
LABEL_RE = re.compile(r"^:label:\s*(\S+)", re.MULTILINE)
CHECK_RE = re.compile(r"\bchecks\.check_\w+\s*\(")

os.environ.setdefault("MPLBACKEND", "Agg")
if str(ROOT) not in sys.path:  # the chapters' lecturelib is the one beside them
    sys.path.insert(0, str(ROOT))


def _load_stub_solution():
    spec = importlib.util.spec_from_file_location("make_student", ROOT / "tools" / "make_student.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.stub_solution


stub_solution = _load_stub_solution()


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


@dataclass
class Exercise:
    notebook: pathlib.Path
    label: str
    setup: list[str]  # the first code cell, then the exercise-context cells before the solution
    solution: str
    check: str


def _exercises(path: pathlib.Path) -> list[Exercise]:
    nb = nbformat.read(path, as_version=4)
    code = [(i, c) for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    if not code:
        return []
    first_index = code[0][0]
    found = []
    for position, (index, cell) in enumerate(code):
        if "solution" not in _tags(cell):
            continue
        label = f"{path.stem}-solution-at-cell-{index}"
        previous = nb.cells[index - 1] if index > 0 else None
        if previous is not None and previous.cell_type == "markdown":
            match = LABEL_RE.search(previous.source)
            if match:
                label = match.group(1)
        check = code[position + 1][1].source if position + 1 < len(code) else ""
        context = [c.source for i, c in code[:position] if i != first_index and "exercise-context" in _tags(c)]
        found.append(Exercise(path, label, [code[0][1].source, *context], cell.source, check))
    return found


EXERCISES = [ex for path in CHAPTERS for ex in _exercises(path)]
NO_CHAPTERS = pytest.mark.skip(reason="no chapter notebooks in book/ yet")


def _params(items, ids):
    return [pytest.param(*item, id=i) for item, i in zip(items, ids)] or [pytest.param(None, marks=NO_CHAPTERS)]


# ------------------------------------------------------------------------------------------ executing
class _Shell:
    """Enough of IPython's ``get_ipython()`` for transformed magics: line magics are ignored."""

    def __init__(self, namespace):
        self.namespace = namespace

    def run_line_magic(self, name, line, *args, **kwargs):
        return None

    def run_cell_magic(self, name, line, cell):
        exec(compile(cell, f"<%%{name}>", "exec"), self.namespace)  # noqa: S102 - running notebook code

    def system(self, *args, **kwargs):
        return None

    getoutput = system


def _to_python(source: str) -> str:
    if not re.search(r"^\s*[%!]", source, re.MULTILINE):
        return source
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _run(cells: list[tuple[str, str]]) -> str:
    """Execute ``(name, source)`` cells in one fresh namespace in the chapter folder; return stdout."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    namespace: dict = {"__name__": "__main__"}
    namespace["get_ipython"] = lambda: _Shell(namespace)
    namespace["display"] = lambda *args, **kwargs: None
    stdout = io.StringIO()
    cwd = os.getcwd()
    try:
        os.chdir(BOOK)
        with contextlib.redirect_stdout(stdout):
            for name, source in cells:
                exec(compile(_to_python(source), name, "exec"), namespace)  # noqa: S102 - the point of the test
    finally:
        os.chdir(cwd)
        plt.close("all")
    return stdout.getvalue()


def _cells(ex: Exercise, solution: str) -> list[tuple[str, str]]:
    setup = [(f"<{ex.notebook.name}: setup {i}>", s) for i, s in enumerate(ex.setup)]
    return [*setup, (f"<{ex.notebook.name}: {ex.label} solution>", solution),
            (f"<{ex.notebook.name}: {ex.label} check>", ex.check)]


# ------------------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("ex", _params([(e,) for e in EXERCISES], [f"{e.notebook.stem}::{e.label}" for e in EXERCISES]))
def test_check_passes_on_solution(ex):
    if not CHECK_RE.search(ex.check):
        pytest.fail(f"{ex.label}: the code cell after the solution calls no checks.check_...():\n{ex.check}",
                    pytrace=False)
    _run(_cells(ex, ex.solution))


@pytest.mark.parametrize("ex", _params([(e,) for e in EXERCISES], [f"{e.notebook.stem}::{e.label}" for e in EXERCISES]))
def test_check_fails_on_stub(ex):
    stub = stub_solution(ex.solution)
    assert "NotImplementedError" in stub or "# YOUR CODE HERE" in stub
    try:
        _run(_cells(ex, stub))
    except AssertionError as exc:
        assert str(exc).strip(), f"{ex.label}: the check failed on the stub without saying why"
    except Exception as exc:  # noqa: BLE001 - any other exception is a badly written check or exercise
        pytest.fail(f"{ex.label}: on the stub the check raised {type(exc).__name__}: {exc} — expected an "
                    "AssertionError (call the student's code through checks.call_student; a solution cell "
                    "should only define functions)", pytrace=False)
    else:
        pytest.fail(f"{ex.label}: the check passed on the stub, so it does not test the student's code",
                    pytrace=False)


@pytest.mark.parametrize("path", _params([(p,) for p in CHAPTERS], [p.stem for p in CHAPTERS]))
def test_exercise_layout(path):
    """Each {exercise} block: the next cell is a code cell tagged `solution`, then a check cell."""
    nb = nbformat.read(path, as_version=4)
    cells = nb.cells
    problems, count = [], 0
    for index, cell in enumerate(cells):
        if cell.cell_type == "markdown" and EXERCISE_RE.search(cell.source):
            count += 1
            blocks = len(EXERCISE_RE.findall(cell.source))
            where = f"cell {index} ({(LABEL_RE.search(cell.source) or [None, '?'])[1]})"
            if blocks > 1:
                problems.append(f"{where}: {blocks} exercises in one cell; give each its own cell and solution")
            if not LABEL_RE.search(cell.source):
                problems.append(f"{where}: the exercise has no :label:")
            solution = cells[index + 1] if index + 1 < len(cells) else None
            check = cells[index + 2] if index + 2 < len(cells) else None
            if solution is None or solution.cell_type != "code" or "solution" not in _tags(solution):
                problems.append(f"{where}: not followed by a code cell tagged `solution`")
            elif "hide-input" not in _tags(solution):
                problems.append(f"{where}: the solution cell is not tagged `hide-input` (it would show expanded)")
            if check is None or check.cell_type != "code" or not CHECK_RE.search(check.source):
                problems.append(f"{where}: the solution is not followed by a cell calling checks.check_...()")
        elif cell.cell_type == "code" and "solution" in _tags(cell):
            previous = cells[index - 1] if index else None
            if previous is None or previous.cell_type != "markdown" or not EXERCISE_RE.search(previous.source):
                problems.append(f"cell {index}: a `solution` cell that does not follow an {{exercise}} block")
    if count < MIN_EXERCISES:
        problems.append(f"only {count} exercise(s); every chapter needs at least {MIN_EXERCISES}")
    assert not problems, f"{path.name}:\n  " + "\n  ".join(problems)


def test_exercise_labels_are_unique():
    labels = [ex.label for ex in EXERCISES]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    assert not duplicates, f"exercise labels used twice: {duplicates}"
