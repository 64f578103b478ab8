"""Max and average pooling as ``torch.autograd.Function``s mirroring ``numpy_nn.pool``, plus ``Flatten``.

Windows of ``size_h × size_w`` pixels every ``(s_h, s_w)`` (overlap allowed, no padding, leftover rows and
columns dropped as in PyTorch); max pooling sends the gradient to the first maximum of each window in
row-major order, as PyTorch does. Only torch ops, so the same code runs on a GPU.
"""

from __future__ import annotations

import torch
from torch import nn

from .._contracts import check_pool, positive_pair
from .._validate import check_array
from .._contracts import IntOrPair

__all__ = [
    "AvgPool2d",
    "AvgPool2dFunction",
    "Flatten",
    "MaxPool2d",
    "MaxPool2dFunction",
    "avg_pool2d",
    "max_pool2d",
]


def _windows(x, size, stride, out_hw):
    """View (N, C, H_out, W_out, size_h, size_w): ``[.., i, j, m, n] = x[.., s_h·i+m, s_w·j+n]``."""
    sN, sC, sH, sW = x.stride()
    return x.as_strided(tuple(x.shape[:2]) + out_hw + size, (sN, sC, sH * stride[0], sW * stride[1], sH, sW),
                        x.storage_offset())


def _scatter(dx, parts, size, stride, out_hw):
    """Add ``parts(m, n)`` (N, C, H_out, W_out) onto the pixels at offset (m, n) of every window of ``dx``."""
    (kh, kw), (sh, sw), (H_out, W_out) = size, stride, out_hw
    for m in range(kh):
        for n in range(kw):
            dx[:, :, m:m + sh * H_out:sh, n:n + sw * W_out:sw] += parts(m, n)
    return dx


class MaxPool2dFunction(torch.autograd.Function):
    """``ẑ_{i,j,k} = max_{Ω_{ij}} z``; backward routes ``δ_{i,j,k}`` to the (first) maximum of ``Ω_{ij}``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, size: tuple[int, int], stride: tuple[int, int],
                out_hw: tuple[int, int]) -> torch.Tensor:
        win = _windows(x, size, stride, out_hw).reshape(tuple(x.shape[:2]) + out_hw + (size[0] * size[1],))
        arg = win.argmax(dim=-1)                    # first maximum in row-major order
        out = torch.gather(win, -1, arg[..., None])[..., 0]
        ctx.save_for_backward(arg)
        ctx.conf = (tuple(x.shape), size, stride, out_hw)
        return out

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dout: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        (arg,) = ctx.saved_tensors
        x_shape, size, stride, out_hw = ctx.conf
        dx = dout.new_zeros(x_shape)
        kw = size[1]
        zero = dout.new_zeros(())
        dx = _scatter(dx, lambda m, n: torch.where(arg == m * kw + n, dout, zero), size, stride, out_hw)
        return dx, None, None, None


class AvgPool2dFunction(torch.autograd.Function):
    """``ẑ_{i,j,k} = (1/|Ω|) Σ_{Ω_{ij}} z``; backward shares ``δ_{i,j,k}/|Ω|`` among the pixels of ``Ω_{ij}``."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, size: tuple[int, int], stride: tuple[int, int],
                out_hw: tuple[int, int]) -> torch.Tensor:
        out = _windows(x, size, stride, out_hw).mean(dim=(-2, -1))
        ctx.conf = (tuple(x.shape), size, stride, out_hw)
        return out

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dout: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        x_shape, size, stride, out_hw = ctx.conf
        share = dout / (size[0] * size[1])
        dx = _scatter(dout.new_zeros(x_shape), lambda m, n: share, size, stride, out_hw)
        return dx, None, None, None


def max_pool2d(x: torch.Tensor, size: IntOrPair = 2, stride: IntOrPair = 2) -> torch.Tensor:
    """Max pooling of x (N, C, H, W) over ``size`` windows every ``stride`` (ints or pairs) → (N, C, H_out, W_out).

    ``H_out = (H − size_h)//stride_h + 1``; the window must fit the input (no padding).
    """
    size, stride, out_hw = check_pool(x, size, stride, tensor=True)
    return MaxPool2dFunction.apply(x, size, stride, out_hw)


def avg_pool2d(x: torch.Tensor, size: IntOrPair = 2, stride: IntOrPair = 2) -> torch.Tensor:
    """Average pooling of x (N, C, H, W); arguments and shapes as :func:`max_pool2d`."""
    size, stride, out_hw = check_pool(x, size, stride, tensor=True)
    return AvgPool2dFunction.apply(x, size, stride, out_hw)


class _Pool2d(nn.Module):
    def __init__(self, size: IntOrPair = 2, stride: IntOrPair = 2) -> None:
        super().__init__()
        self.size, self.stride = positive_pair(size, "size"), positive_pair(stride, "stride")

    def extra_repr(self) -> str:
        return f"size={self.size}, stride={self.stride}"


class MaxPool2d(_Pool2d):
    """``nn.Module`` around :func:`max_pool2d`. Defaults follow the function (size 2, stride 2); note that
    ``torch.nn.MaxPool2d(k)`` defaults the stride to ``k`` instead, so pass both (``MaxPool2d(3, 2)``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return max_pool2d(x, self.size, self.stride)


class AvgPool2d(_Pool2d):
    """``nn.Module`` around :func:`avg_pool2d` (size 2, stride 2 by default)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return avg_pool2d(x, self.size, self.stride)


class Flatten(nn.Module):
    """(N, C, H, W) → (N, C·H·W): the bridge from the last pooling layer to the fully connected layers."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        check_array(x, "x", ndim=(2, 3, 4, 5), floating=False, tensor=True)
        return x.reshape(x.shape[0], -1)
