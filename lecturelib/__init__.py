"""lecturelib — the shared library of the course.

``numpy_nn`` holds the NumPy reference of every layer (the lectures' equations, forward and backward),
``torch_nn`` mirrors it with hand-written ``torch.autograd.Function``s that run on any device, ``data``
loads the course's data sets without touching the network when a local copy exists, and ``checks``
grades the exercises.

Randomness has one meaning everywhere in the library: a function's ``rng`` argument is a
``numpy.random.Generator``, an int seed, or ``None`` — *the library's generator*, which :func:`set_seed`
re-seeds. So after ``set_seed(0)`` every ``rng=None`` call draws a reproducible stream.

Two environment variables belong to the execution environment, not to the chapters:

* ``LECTURELIB_SEED_OFFSET`` (default 0) is added to every seed the library is given (by :func:`set_seed`
  and as an int ``rng``). ``make test`` re-runs the chapters with an offset to prove their claims hold for
  other seeds, not just the one whose outputs are stored.
* ``LECTURELIB_TORCH_THREADS``: when set, :func:`set_seed` fixes torch's intra-op thread count to it (the
  Makefile uses 1, so two chapters can run side by side on a 2-core machine). Unset, torch keeps its default.
"""

from __future__ import annotations

import os
import random

import numpy as np
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import torch

from . import _random
from ._random import as_generator, rng, seed_offset
from .notebook import glue, progress

__version__ = "0.1.0"
__all__ = ["set_seed", "device", "rng", "as_generator", "seed_offset", "glue", "progress", "__version__"]


def set_seed(seed: int) -> None:
    """Seed ``random``, NumPy's global generator, the library's generator and torch; make torch deterministic.

    The seed used is ``seed + seed_offset()`` (``LECTURELIB_SEED_OFFSET``, 0 unless a test run perturbs it).
    Enables ``torch.use_deterministic_algorithms(True)``; with ``LECTURELIB_TORCH_THREADS`` set, also fixes
    torch's intra-op thread count.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_seed: expected an int, got {type(seed).__name__}")
    seed = int(seed) + seed_offset()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    _random.reseed(seed)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency, but keep numpy-only use possible
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    threads = os.environ.get("LECTURELIB_TORCH_THREADS")
    if threads:
        torch.set_num_threads(int(threads))
    if torch.backends.cudnn.is_available():
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True


def device() -> torch.device:
    """Return ``torch.device('cuda')`` when a GPU is available, else ``torch.device('cpu')``."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")

