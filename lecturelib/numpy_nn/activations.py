"""Activation functions ``h(u)`` and their element-wise derivatives ``h'(u)`` (lecture 000, "活性化関数の例").

Every function accepts an array of any shape and returns an array of the same shape and dtype.
"""

from __future__ import annotations

import numpy as np

from .._validate import check_array
from .layer import Layer

__all__ = [
    "ACTIVATIONS", "Identity", "ReLU", "Sigmoid", "Tanh",
    "identity", "identity_grad", "sigmoid", "sigmoid_grad", "tanh", "tanh_grad",
    "relu", "relu_grad", "softmax", "softmax_jacobian",
]


def identity(u: np.ndarray) -> np.ndarray:
    """Linear activation ``h(u) = u``."""
    check_array(u, "u")
    return u.copy()


def identity_grad(u: np.ndarray) -> np.ndarray:
    """``h'(u) = 1``."""
    check_array(u, "u")
    return np.ones_like(u)


def sigmoid(u: np.ndarray) -> np.ndarray:
    """Logistic sigmoid ``σ(u) = 1 / (1 + exp(−u))``, evaluated without overflow for large |u|."""
    check_array(u, "u")
    out = np.empty_like(u)
    pos = u >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-u[pos]))
    e = np.exp(u[~pos])
    out[~pos] = e / (1.0 + e)
    return out


def sigmoid_grad(u: np.ndarray) -> np.ndarray:
    """``σ'(u) = σ(u)(1 − σ(u))``."""
    s = sigmoid(u)
    return s * (1 - s)


def tanh(u: np.ndarray) -> np.ndarray:
    """``tanh(u) = (e^u − e^{−u}) / (e^u + e^{−u})``."""
    check_array(u, "u")
    return np.tanh(u)


def tanh_grad(u: np.ndarray) -> np.ndarray:
    """``tanh'(u) = 1 − tanh(u)²``."""
    t = tanh(u)
    return 1 - t * t


def relu(u: np.ndarray) -> np.ndarray:
    """Rectified linear unit ``h(u) = max(0, u)``."""
    check_array(u, "u")
    return np.maximum(u, 0).astype(u.dtype, copy=False)


def relu_grad(u: np.ndarray) -> np.ndarray:
    """``h'(u) = 1`` for ``u > 0`` and 0 otherwise (the sub-gradient 0 is taken at ``u = 0``)."""
    check_array(u, "u")
    return (u > 0).astype(u.dtype)


def softmax(u: np.ndarray, axis: int = -1) -> np.ndarray:
    """``h_i(u) = exp(u_i) / Σ_k exp(u_k)`` along ``axis``; the maximum is subtracted first for stability."""
    check_array(u, "u")
    shifted = u - u.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def softmax_jacobian(u: np.ndarray) -> np.ndarray:
    """Jacobian of softmax for one vector u (K,): ``∂h_i/∂u_j = h_i(δ_ij − h_j)``, shape (K, K)."""
    check_array(u, "u", ndim=1)
    h = softmax(u)
    return np.diag(h) - np.outer(h, h)


#: Activation name → ``(h, h')``.
ACTIVATIONS = {
    "identity": (identity, identity_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (tanh, tanh_grad),
    "relu": (relu, relu_grad),
}


class _Activation(Layer):
    """``z = h(u)`` element-wise; backward ``δ = h'(u) ⊙ ∂J/∂z``. Any shape."""

    name = "identity"

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        self.cache = x
        return ACTIVATIONS[self.name][0](x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        u = self._cached()
        if dout.shape != u.shape:
            raise ValueError(f"dout must have the forward output's shape {u.shape}, got {dout.shape}")
        self.grads = {}
        return dout * ACTIVATIONS[self.name][1](u)


class Identity(_Activation):
    """``z = u``."""

    name = "identity"


class Sigmoid(_Activation):
    """``z = σ(u)``; backward ``δ = σ(u)(1 − σ(u)) ⊙ ∂J/∂z``."""

    name = "sigmoid"


class Tanh(_Activation):
    """``z = tanh(u)``; backward ``δ = (1 − tanh²u) ⊙ ∂J/∂z``."""

    name = "tanh"


class ReLU(_Activation):
    """``z = max(0, u)``; backward ``δ = h'(u) ⊙ ∂J/∂z`` with ``h'(u) = [u > 0]``."""

    name = "relu"
