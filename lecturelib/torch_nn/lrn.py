"""Local response normalization as a ``torch.autograd.Function`` mirroring ``numpy_nn.lrn``.

``b^i = a^i / (k + α Σ_{j=max(0,i−n/2)}^{min(N−1,i+n/2)} (a^j)²)^β`` across channels (AlexNet's formula).
``torch.nn.functional.local_response_norm`` divides α by n: for odd n,
``F.local_response_norm(x, size=n, alpha=alpha * n, beta=beta, k=k)`` equals ``lrn(x, n, k, alpha, beta)``.
"""

from __future__ import annotations

import torch
from torch import nn

from .._contracts import check_lrn

__all__ = ["LRN", "LRNFunction", "lrn"]


def _channel_window_sum(a, half):
    """``S^i = Σ_{j=max(0,i−half)}^{min(C−1,i+half)} a^j`` along dim 1 of a (N, C, H, W) tensor."""
    C = a.shape[1]
    padded = a.new_zeros((a.shape[0], C + 2 * half) + tuple(a.shape[2:]))
    padded[:, half:half + C] = a
    S = torch.zeros_like(a)
    for d in range(2 * half + 1):
        S += padded[:, d:d + C]
    return S


class LRNFunction(torch.autograd.Function):
    """Forward ``b = a s^{−β}``, ``s = k + α Σ_window a²``; backward
    ``∂J/∂a^j = δ_j s_j^{−β} − 2αβ a^j Σ_{i ∈ window(j)} δ_i a^i s_i^{−β−1}``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, n: int, k: float, alpha: float, beta: float) -> torch.Tensor:
        half = n // 2
        s = k + alpha * _channel_window_sum(x * x, half)
        s_pow = s ** -beta
        ctx.save_for_backward(x, s, s_pow)
        ctx.half, ctx.alpha, ctx.beta = half, alpha, beta
        return x * s_pow

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dout: torch.Tensor) -> tuple[torch.Tensor | None, None, None, None, None]:
        x, s, s_pow = ctx.saved_tensors
        t = dout * x * s_pow / s                                   # δ_i a^i s_i^{−β−1}
        dx = dout * s_pow - (2 * ctx.alpha * ctx.beta) * x * _channel_window_sum(t, ctx.half)
        return dx, None, None, None, None


def lrn(x: torch.Tensor, n: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75) -> torch.Tensor:
    """Local response normalization of ``x`` (N, C, H, W) across ``n`` adjacent channels (AlexNet's formula)."""
    check_lrn(x, n, k, alpha, beta, tensor=True)
    return LRNFunction.apply(x, int(n), float(k), float(alpha), float(beta))


class LRN(nn.Module):
    """``nn.Module`` around :func:`lrn` (AlexNet's defaults n = 5, k = 2, α = 1e-4, β = 0.75)."""

    def __init__(self, n: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75) -> None:
        super().__init__()
        check_lrn(None, n, k, alpha, beta)
        self.n, self.k, self.alpha, self.beta = n, k, alpha, beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return lrn(x, self.n, self.k, self.alpha, self.beta)

    def extra_repr(self) -> str:
        return f"n={self.n}, k={self.k}, alpha={self.alpha}, beta={self.beta}"
