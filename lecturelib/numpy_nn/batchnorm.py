"""Batch normalization (lecture 000 "Batch normalization"; Ioffe & Szegedy 2015).

For each feature ``k`` (a column of a (N, D) batch, or a channel of a (N, C, H, W) batch, whose statistics
run over N, H and W, so m = N·H·W values) and a mini-batch ``B = {x_i}_{i=1}^m``::

    μ_B   = (1/m) Σ_i x_i                    mini-batch mean
    σ²_B  = (1/m) Σ_i (x_i − μ_B)²           mini-batch variance (biased)
    x̂_i   = (x_i − μ_B) / √(σ²_B + ε)        normalize
    y_i   = γ x̂_i + β                        scale and shift

At test time ``μ_B, σ²_B`` are replaced by running estimates kept during training with PyTorch's convention:
``running_mean ← (1 − momentum)·running_mean + momentum·μ_B`` and
``running_var ← (1 − momentum)·running_var + momentum·σ²_B · m/(m − 1)`` (the *unbiased* batch variance).
"""

from __future__ import annotations

import numpy as np

from .._contracts import check_batchnorm
from .._validate import check_array

__all__ = ["batchnorm_backward", "batchnorm_forward"]


def _axes(x):
    return (0,) if x.ndim == 2 else (0, 2, 3)


def _per_feature(v, x):
    """Broadcast a (C,) vector against x (N, C) or (N, C, H, W)."""
    return v if x.ndim == 2 else v.reshape(1, -1, 1, 1)


def batchnorm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, running_mean: np.ndarray | None,
                      running_var: np.ndarray | None, train: bool = True, momentum: float = 0.1,
                      eps: float = 1e-5) -> tuple[np.ndarray, tuple]:
    """Batch normalization ``y = γ x̂ + β`` with ``x̂ = (x − μ_B)/√(σ²_B + ε)``.

    Args:
        x: (N, D), or (N, C, H, W) with statistics per channel over N, H and W.
        gamma, beta: scale γ and shift β, shape (D,) / (C,).
        running_mean, running_var: (D,) / (C,) running estimates, **updated in place** when ``train``
            (PyTorch's convention; the variance estimate is unbiased). Both may be ``None`` in training
            (no running estimates kept).
        train: use the mini-batch statistics (and update the running ones) or, when False, the running ones.
        momentum: weight of the new batch in the running averages.
        eps: ε added to the variance.

    Returns:
        ``(y, cache)``; ``y`` has ``x``'s shape and dtype (γ and β are used in ``x``'s dtype).
    """
    m = check_batchnorm(x, gamma, beta, running_mean, running_var, train, momentum, eps)
    gamma, beta = gamma.astype(x.dtype, copy=False), beta.astype(x.dtype, copy=False)
    axes = _axes(x)
    if train:
        mu = x.mean(axis=axes)                                    # μ_B
        var = ((x - _per_feature(mu, x)) ** 2).mean(axis=axes)    # σ²_B (biased)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mu
            running_var *= 1 - momentum
            running_var += momentum * var * (m / (m - 1))         # unbiased estimate
    else:
        mu, var = running_mean.astype(x.dtype), running_var.astype(x.dtype)
    inv_std = 1 / np.sqrt(var + x.dtype.type(eps))                # 1/√(σ²_B + ε)
    x_hat = (x - _per_feature(mu, x)) * _per_feature(inv_std, x)
    y = _per_feature(gamma, x) * x_hat + _per_feature(beta, x)
    return y, (x_hat, gamma, inv_std, train)


def batchnorm_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gradients of batch normalization, ``(dx, dgamma, dbeta)``.

    With ``δ_i = ∂J/∂y_i`` and sums over the m values of a feature/channel::

        ∂J/∂β = Σ_i δ_i          ∂J/∂γ = Σ_i δ_i x̂_i
        ∂J/∂x_i = γ / (m √(σ²_B + ε)) · (m δ_i − Σ_j δ_j − x̂_i Σ_j δ_j x̂_j)      (training)
        ∂J/∂x_i = γ δ_i / √(σ²_running + ε)                                       (evaluation)

    The training formula is the chain rule through x̂, σ²_B and μ_B collapsed into one line (the two sums
    are the paths through μ_B and σ²_B, which every x_j in the batch feeds).
    """
    x_hat, gamma, inv_std, train = cache
    check_array(dout, "dout")
    if dout.shape != x_hat.shape:
        raise ValueError(f"dout must have the forward output's shape {x_hat.shape}, got {dout.shape}")
    axes = _axes(dout)
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    if not train:
        return dout * _per_feature(gamma * inv_std, dout), dgamma, dbeta
    m = dout.size // dout.shape[1]
    dx = _per_feature(gamma * inv_std / m, dout) * (
        m * dout - _per_feature(dbeta, dout) - x_hat * _per_feature(dgamma, dout))
    return dx, dgamma, dbeta
