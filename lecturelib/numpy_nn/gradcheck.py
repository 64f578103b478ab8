"""Finite-difference gradients and the relative error used to compare gradients."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["numerical_gradient", "rel_error"]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """Central differences ``∂f/∂x_i ≈ (f(x + h e_i) − f(x − h e_i)) / 2h`` of a scalar function.

    ``x`` is perturbed in place and restored, so ``f`` may close over it. Returns an array shaped like ``x``.
    """
    if not isinstance(x, np.ndarray):
        raise ValueError(f"x: expected a NumPy array, got {type(x).__name__}")
    grad = np.zeros_like(x, dtype=np.float64 if x.dtype != np.float32 else np.float32)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        f_plus = float(f(x))
        x[i] = old - h
        f_minus = float(f(x))
        x[i] = old
        grad[i] = (f_plus - f_minus) / (2 * h)
        it.iternext()
    return grad


def rel_error(a: ArrayLike, b: ArrayLike) -> float:
    """``max |a − b| / max(1e-8, |a| + |b|)``, element-wise, maximised over the arrays."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of the same shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
