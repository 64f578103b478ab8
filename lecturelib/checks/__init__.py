"""Exercise checks: ``check_*`` functions that run a student's code against the reference.

A check generates inputs, calls the student's function, compares with ``lecturelib``'s reference and
raises ``AssertionError`` saying what is wrong (shape, value, which element); on success it prints one
short line. Each chapter's checks live in a module ``chNN_*.py`` here; this package re-exports them all.
"""

import importlib
import pkgutil

from ._core import assert_close, call_student, passed

__all__ = ["assert_close", "call_student", "passed"]

for _module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
    if _module.name.startswith("_"):
        continue
    _mod = importlib.import_module(f"{__name__}.{_module.name}")
    for _name in getattr(_mod, "__all__", ()):
        globals()[_name] = getattr(_mod, _name)
        __all__.append(_name)
