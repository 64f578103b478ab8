"""Loss functions; each returns ``(J, dy)`` where ``dy = ∂J/∂(its first argument)``."""

from __future__ import annotations

import numpy as np

from .._contracts import check_labels_for
from .._validate import check_array, check_same_shape
from .activations import softmax

__all__ = ["mse_loss", "softmax_cross_entropy"]


def mse_loss(y: np.ndarray, t: np.ndarray) -> tuple[float, np.ndarray]:
    """Squared error ``J = (1/N) Σ_n ½‖y_n − t_n‖²`` and its gradient ``∂J/∂y = (y − t)/N``.

    Args:
        y: predictions, shape (N, D) (or (N,)).
        t: targets, same shape as ``y``.
    """
    check_array(y, "y", ndim=(1, 2))
    check_array(t, "t", ndim=(1, 2))
    check_same_shape(y, t, "y", "t")
    n = y.shape[0]
    diff = y - t
    J = 0.5 * np.sum(diff * diff) / n
    return float(J), diff / n


def softmax_cross_entropy(u: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Softmax followed by cross-entropy, averaged over the batch.

    ``J = −(1/N) Σ_n log h_{t_n}(u_n)`` with ``h = softmax(u)``; the gradient is ``∂J/∂u = (h − onehot(t))/N``.

    Args:
        u: scores (logits), shape (N, K).
        labels: integer class indices, shape (N,), values in [0, K).
    """
    labels = check_labels_for(u, labels)
    n = u.shape[0]
    shifted = u - u.max(axis=1, keepdims=True)
    log_norm = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(n)
    J = np.mean(log_norm - shifted[rows, labels])
    du = softmax(u, axis=1)
    du[rows, labels] -= 1
    du /= n
    return float(J), du
