"""Batch normalization as a ``torch.autograd.Function`` mirroring ``numpy_nn.batchnorm``.

``y = γ x̂ + β`` with ``x̂ = (x − μ_B)/√(σ²_B + ε)``; statistics per column of a (N, D) batch or per channel of
a (N, C, H, W) batch (over N, H, W). Running estimates follow PyTorch's convention (unbiased variance).
"""

from __future__ import annotations

import torch
from torch import nn

from .._contracts import check_batchnorm

__all__ = ["BatchNorm", "BatchNormFunction", "batch_norm"]


def _axes(x):
    return (0,) if x.ndim == 2 else (0, 2, 3)


def _per_feature(v, x):
    return v if x.ndim == 2 else v.reshape(1, -1, 1, 1)


class BatchNormFunction(torch.autograd.Function):
    """Forward as in the lecture's algorithm; backward
    ``dx = γ/(m√(σ²_B+ε)) (m δ − Σδ − x̂ Σ δx̂)``, ``dγ = Σ δ x̂``, ``dβ = Σ δ``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, running_mean: torch.Tensor | None, running_var: torch.Tensor | None, train: bool,
                momentum: float, eps: float) -> torch.Tensor:
        axes = _axes(x)
        if train:
            mu = x.mean(dim=axes)                                     # μ_B
            var = ((x - _per_feature(mu, x)) ** 2).mean(dim=axes)     # σ²_B (biased)
            if running_mean is not None:
                m = x.numel() // x.shape[1]
                running_mean.mul_(1 - momentum).add_(momentum * mu)
                running_var.mul_(1 - momentum).add_(momentum * var * (m / (m - 1)))  # unbiased estimate
        else:
            mu, var = running_mean.to(x.dtype), running_var.to(x.dtype)
        inv_std = 1 / torch.sqrt(var + eps)                           # 1/√(σ²_B + ε)
        x_hat = (x - _per_feature(mu, x)) * _per_feature(inv_std, x)
        y = _per_feature(gamma, x) * x_hat + _per_feature(beta, x)
        ctx.save_for_backward(x_hat, gamma, inv_std)
        ctx.train = train
        return y

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dout: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        x_hat, gamma, inv_std = ctx.saved_tensors
        axes = _axes(dout)
        dbeta = dout.sum(dim=axes)
        dgamma = (dout * x_hat).sum(dim=axes)
        if not ctx.train:
            dx = dout * _per_feature(gamma * inv_std, dout)
        else:
            m = dout.numel() // dout.shape[1]
            dx = _per_feature(gamma * inv_std / m, dout) * (
                m * dout - _per_feature(dbeta, dout) - x_hat * _per_feature(dgamma, dout))
        return dx, dgamma, dbeta, None, None, None, None, None


def batch_norm(x: torch.Tensor, gamma: torch.Tensor, beta: torch.Tensor, running_mean: torch.Tensor | None,
               running_var: torch.Tensor | None, train: bool = True, momentum: float = 0.1,
               eps: float = 1e-5) -> torch.Tensor:
    """Batch normalization of ``x`` (N, D) or (N, C, H, W); ``gamma, beta`` (D,)/(C,).

    In training the batch statistics are used and ``running_mean``/``running_var`` ((D,)/(C,) tensors, or
    both ``None``) are updated in place; otherwise the running statistics are used.
    """
    check_batchnorm(x, gamma, beta, running_mean, running_var, train, momentum, eps, tensor=True)
    return BatchNormFunction.apply(x, gamma, beta, running_mean, running_var, bool(train), float(momentum),
                                   float(eps))


class BatchNorm(nn.Module):
    """``nn.Module`` around :func:`batch_norm` for (N, D) or (N, C, H, W) input with D = C = ``num_features``.

    ``weight`` (γ, initialised to 1) and ``bias`` (β, initialised to 0) are parameters; ``running_mean``
    (0) and ``running_var`` (1) are buffers, as in ``torch.nn.BatchNorm1d/2d``, so state dicts carry over.
    Uses batch statistics in ``train()`` mode and the running ones in ``eval()`` mode.
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features, **factory))
        self.bias = nn.Parameter(torch.zeros(num_features, **factory))
        self.register_buffer("running_mean", torch.zeros(num_features, **factory))
        self.register_buffer("running_var", torch.ones(num_features, **factory))

    def reset_running_stats(self) -> None:
        self.running_mean.zero_()
        self.running_var.fill_(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var, self.training,
                          self.momentum, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"
