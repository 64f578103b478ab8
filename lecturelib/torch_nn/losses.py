"""Softmax cross-entropy as a ``torch.autograd.Function`` mirroring ``numpy_nn.softmax_cross_entropy``."""

from __future__ import annotations

import torch
from torch import nn

from .._contracts import check_labels_for

__all__ = ["SoftmaxCrossEntropyFunction", "softmax_cross_entropy", "SoftmaxCrossEntropy"]


class SoftmaxCrossEntropyFunction(torch.autograd.Function):
    """``J = −(1/N) Σ_n log softmax(u_n)_{t_n}``; backward ``∂J/∂u = (softmax(u) − onehot(t))/N``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, u: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        n = u.shape[0]
        shifted = u - u.max(dim=1, keepdim=True).values
        log_norm = shifted.exp().sum(dim=1).log()
        rows = torch.arange(n, device=u.device)
        J = (log_norm - shifted[rows, labels]).mean()
        ctx.save_for_backward(u, labels)
        return J

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dJ: torch.Tensor) -> tuple[torch.Tensor, None]:
        u, labels = ctx.saved_tensors
        n = u.shape[0]
        du = torch.softmax(u, dim=1)
        du[torch.arange(n, device=u.device), labels] -= 1
        du = du / n
        return du * dJ, None


def softmax_cross_entropy(u: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean softmax cross-entropy of scores ``u`` (N, K) against integer ``labels`` (N,); a scalar tensor."""
    check_labels_for(u, labels, tensor=True)
    return SoftmaxCrossEntropyFunction.apply(u, labels.to(device=u.device, dtype=torch.long))


class SoftmaxCrossEntropy(nn.Module):
    """Module form of :func:`softmax_cross_entropy`."""

    def forward(self, u: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        return softmax_cross_entropy(u, labels)
