"""Checks for chapter 14 (generating). Each check_* is listed in ``__all__`` and re-exported by the package."""

from __future__ import annotations

__all__: list[str] = []
