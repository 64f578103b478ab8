#!/usr/bin/env python
"""Re-execute chapters in place (``make notebooks``), so their stored outputs match lecturelib again.

Usage: ``python tools/execute_notebooks.py [--jobs N] [book/chXX_*.ipynb ...]`` (default: every chapter).
Prints each notebook's wall-clock time (a chapter must execute in at most 3 minutes on 2 cores) and warns
about what a reader should not see in stored outputs: errors, stderr (warnings, progress bars).
``make notebooks`` runs it in the execution environment of the Makefile (``NB_ENV`` and ``STORE_ENV``).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent

# Defaults for a direct call; the Makefile sets the same (see NB_ENV there).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "LECTURELIB_TORCH_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
os.environ.setdefault("LECTURELIB_PROGRESS", "0")


def execute(path: pathlib.Path, timeout: int = 900) -> tuple[float, list[str]]:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(nb, path)
    notes = []
    for index, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                notes.append(f"cell {index} stores stderr: {out.get('text', '')[:120]!r}")
    return elapsed, notes


def _run(path: str) -> tuple[str, float, list[str]]:
    elapsed, notes = execute(pathlib.Path(path))
    return pathlib.Path(path).name, elapsed, notes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    parser.add_argument("--jobs", type=int, default=1, help="chapters executed side by side")
    args = parser.parse_args(argv)
    # chapters, then the appendix notebooks (appendix_exercises runs a chapter's solution and check)
    default = sorted((ROOT / "book").glob("ch*.ipynb")) + sorted((ROOT / "book").glob("appendix_*.ipynb"))
    paths = [str(p) for p in (args.notebooks or default)]
    with concurrent.futures.ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for name, elapsed, notes in pool.map(_run, paths):
            flag = "" if elapsed <= 180 else "   <-- over the 3-minute budget"
            print(f"{name}: {elapsed:6.1f} s{flag}", flush=True)
            for note in notes:
                print(f"    {note}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
