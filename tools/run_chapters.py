#!/usr/bin/env python
"""Execute the chapters the way ``make test``'s second pass does, and report every cell that fails.

Two modes, both on the student copies that ``make student`` writes (the zip's contents):

``--perturbed`` (default)
    Every chapter with its solutions put back, executed from the student folder (so ``import lecturelib``
    finds the zip's copy) with

    * another seed: ``LECTURELIB_SEED_OFFSET`` (default 1) shifts every seed ``lecturelib`` is given;
    * another CPU kernel set: ``ATEN_CPU_CAPABILITY=default`` (PyTorch's non-vectorised kernels);
    * only the zip's requirements importable: every installed distribution outside the dependency closure of
      ``requirements.txt`` is made unimportable in the kernel (``tools/restricted_imports``).

    Nothing is compared digit for digit: every cell must run and every assertion must hold. A claim that
    holds for one seed or one CPU only fails here.

``--stubs``
    The student notebooks as shipped (solutions stubbed), as a student who skips every exercise runs them.
    Only the cells that use what an exercise defines (its check, and later cells naming one of the functions
    the solution cell defines) may fail; any other failure means a skipped exercise breaks unrelated cells.

Usage: ``python tools/run_chapters.py [--stubs] [--student _build/student] [--jobs 2] [chNN_*.ipynb ...]``
"""

from __future__ import annotations

import argparse
import ast
import concurrent.futures
import importlib.metadata as md
import os
import pathlib
import re
import sys
import time

import nbformat
from nbclient import NotebookClient
from packaging.requirements import Requirement

ROOT = pathlib.Path(__file__).resolve().parent.parent
BLOCKER = ROOT / "tools" / "restricted_imports"
#: What ``pip install -r requirements.txt`` brings besides the listed packages: a Jupyter kernel.
KERNEL = ("ipykernel",)


# ------------------------------------------------------------------------------------- allowed imports
def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_closure(requirements: list[str]) -> set[str]:
    """Normalised names of the installed distributions that ``requirements`` pulls in (recursively)."""
    todo = [Requirement(r) for r in requirements]
    seen: set[str] = set()
    while todo:
        req = todo.pop()
        name = _norm(req.name)
        if name in seen:
            continue
        try:
            dist = md.distribution(req.name)
        except md.PackageNotFoundError:
            continue
        seen.add(name)
        for spec in dist.requires or []:
            sub = Requirement(spec)
            extras = set(req.extras)
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras or {""}):
                todo.append(sub)
    return seen


def _top_level_names(dist: md.Distribution) -> set[str]:
    text = dist.read_text("top_level.txt")
    if text:
        return {line.strip() for line in text.splitlines() if line.strip()}
    names = set()
    for f in dist.files or []:
        first = f.parts[0]
        if first.endswith((".dist-info", ".egg-info", ".data")) or first in ("..", "__pycache__"):
            continue
        if len(f.parts) == 1:
            if f.suffix == ".py":
                names.add(f.stem)
            elif f.suffix in (".so", ".pyd"):
                names.add(f.name.split(".")[0])
        else:
            names.add(first)
    return names


def denied_modules(requirements: list[str]) -> set[str]:
    """Top-level modules of installed distributions outside the closure of ``requirements``."""
    allowed_dists = requirement_closure(list(requirements) + list(KERNEL))
    allowed, denied = set(sys.stdlib_module_names), set()
    for dist in md.distributions():
        names = _top_level_names(dist)
        if _norm(dist.metadata["Name"]) in allowed_dists:
            allowed |= names
        else:
            denied |= names
    # lecturelib comes with the zip; editable-install finders are not modules a notebook imports
    return {n for n in denied - allowed if n.isidentifier() and n != "lecturelib" and not n.startswith("__")}


def read_requirements(path: pathlib.Path) -> list[str]:
    lines = (line.split("#")[0].strip() for line in path.read_text(encoding="utf-8").splitlines())
    return [line for line in lines if line]


# -------------------------------------------------------------------------------------------- running
def _solution_names(cell) -> set[str]:
    try:
        tree = ast.parse(cell.source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def failures(nb, stubs: bool) -> list[str]:
    """Cells with an error output; with ``stubs``, only those not explained by a skipped exercise."""
    problems, exercise_names, after_solution = [], set(), False
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        tags = cell.metadata.get("tags", [])
        if "solution" in tags:
            exercise_names |= _solution_names(cell)
            after_solution = True
            continue
        errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
        related = after_solution or any(re.search(rf"\b{re.escape(n)}\b", cell.source) for n in exercise_names)
        after_solution = False
        if errors and not (stubs and related):
            e = errors[0]
            message = e.get("evalue", "")[:300]
            if "None in sys.modules" in message:
                message += " — not installed by the student requirements.txt"
            problems.append(f"cell {index}: {e.get('ename')}: {message}")
    return problems


def run_one(job: tuple[str, str, bool, dict]) -> tuple[str, float, list[str]]:
    book_path, student_dir, stubs, env = job
    book_path, student_dir = pathlib.Path(book_path), pathlib.Path(student_dir)
    if stubs:
        nb = nbformat.read(student_dir / book_path.name, as_version=4)
    else:  # the student copy with the solutions put back = the chapter with its outputs cleared
        nb = nbformat.read(book_path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    start = time.perf_counter()
    client = NotebookClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(student_dir)}})
    try:
        client.execute(env=env)
    except Exception as exc:  # a dead kernel or a timeout
        return book_path.name, time.perf_counter() - start, [f"execution stopped: {type(exc).__name__}: {exc}"]
    return book_path.name, time.perf_counter() - start, failures(nb, stubs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="chapter file names or paths (default: every chapter)")
    parser.add_argument("--stubs", action="store_true", help="run the stubbed student notebooks")
    parser.add_argument("--student", type=pathlib.Path, default=ROOT / "_build" / "student")
    parser.add_argument("--seed-offset", type=int, default=1)
    parser.add_argument("--cpu-capability", default="default", help="ATEN_CPU_CAPABILITY for the kernels")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--book", type=pathlib.Path, default=ROOT / "book", help="folder of ch*.ipynb")
    args = parser.parse_args(argv)

    requirements = args.student / "requirements.txt"
    if not requirements.exists():
        raise SystemExit(f"{requirements} not found: run `make student` first")
    chapters = [args.book / pathlib.Path(n).name for n in args.notebooks] or sorted(args.book.glob("ch*.ipynb"))
    denied = denied_modules(read_requirements(requirements))
    env = dict(
        os.environ,
        LECTURELIB_DENY_IMPORTS=",".join(sorted(denied)),
        PYTHONPATH=os.pathsep.join(filter(None, [str(BLOCKER), os.environ.get("PYTHONPATH")])),
        LECTURELIB_PROGRESS="0",
    )
    if not args.stubs:
        env.update(LECTURELIB_SEED_OFFSET=str(args.seed_offset), ATEN_CPU_CAPABILITY=args.cpu_capability)
    mode = "stubbed student notebooks" if args.stubs else (
        f"seed offset {args.seed_offset}, ATEN_CPU_CAPABILITY={args.cpu_capability}")
    print(f"running {len(chapters)} chapter(s): {mode}; only requirements.txt importable "
          f"({len(denied)} other modules blocked)", flush=True)
    jobs = [(str(c), str(args.student.resolve()), args.stubs, env) for c in chapters]
    bad = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:  # each job drives its own kernel
        for name, seconds, problems in pool.map(run_one, jobs):
            status = "ok" if not problems else f"{len(problems)} failing cell(s)"
            print(f"{name}: {seconds:6.1f} s  {status}", flush=True)
            for p in problems:
                print(f"    {p}", flush=True)
            bad += bool(problems)
    print(f"{len(chapters) - bad} passed, {bad} failed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
