"""Fully connected layer as a ``torch.autograd.Function`` mirroring ``numpy_nn.linear``.

Weights keep the lectures' orientation ``W ∈ R^{D_in × D_out}`` (``u = W^T z + b``); ``torch.nn.Linear``
stores the transpose (out × in), so copying weights between the two means ``W = linear.weight.T``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .._contracts import check_linear
from .._contracts import positive_int as _positive_int

__all__ = ["LinearFunction", "linear", "Linear"]


class LinearFunction(torch.autograd.Function):
    """``u = z W + b`` forward; backward ``dz = δ W^T``, ``dW = z^T δ``, ``db = Σ_n δ_n``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, z: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        u = z @ W + b
        ctx.save_for_backward(z, W)
        return u

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, du: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor | None, torch.Tensor | None]:
        z, W = ctx.saved_tensors
        dz = du @ W.T
        dW = z.T @ du
        db = du.sum(dim=0)
        return dz, dW, db


def linear(z: torch.Tensor, W: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``u = W^T z + b`` per row of ``z`` (N, D_in) with ``W`` (D_in, D_out), ``b`` (D_out,) → (N, D_out)."""
    check_linear(z, W, b, tensor=True)
    return LinearFunction.apply(z, W, b)


class Linear(nn.Module):
    """``nn.Module`` around :func:`linear`; ``weight`` is (in_features, out_features), the lectures' ``W``.

    Initialised like ``torch.nn.Linear``: U(−1/√in, 1/√in) for weights and biases.
    """

    def __init__(self, in_features: int, out_features: int, device: torch.device | str | None = None, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        self.weight = nn.Parameter(torch.empty(in_features, out_features, **factory))
        self.bias = nn.Parameter(torch.empty(out_features, **factory))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        bound = 1 / math.sqrt(self.in_features)
        nn.init.uniform_(self.weight, -bound, bound)
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return linear(z, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"
