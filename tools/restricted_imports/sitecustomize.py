"""Make the modules named in ``LECTURELIB_DENY_IMPORTS`` unimportable (tools/run_chapters.py sets it).

A kernel started with this folder on ``PYTHONPATH`` behaves as if only the student zip's requirements were
installed: ``import name`` raises ``ModuleNotFoundError``, ``importlib.util.find_spec(name)`` returns ``None``
and ``name`` is not in ``sys.modules`` — exactly what code that probes for optional packages sees on a
student's laptop (torch probes with ``find_spec``; SciPy's docstring tools test ``"sphinx" in sys.modules``,
which is why the denied names are hidden from the path finder rather than entered in ``sys.modules`` as None).
"""

import importlib.machinery
import os
import sys

_DENIED = frozenset(filter(None, os.environ.get("LECTURELIB_DENY_IMPORTS", "").split(",")))


class _HidingPathFinder:
    """The standard path finder, blind to the denied top-level packages and everything below them."""

    def __init__(self, inner):
        self._inner = inner

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in _DENIED:
            return None
        return self._inner.find_spec(name, path, target)

    def __getattr__(self, attr):  # invalidate_caches, find_distributions, ...
        return getattr(self._inner, attr)


if _DENIED:
    sys.meta_path[:] = [_HidingPathFinder(f) if f is importlib.machinery.PathFinder else f for f in sys.meta_path]
