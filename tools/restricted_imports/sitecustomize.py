"""Make the modules named in ``LECTURELIB_DENY_IMPORTS`` unimportable (tools/run_chapters.py sets it).

A kernel started with this folder on ``PYTHONPATH`` behaves as if only the student zip's requirements were
installed: ``import name`` raises ``ModuleNotFoundError`` and ``importlib.util.find_spec(name)`` returns
``None`` — exactly what code that probes for optional packages (torch does) sees on a student's laptop.
"""

import os
import sys

for _name in filter(None, os.environ.get("LECTURELIB_DENY_IMPORTS", "").split(",")):
    sys.modules.setdefault(_name, None)  # the import system's own "not importable" marker
