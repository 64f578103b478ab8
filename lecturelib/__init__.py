"""lecturelib — the shared library of the course.

``numpy_nn`` holds the NumPy reference of every layer (the lectures' equations, forward and backward),
``torch_nn`` mirrors it with hand-written ``torch.autograd.Function``s that run on any device, ``data``
loads the course's data sets without touching the network when a local copy exists, and ``checks``
grades the exercises.
"""

from __future__ import annotations

import os
import random

import numpy as np

__version__ = "0.1.0"
__all__ = ["set_seed", "device", "__version__"]

#: Thread count used by torch in chapters and tests, so results do not depend on the machine's core count.
TORCH_THREADS = 2


def set_seed(seed: int) -> None:
    """Seed ``random``, NumPy's global generator and torch; make torch deterministic.

    Enables ``torch.use_deterministic_algorithms(True)`` and fixes torch's intra-op thread count to
    ``TORCH_THREADS`` so that reductions are summed in the same order on every machine.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"set_seed expects an int, got {type(seed).__name__}")
    seed = int(seed)
    random.seed(seed)
    np.random.seed(seed % 2**32)
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency, but keep numpy-only use possible
        return
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(TORCH_THREADS)
    if torch.backends.cudnn.is_available():
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True


def device():
    """Return ``torch.device('cuda')`` when a GPU is available, else ``torch.device('cpu')``."""
    import torch

    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
