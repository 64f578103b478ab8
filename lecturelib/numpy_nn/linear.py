"""Fully connected layer in the lectures' orientation (lecture 000, "ネットワークの計算と表記").

``W ∈ R^{|U^{l-1}| × |U^l|}``, so one sample's input is ``u = W^T z + b``; for a batch stored row-wise,
``U = Z W + b``.
"""

from __future__ import annotations

import numpy as np

from .._contracts import check_linear, positive_int
from .._validate import check_array
from .init import init_std
from .layer import Layer

__all__ = ["Linear", "linear_backward", "linear_forward"]


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


class Linear(Layer):
    """Fully connected layer ``u = W^T z + b``; ``params``: weight (in_features, out_features) — the lecture's
    ``W`` — and bias (out_features,). Initialised ``W ~ N(0, σ²)`` with ``init`` a rule or number of
    :func:`~lecturelib.numpy_nn.init_std` (default He) and zero biases. Forward z (N, D_in) → (N, D_out)."""

    def __init__(self, in_features: int, out_features: int, init: str | float = "he") -> None:
        super().__init__()
        self.in_features = positive_int(in_features, "in_features")
        self.out_features = positive_int(out_features, "out_features")
        self.eps = init_std(init, self.in_features, self.out_features)
        self.init = init

    def _draw(self, rng, dtype):
        w = self.eps * rng.standard_normal((self.in_features, self.out_features))
        return {"weight": w.astype(dtype), "bias": np.zeros(self.out_features, dtype=dtype)}

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        out, self.cache = linear_forward(x, self._param("weight"), self._param("bias"))
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx, dw, db = linear_backward(dout, self._cached())
        self.grads = {"weight": dw, "bias": db}
        return dx

    def macs(self, in_shape: tuple[int, ...]) -> int:
        return self.in_features * self.out_features

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"
