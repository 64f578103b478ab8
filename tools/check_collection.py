#!/usr/bin/env python
"""Fail fast when two collections of the test suite differ (``make unit`` runs this before ``pytest -n``).

pytest-xdist's workers each collect the suite and refuse to run when their test IDs differ ("Different tests
were collected between gw0 and gw1") — which happens only when the two collections straddle whatever makes an
ID vary (the clock, a hash seed, a dict order). This script makes the comparison deterministic: it collects
twice, in two processes with different ``PYTHONHASHSEED`` values and more than a second apart, and prints the
IDs that differ.

Usage: ``python tools/check_collection.py [pytest args...]`` (default: ``tests -m "not browser"``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time


def collect(args: list[str], hash_seed: str) -> list[str]:
    env = dict(os.environ, PYTHONHASHSEED=hash_seed)
    out = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
                         capture_output=True, text=True, env=env)
    if out.returncode != 0:
        sys.stderr.write(out.stdout + out.stderr)
        raise SystemExit(f"collection failed (exit {out.returncode})")
    return [line for line in out.stdout.splitlines() if "::" in line]


def main(argv: list[str]) -> int:
    args = argv or ["tests", "-m", "not browser"]
    first = collect(args, "1")
    time.sleep(1.1)  # a timestamp with one-second resolution (gzip headers, file names) now differs
    second = collect(args, "2")
    if first == second:
        print(f"test collection is deterministic: {len(first)} tests, identical twice")
        return 0
    only_first = sorted(set(first) - set(second))
    only_second = sorted(set(second) - set(first))
    print("Two collections of the test suite differ; pytest -n would refuse to run.", file=sys.stderr)
    for line in only_first[:20]:
        print(f"  first only:  {line}", file=sys.stderr)
    for line in only_second[:20]:
        print(f"  second only: {line}", file=sys.stderr)
    if not only_first and not only_second:
        print("  (same IDs in a different order)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
