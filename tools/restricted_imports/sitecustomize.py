"""Make the modules named in ``LECTURELIB_DENY_IMPORTS`` unimportable (tools/run_chapters.py sets it).

A kernel started with this folder on ``PYTHONPATH`` behaves as if only the student zip's requirements were
installed: importing anything else raises ``ModuleNotFoundError``, exactly as on a student's laptop.
"""

import importlib.abc
import os
import sys

_DENIED = frozenset(filter(None, os.environ.get("LECTURELIB_DENY_IMPORTS", "").split(",")))


class _DenyFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname.partition(".")[0] in _DENIED:
            raise ModuleNotFoundError(
                f"No module named {fullname!r} (not installed by the student requirements.txt)", name=fullname)
        return None


if _DENIED:
    sys.meta_path.insert(0, _DenyFinder())
