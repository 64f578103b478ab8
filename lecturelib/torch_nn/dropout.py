"""Inverted dropout as a ``torch.autograd.Function`` mirroring ``numpy_nn.dropout``.

Training: ``z_out = m ⊙ x / (1 − p)`` with ``m_i ~ Bernoulli(1 − p)`` drawn from torch's generator (so
``torch.manual_seed``/``lecturelib.set_seed`` governs it); test: ``z_out = x``.
"""

from __future__ import annotations

import torch
from torch import nn

from .._contracts import check_dropout_p
from .._validate import check_array

__all__ = ["Dropout", "DropoutFunction", "dropout"]


class DropoutFunction(torch.autograd.Function):
    """Forward ``x ⊙ m/(1 − p)`` with a fresh mask; backward ``dx = dout ⊙ m/(1 − p)``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, p: float) -> torch.Tensor:
        keep = torch.rand(x.shape, dtype=x.dtype, device=x.device) >= p  # P(keep) = 1 − p
        mask = keep.to(x.dtype) / (1 - p)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dout: torch.Tensor) -> tuple[torch.Tensor | None, None]:
        (mask,) = ctx.saved_tensors
        return dout * mask, None


def dropout(x: torch.Tensor, p: float, train: bool = True) -> torch.Tensor:
    """Inverted dropout of ``x`` (any shape) with drop probability ``p`` ∈ [0, 1); ``x`` itself when not ``train``."""
    check_array(x, "x", tensor=True)
    p = check_dropout_p(p)
    if not train:
        return x
    return DropoutFunction.apply(x, p)


class Dropout(nn.Module):
    """``nn.Module`` around :func:`dropout`; active in ``train()`` mode, the identity in ``eval()`` mode."""

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        self.p = check_dropout_p(p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"
