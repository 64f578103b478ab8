"""Names that moved to another module keep working for a while, with a ``DeprecationWarning`` naming the new home.

The chapters switch to the new names (``docs/MIGRATION-lib.md``); then the table in the old module is
emptied. Nothing new should use a moved name.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any


def moved_names(module: str, table: dict[str, tuple[str, Callable[[], Any]]]) -> Callable[[str], Any]:
    """A module ``__getattr__`` resolving ``table[name] = (new location, resolver)`` with a warning."""

    def __getattr__(name: str) -> Any:
        if name in table:
            new, resolve = table[name]
            warnings.warn(f"{module}.{name} has moved: use {new} (see docs/MIGRATION-lib.md)", DeprecationWarning,
                          stacklevel=2)
            return resolve()
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
