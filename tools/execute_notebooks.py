#!/usr/bin/env python
"""Re-execute chapters in place (``make notebooks``), so their stored outputs match lecturelib again.

Usage: ``python tools/execute_notebooks.py [book/chXX_*.ipynb ...]`` (default: every notebook in book/).
Prints each notebook's wall-clock time: a chapter must execute in at most 3 minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import sys
import time

import nbformat
from nbclient import NotebookClient

ROOT = pathlib.Path(__file__).resolve().parent.parent

# The kernels inherit these: single-threaded BLAS, as `make nbval` uses, so stored outputs reproduce bit for bit.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # idle OpenMP threads sleep instead of spinning


def execute(path: pathlib.Path, timeout: int = 900) -> float:
    nb = nbformat.read(path, as_version=4)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
                   ).execute()
    elapsed = time.perf_counter() - start
    nbformat.write(nb, path)
    return elapsed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=pathlib.Path)
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "book").glob("*.ipynb"))
    for path in paths:
        elapsed = execute(path)
        flag = "" if elapsed <= 180 else "   <-- over the 3-minute budget"
        print(f"{path.name}: {elapsed:6.1f} s{flag}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
