"""Checks for chapter 5, the convolution operation: a single-channel convolution with stride and padding, the
matrix of a convolution, and the receptive field of a stack of convolutions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_nn import conv2d_backward, conv2d_forward
from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_conv2d_single_channel", "check_conv_matrix", "check_receptive_field"]


def _conv_ref(x, k, stride=1, pad=0):
    """Cross-correlation of one 2-D image with one 2-D kernel through ``conv2d_forward`` (N = C = F = 1)."""
    out, _ = conv2d_forward(x[None, None], k[None, None], np.zeros(1, dtype=x.dtype), stride=stride, pad=pad)
    return out[0, 0]


def check_conv2d_single_channel(conv2d_single_channel: Callable[..., Any]) -> None:
    """``conv2d_single_channel(x, k, stride=1, pad=0)`` → ``S`` of shape (H_out, W_out).

    ``x`` (H, W) is one greyscale image, ``k`` (KH, KW) one kernel; the image is surrounded by ``pad`` rows
    and columns of zeros and ``S[i, j] = Σ_{m,n} x_pad[stride·i + m, stride·j + n] · k[m, n]`` — the
    cross-correlation of eq. (9.6) that DL libraries call convolution, with
    ``H_out = (H + 2·pad − KH)//stride + 1``. The reference is ``lecturelib.numpy_nn.conv2d_forward``.
    Cases: square and non-square images and kernels, strides 1–3, paddings 0–2, a kernel as large as the
    padded image (one output), a 1×1 kernel; the inputs must not be modified in place.
    """
    rng = np.random.default_rng(50)
    cases = [((5, 5), (3, 3), 1, 0), ((7, 9), (2, 4), 1, 0), ((8, 8), (3, 3), 2, 1), ((10, 7), (3, 2), 3, 2),
             ((6, 11), (5, 5), 2, 2), ((4, 6), (4, 6), 1, 0), ((6, 5), (1, 1), 2, 0), ((9, 9), (4, 4), 3, 1)]
    for c, ((H, W), (KH, KW), stride, pad) in enumerate(cases):
        x = rng.normal(size=(H, W))
        k = rng.normal(size=(KH, KW))
        what = f"case {c} (x {x.shape}, k {k.shape}, stride {stride}, pad {pad})"
        out = call_student_on_copies(conv2d_single_channel, x, k, stride=stride, pad=pad,
                                     what="conv2d_single_channel", context=what)
        expected = _conv_ref(x, k, stride, pad)
        out = np.asarray(out)
        if out.shape == expected.shape and (KH > 1 or KW > 1) and \
                np.allclose(out, _conv_ref(x, k[::-1, ::-1].copy(), stride, pad), atol=1e-10) and \
                not np.allclose(out, expected, atol=1e-10):
            raise AssertionError(f"{what}: your output is the true convolution (flipped kernel); the layer "
                                 "computes the cross-correlation S[i, j] = Σ x[s·i+m, s·j+n] k[m, n] without flipping")
        assert_close(out, expected, f"{what}: S = cross-correlation of x (zero-padded) with k, shape "
                     f"((H + 2·pad − KH)//stride + 1, (W + 2·pad − KW)//stride + 1)", rtol=1e-9, atol=1e-12)
    passed(f"conv2d_single_channel equals conv2d_forward for {len(cases)} shapes, strides and paddings")


def _conv_matrix_ref(k, H, W):
    """The matrix of the valid cross-correlation, column by column: column q is the response to the impulse e_q."""
    impulses = np.eye(H * W).reshape(H * W, 1, H, W)
    out, _ = conv2d_forward(impulses, k[None, None].astype(np.float64), np.zeros(1))   # (H·W, 1, H_out, W_out)
    return out.reshape(H * W, -1).T


def check_conv_matrix(conv_matrix: Callable[..., Any]) -> None:
    """``conv_matrix(k, H, W)`` → ``M`` of shape (H_out·W_out, H·W) with ``M @ x.ravel() = S.ravel()``.

    ``S`` is the valid cross-correlation (stride 1, no padding) of an H×W image ``x`` with the kernel ``k``
    (KH, KW); rows and columns follow NumPy's row-major ``ravel`` of ``S`` and ``x``. The reference builds
    ``M`` one column at a time as the response of ``conv2d_forward`` to a unit impulse. Cases include
    non-square kernels and images and a kernel with zero entries (whose places must stay zero).
    """
    rng = np.random.default_rng(51)
    cases = [((3, 3), 4, 4), ((2, 2), 3, 4), ((3, 2), 5, 6), ((1, 3), 4, 5), ((4, 4), 4, 4), ((2, 3), 6, 3)]
    for c, ((KH, KW), H, W) in enumerate(cases):
        k = rng.integers(-4, 5, size=(KH, KW)).astype(np.float64)
        k[k == 0] = 1.0
        if c == 5:
            k[0, 1] = 0.0           # a zero weight: its entries in M are zero as well
        what = f"case {c} (k {k.shape}, image {H}×{W})"
        M = call_student_on_copies(conv_matrix, k, H, W, what="conv_matrix", context=what)
        expected = _conv_matrix_ref(k, H, W)
        M = np.asarray(M)
        if M.shape == expected.shape[::-1] and expected.shape[0] != expected.shape[1]:
            raise AssertionError(f"{what}: expected shape {expected.shape} = (H_out·W_out, H·W), got {M.shape} "
                                 "— the transpose: rows are output pixels, columns input pixels")
        assert_close(M, expected, f"{what}: M[(i·W_out + j), (p·W + q)] = k[p − i, q − j] (0 outside the kernel)",
                     rtol=0, atol=1e-12)
        x = rng.normal(size=(H, W))
        assert_close(M @ x.ravel(), _conv_ref(x, k).ravel(), f"{what}: M @ x.ravel() against conv2d_forward",
                     rtol=1e-9, atol=1e-12)
    passed(f"conv_matrix: M @ x.ravel() equals the convolution for {len(cases)} kernels and image sizes")


def _measured_receptive_field(kernels, strides):
    """Side of the input region that one central output unit of a stack of k×k convolutions depends on.

    Measured, not computed from a formula: a one-hot gradient at the central unit of the last layer is
    back-propagated with ``conv2d_backward`` through layers with positive weights (no cancellation), and the
    extent of the nonzero rows of ∂u/∂x is returned.
    """
    # an input large enough for the last layer to have a few units: grow it until it does
    H = 8
    while True:
        z, caches, ok = np.ones((1, 1, H, H)), [], True
        for k, s in zip(kernels, strides):
            if z.shape[2] < k:
                ok = False
                break
            z, cache = conv2d_forward(z, np.ones((1, 1, k, k)), np.zeros(1), stride=s)
            caches.append(cache)
        if ok and z.shape[2] >= 3:
            break
        H *= 2
    g = np.zeros_like(z)
    c = z.shape[2] // 2
    g[0, 0, c, c] = 1.0
    for cache in reversed(caches):
        g, _, _ = conv2d_backward(g, cache)
    rows = np.flatnonzero(np.abs(g[0, 0]).sum(axis=1) > 0)
    cols = np.flatnonzero(np.abs(g[0, 0]).sum(axis=0) > 0)
    return int(rows[-1] - rows[0] + 1), int(cols[-1] - cols[0] + 1)


def check_receptive_field(receptive_field: Callable[..., Any]) -> None:
    """``receptive_field(kernels, strides)`` → the side ``r`` (an int) of a unit's receptive field.

    ``kernels`` and ``strides`` are equal-length lists: layer l is a k_l×k_l convolution with stride s_l.
    The answer must equal the receptive field *measured* by back-propagating a one-hot gradient through
    ``conv2d_backward`` (see the chapter). Cases: one layer, stacks of 3×3 convolutions with stride 1,
    strided stacks, mixed kernel sizes and a 1×1 layer; the lists must not be modified.
    """
    cases = [([3], [1]), ([3, 3], [1, 1]), ([3] * 5, [1] * 5), ([5, 5, 5], [1, 1, 1]), ([3, 3, 3], [2, 2, 2]),
             ([2, 2, 2, 2], [2, 2, 2, 2]), ([11, 5, 3], [4, 1, 1]), ([3, 1, 3], [2, 1, 1]), ([7], [3])]
    for c, (kernels, strides) in enumerate(cases):
        what = f"case {c} (kernels {kernels}, strides {strides})"
        r = call_student_on_copies(receptive_field, list(kernels), list(strides), what="receptive_field",
                                   context=what)
        expected, _ = _measured_receptive_field(kernels, strides)
        if isinstance(r, bool) or not isinstance(r, (int, np.integer)):
            raise AssertionError(f"{what}: expected an int, got {type(r).__name__} {r!r}")
        if int(r) != expected:
            raise AssertionError(f"{what}: the measured receptive field is {expected}×{expected}, you returned {r}")
    passed(f"receptive_field agrees with the field measured by back-propagation for {len(cases)} stacks")
