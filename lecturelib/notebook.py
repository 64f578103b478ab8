"""What a chapter shows while it runs: numbers glued into the prose, and progress of long loops.

* :func:`glue` — ``myst_nb.glue`` when myst-nb is installed (the book build), a quiet no-op otherwise (a
  student's laptop needs only the course's requirements). NumPy scalars become Python numbers first, so the
  glued text reads ``0.871``, not ``np.float64(0.871)``.
* :func:`progress` — a live tqdm bar for a person running the notebook, and nothing at all when the chapter
  is executed to store its outputs (``LECTURELIB_PROGRESS=0``, which the Makefile sets): the stored notebook
  and the HTML book keep the compact log the loop prints, never hundreds of bar frames.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from tqdm import tqdm

__all__ = ["glue", "progress", "progress_enabled"]


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    return value


def glue(name: str, value: Any, display: bool = False) -> None:
    """Make ``value`` available to the prose as ``{glue:text}`name``` (myst-nb).

    Without myst-nb (a student's environment) nothing is recorded and, with ``display=True``, the value is
    simply shown. NumPy scalars are converted to Python numbers. Returns ``None``, so a cell that ends with a
    ``glue`` call stores no extra output.
    """
    if not isinstance(name, str) or not name:
        raise TypeError(f"glue: expected a non-empty str name, got {name!r}")
    value = _plain(value)
    try:
        from myst_nb import glue as _myst_glue
    except ImportError:
        if display:
            from IPython.display import display as _display

            _display(value)
        return
    _myst_glue(name, value, display=display)


def progress_enabled() -> bool:
    """False when ``LECTURELIB_PROGRESS`` is ``0``/``false``/``no`` (executions that store outputs)."""
    return os.environ.get("LECTURELIB_PROGRESS", "1").strip().lower() not in ("0", "false", "no", "off")


def progress(total: int | None = None, desc: str = "", enabled: bool = True, **tqdm_options: Any) -> tqdm:
    """A text tqdm progress bar on stderr (Jupyter redraws it in place; no ipywidgets needed).

    The bar disappears when it is done (``leave=False``): what stays is the log the caller prints. Disabled
    when ``enabled`` is false or :func:`progress_enabled` says so; a disabled bar accepts the same calls.
    ``tqdm_options`` go to tqdm as they are (e.g. ``unit="B", unit_scale=True`` for a download).
    """
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, disable=not (enabled and progress_enabled()), leave=False,
                mininterval=0.5, **tqdm_options)
