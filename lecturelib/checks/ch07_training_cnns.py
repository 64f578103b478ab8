"""Checks for chapter 7, training CNNs: the convolution's weight gradient from the index formula, the input
gradient of a strided convolution from the dilated error map, col2im for one image, and the backward pass of
max pooling (no longer an exercise of chapter 7, which refers to chapter 6 for it; kept for the re-export)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_nn import col2im, conv2d_backward, conv2d_forward
from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_col2im_single", "check_conv2d_dx_dilated", "check_conv2d_weight_grad"]


def check_conv2d_weight_grad(conv2d_weight_grad: Callable[..., Any]) -> None:
    """``conv2d_weight_grad(dout, x_padded, kernel_shape, stride)`` → ``∂J/∂W`` of shape (F, C, HH, WW).

    ``dout`` is ``δ`` (N, F, H_out, W_out), ``x_padded`` the (already zero-padded) input ``z`` (N, C, Hp, Wp),
    ``kernel_shape = (HH, WW)`` and ``stride`` an int ``s``. The entry ``[k', k, m, n]`` is the lecture's
    ``∂J/∂W_{m,n,k,k'} = Σ_{sample} Σ_{i,j} δ_{i,j,k'} z_{s·i+m, s·j+n, k}``. The reference is
    ``numpy_nn.conv2d_backward`` (pad 0 on the padded input). Cases: several channels and filters,
    non-square kernels, stride 2 and 3 (with input rows no window reaches), one sample.
    """
    rng = np.random.default_rng(70)
    # N, C, Hp, Wp, F, HH, WW, s
    cases = [(2, 3, 6, 6, 4, 3, 3, 1), (3, 2, 7, 8, 3, 2, 3, 1), (2, 3, 9, 9, 2, 3, 3, 2),
             (1, 1, 5, 5, 1, 2, 2, 1), (2, 2, 10, 8, 3, 3, 2, 3)]
    for c, (N, C, Hp, Wp, F, HH, WW, s) in enumerate(cases):
        x = rng.normal(size=(N, C, Hp, Wp))
        w = rng.normal(size=(F, C, HH, WW))
        out, cache = conv2d_forward(x, w, np.zeros(F), s, 0)
        dout = rng.normal(size=out.shape)
        _, dw_ref, _ = conv2d_backward(dout, cache)
        what = f"case {c} (δ {dout.shape}, x_padded {x.shape}, kernel {(HH, WW)}, stride {s})"
        dw = call_student_on_copies(conv2d_weight_grad, dout, x, (HH, WW), s, what="conv2d_weight_grad",
                                    context=what)
        assert_close(dw, dw_ref, f"{what}: ∂J/∂W[k', k, m, n] = Σ δ[:, k', i, j] z[:, k, s·i+m, s·j+n]",
                     rtol=1e-9, atol=1e-12)
    passed(f"conv2d_weight_grad: ∂J/∂W = Σ_(i,j) δ_(i,j,k') z_(s·i+m, s·j+n, k) for {len(cases)} layers")


def check_col2im_single(col2im_single: Callable[..., Any]) -> None:
    """``col2im_single(cols, x_shape, kernel, stride)`` → an array of shape ``x_shape = (C, H, W)``.

    ``cols`` is (C·HH·WW, H_out·W_out) laid out as ``numpy_nn.im2col`` lays out one image (no padding):
    row ``(k·HH + m)·WW + n``, column ``i·W_out + j`` holds the value for pixel ``(k, s·i+m, s·j+n)``.
    ``col2im`` adds every column back onto the window it came from; overlapping windows add up. The
    reference is ``numpy_nn.col2im`` for a batch of one. Cases: 2×2 kernel stride 1 (overlap), 3×3 stride 2,
    non-square kernel, several channels, stride 3 with leftover pixels.
    """
    rng = np.random.default_rng(72)
    # C, H, W, HH, WW, s
    cases = [(1, 4, 4, 2, 2, 1), (2, 7, 7, 3, 3, 2), (3, 5, 6, 2, 3, 1), (2, 8, 8, 3, 3, 3), (1, 3, 3, 3, 3, 1)]
    for c, (C, H, W, HH, WW, s) in enumerate(cases):
        H_out, W_out = (H - HH) // s + 1, (W - WW) // s + 1
        cols = rng.normal(size=(C * HH * WW, H_out * W_out))
        ref = col2im(cols, (1, C, H, W), (HH, WW), s, 0)[0]
        what = f"case {c} (cols {cols.shape}, x_shape {(C, H, W)}, kernel {(HH, WW)}, stride {s})"
        out = call_student_on_copies(col2im_single, cols, (C, H, W), (HH, WW), s, what="col2im_single",
                                     context=what)
        assert_close(out, ref, f"{what}: col2im", rtol=1e-12, atol=1e-12)
    passed(f"col2im_single: columns added back onto their windows for {len(cases)} layouts")


def check_conv2d_dx_dilated(conv2d_dx_dilated: Callable[..., Any]) -> None:
    """``conv2d_dx_dilated(dout, w, x_shape, stride, pad)`` → ``∂J/∂x`` of shape ``x_shape`` (N, C, H, W).

    ``dout`` is the error ``δ`` (N, F, H_out, W_out) of a convolution with filters ``w`` (F, C, HH, WW), stride
    ``s`` and zero padding ``pad`` (ints). The answer is the stride-1 rule applied to ``δ`` dilated by ``s``
    (``s − 1`` zeros between neighbouring entries, and zeros in the last rows/columns that no window of the
    strided layer reached), i.e. a full convolution with the flipped filters, cropped by ``pad``. The
    reference is ``numpy_nn.conv2d_backward``. Cases: stride 1, 2 and 3, padding 0–2, leftover rows and
    columns ((H + 2·pad − HH) not a multiple of s), non-square kernels and inputs, several channels, one sample.
    """
    rng = np.random.default_rng(73)
    # N, C, H, W, F, HH, WW, s, pad
    cases = [(2, 3, 8, 8, 4, 3, 3, 2, 1), (1, 2, 7, 9, 3, 3, 2, 2, 0), (2, 1, 10, 10, 2, 3, 3, 3, 1),
             (2, 2, 6, 6, 3, 3, 3, 1, 1), (1, 2, 9, 8, 3, 4, 3, 3, 2), (3, 2, 11, 7, 2, 5, 3, 2, 0)]
    for c, (N, C, H, W, F, HH, WW, s, pad) in enumerate(cases):
        x = rng.normal(size=(N, C, H, W))
        w = rng.normal(size=(F, C, HH, WW))
        out, cache = conv2d_forward(x, w, np.zeros(F), s, pad)
        dout = rng.normal(size=out.shape)
        dx_ref = conv2d_backward(dout, cache)[0]
        leftover = (H + 2 * pad - HH) % s or (W + 2 * pad - WW) % s
        what = (f"case {c} (δ {dout.shape}, w {w.shape}, x_shape {x.shape}, stride {s}, pad {pad}"
                + (", with input rows/columns no window reaches" if leftover else "") + ")")
        dx = call_student_on_copies(conv2d_dx_dilated, dout, w, x.shape, s, pad, what="conv2d_dx_dilated",
                                    context=what)
        assert_close(dx, dx_ref, f"{what}: ∂J/∂x", rtol=1e-9, atol=1e-12)
    passed(f"conv2d_dx_dilated: ∂J/∂x of a strided convolution from the dilated δ for {len(cases)} layers")
