"""Convolution layer as a ``torch.autograd.Function`` mirroring ``numpy_nn.conv`` (im2col).

Same layout as PyTorch: x (N, C, H, W), w (F, C, HH, WW) with ``w[k', k, m, n] = W_{m,n,k,k'}`` of the
lecture, b (F,). Only torch ops, so the same code runs on a GPU.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .._contracts import check_conv, conv_output_size, non_negative_pair, positive_pair
from .._contracts import positive_int as _positive_int
from .._contracts import IntOrPair

__all__ = ["Conv2d", "Conv2dFunction", "col2im", "conv2d", "im2col"]


def im2col(x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int], pad: tuple[int, int]) -> torch.Tensor:
    """(C·HH·WW, N·H_out·W_out) matrix of receptive fields, as ``numpy_nn.im2col``: a strided view, one copy."""
    (HH, WW), (sh, sw), (ph, pw) = kernel, stride, pad
    N, C, H, W = x.shape
    H_out, W_out = conv_output_size(H, HH, sh, ph), conv_output_size(W, WW, sw, pw)
    xp = F.pad(x, (pw, pw, ph, ph)) if (ph or pw) else x
    sN, sC, sH, sW = xp.stride()
    view = xp.as_strided((C, HH, WW, N, H_out, W_out), (sC, sH, sW, sN, sH * sh, sW * sw),
                         xp.storage_offset())
    return view.reshape(C * HH * WW, N * H_out * W_out)


def col2im(cols: torch.Tensor, x_shape: tuple[int, ...], kernel: tuple[int, int], stride: tuple[int, int],
           pad: tuple[int, int]) -> torch.Tensor:
    """Adjoint of :func:`im2col`: add every column back onto its window (loop over the HH·WW offsets)."""
    (HH, WW), (sh, sw), (ph, pw) = kernel, stride, pad
    N, C, H, W = x_shape
    H_out, W_out = conv_output_size(H, HH, sh, ph), conv_output_size(W, WW, sw, pw)
    cols = cols.reshape(C, HH, WW, N, H_out, W_out)
    dxp = cols.new_zeros((N, C, H + 2 * ph, W + 2 * pw))
    dxp_t = dxp.transpose(0, 1)  # (C, N, Hp, Wp) view, to match the layout of cols
    for m in range(HH):
        for n in range(WW):
            dxp_t[:, :, m:m + sh * H_out:sh, n:n + sw * W_out:sw] += cols[:, m, n]
    if ph or pw:
        dxp = dxp[:, :, ph:ph + H, pw:pw + W].contiguous()
    return dxp


def _col2im_batch_last(cols: torch.Tensor, x_shape: tuple[int, ...], kernel: tuple[int, int],
                       stride: tuple[int, int], pad: tuple[int, int]) -> torch.Tensor:
    """:func:`col2im` for columns ordered (i, j, sample), accumulated in (C, H_p, W_p, N); returns (N, C, H, W)."""
    (HH, WW), (sh, sw), (ph, pw) = kernel, stride, pad
    N, C, H, W = x_shape
    H_out, W_out = conv_output_size(H, HH, sh, ph), conv_output_size(W, WW, sw, pw)
    cols = cols.reshape(C, HH, WW, H_out, W_out, N)
    dxp = cols.new_zeros((C, H + 2 * ph, W + 2 * pw, N))
    for m in range(HH):
        for n in range(WW):
            dxp[:, m:m + sh * H_out:sh, n:n + sw * W_out:sw] += cols[:, m, n]
    return dxp[:, ph:ph + H, pw:pw + W].permute(3, 0, 1, 2).contiguous()


class Conv2dFunction(torch.autograd.Function):
    """``U = W_mat · im2col(x) + b`` forward; backward ``dW = δ colsᵀ``, ``db = Σ δ``, ``dx = col2im(W_matᵀ δ)``.

    Mirrors ``numpy_nn.conv2d_forward``/``conv2d_backward``, including their layouts (Uᵀ = colsᵀ W_matᵀ; for
    ``dx`` the columns ordered (i, j, sample) so col2im adds contiguous rows).

    ``stride`` and ``pad`` are ``(height, width)`` pairs (see :func:`conv2d` for the validating entry point).
    """

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, stride: tuple[int, int],
                pad: tuple[int, int]) -> torch.Tensor:
        N, _, H, W = x.shape
        Fo, _, HH, WW = w.shape
        H_out, W_out = conv_output_size(H, HH, stride[0], pad[0]), conv_output_size(W, WW, stride[1], pad[1])
        cols = im2col(x, (HH, WW), stride, pad)
        u_t = cols.T @ w.reshape(Fo, -1).T                            # (N·H_out·W_out, F)
        out = (u_t.reshape(N, H_out, W_out, Fo).permute(0, 3, 1, 2) + b[:, None, None]).contiguous()
        ctx.save_for_backward(w, cols)
        ctx.conf = (tuple(x.shape), stride, pad)
        return out

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dout: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        w, cols = ctx.saved_tensors
        x_shape, stride, pad = ctx.conf
        Fo = w.shape[0]
        d = dout.permute(1, 0, 2, 3).reshape(Fo, -1)                  # (F, N·H_out·W_out), as cols
        db = d.sum(dim=1)
        dw = (cols @ d.T).T.reshape(w.shape)
        dx = None
        if ctx.needs_input_grad[0]:
            d_last = dout.permute(1, 2, 3, 0).reshape(Fo, -1)         # (F, H_out·W_out·N)
            dcols = w.reshape(Fo, -1).T @ d_last                      # (C·HH·WW, H_out·W_out·N)
            dx = _col2im_batch_last(dcols, x_shape, tuple(w.shape[2:]), stride, pad)
        return dx, dw, db, None, None


def conv2d(x: torch.Tensor, w: torch.Tensor, b: torch.Tensor, stride: IntOrPair = 1, pad: IntOrPair = 0) -> torch.Tensor:
    """Convolution ``u_{i,j,k'} = Σ_{m,n,k} W_{m,n,k,k'} z_{s·i+m, s·j+n, k} + b_{k'}`` (cross-correlation).

    Args:
        x: (N, C, H, W); w: (F, C, HH, WW); b: (F,); stride, pad: ints or ``(height, width)`` pairs.

    Returns:
        (N, F, (H + 2·pad − HH)//stride + 1, (W + 2·pad − WW)//stride + 1), same dtype as ``x``.
    """
    stride, pad, _ = check_conv(x, w, b, stride, pad, tensor=True)
    return Conv2dFunction.apply(x, w, b, stride, pad)


class Conv2d(nn.Module):
    """``nn.Module`` around :func:`conv2d`; ``weight`` (out_channels, in_channels, kh, kw), ``bias`` (out,).

    Initialised like ``torch.nn.Conv2d``: Kaiming-uniform weights (a = √5, i.e. U(−1/√fan_in, 1/√fan_in))
    and biases U(−1/√fan_in, 1/√fan_in), ``fan_in = in_channels·kh·kw``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrPair, stride: IntOrPair = 1, pad: IntOrPair = 0, device: torch.device | str | None = None,
                 dtype: torch.dtype | None = None) -> None:
        super().__init__()
        factory = {"device": device, "dtype": dtype}
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = positive_pair(kernel_size, "kernel_size")
        self.stride, self.pad = positive_pair(stride, "stride"), non_negative_pair(pad, "pad")
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels, *self.kernel_size, **factory))
        self.bias = nn.Parameter(torch.empty(out_channels, **factory))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        bound = 1 / math.sqrt(self.in_channels * self.kernel_size[0] * self.kernel_size[1])
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return conv2d(x, self.weight, self.bias, self.stride, self.pad)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, pad={self.pad}")
