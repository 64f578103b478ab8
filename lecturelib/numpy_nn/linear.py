"""Fully connected layer in the lectures' orientation (lecture 000, "ネットワークの計算と表記").

``W ∈ R^{|U^{l-1}| × |U^l|}``, so one sample's input is ``u = W^T z + b``; for a batch stored row-wise,
``U = Z W + b``.
"""

from __future__ import annotations

import numpy as np

from .._contracts import check_linear
from .._validate import check_array

__all__ = ["linear_forward", "linear_backward"]


def linear_forward(z: np.ndarray, W: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, tuple]:
    """Forward pass ``u = W^T z + b`` for every row of ``z``.

    Args:
        z: inputs, shape (N, D_in).
        W: weights, shape (D_in, D_out).
        b: biases, shape (D_out,).

    Returns:
        ``(u, cache)`` with ``u`` of shape (N, D_out) and ``cache = (z, W)``.
    """
    check_linear(z, W, b)
    u = z @ W + b
    return u, (z, W)


def linear_backward(du: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of ``u = W^T z + b``.

    With ``δ = ∂J/∂u`` (``du``, shape (N, D_out)):
    ``∂J/∂z = δ W^T`` (N, D_in), ``∂J/∂W = z^T δ`` (D_in, D_out), ``∂J/∂b = Σ_n δ_n`` (D_out,).
    """
    z, W = cache
    check_array(du, "du", ndim=2)
    if du.shape != (z.shape[0], W.shape[1]):
        raise ValueError(f"du must have shape {(z.shape[0], W.shape[1])} (N, D_out), got {du.shape}")
    dz = du @ W.T
    dW = z.T @ du
    db = du.sum(axis=0)
    return dz, dW, db
