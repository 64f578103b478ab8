"""Checks for chapter 12, GPUs, frameworks and data-parallel training. Each check_* is listed in ``__all__`` and re-exported by the package."""

from __future__ import annotations

__all__: list[str] = []
