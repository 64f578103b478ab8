"""Checks for chapter 6, pooling: max pooling of one 2-D map forward and backward, and spatial pyramid
pooling of one map. The references are ``numpy_nn.maxpool2d_forward/backward`` and ``numpy_nn.spp.spp_forward``
applied to the map as a (1, 1, H, W) batch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_nn.pool import maxpool2d_backward, maxpool2d_forward
from ..numpy_nn.spp import spp_forward
from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_maxpool_backward_single", "check_maxpool_forward_single", "check_spp_single"]

# (H, W, size, stride, ties): non-overlapping, overlapping (AlexNet's 3/2), stride 1, rectangular windows and
# strides, stride > size (pixels in no window), leftover rows, a window as large as the map, ties.
_POOL_CASES = [
    (4, 4, 2, 2, False),
    (7, 9, 3, 2, False),
    (5, 5, 3, 1, False),
    (6, 7, (2, 3), (2, 1), False),
    (7, 7, 2, 3, False),
    (5, 6, (5, 6), 1, False),
    (6, 6, 3, 2, True),
    (5, 8, 2, 1, True),
    (8, 5, (3, 2), (1, 2), True),
]


def _map(rng, H, W, ties):
    if ties:  # few distinct values: many windows hold their maximum twice or more
        return rng.integers(0, 3, size=(H, W)).astype(np.float64)
    return rng.standard_normal((H, W))


def _what(k, H, W, size, stride, ties):
    return f"case {k} (x {H}×{W}, size={size}, stride={stride}{', with ties' if ties else ''})"


def check_maxpool_forward_single(maxpool_forward_single: Callable[..., Any]) -> None:
    """``maxpool_forward_single(x, size, stride)`` → the max-pooled map (H_out, W_out) of one 2-D map ``x``.

    ``size`` and ``stride`` are ints or (height, width) pairs; windows may overlap; rows or columns left over
    at the end belong to no window (``H_out = (H − size_h)//stride_h + 1``).
    """
    rng = np.random.default_rng(60)
    for k, (H, W, size, stride, ties) in enumerate(_POOL_CASES):
        x = _map(rng, H, W, ties)
        what = _what(k, H, W, size, stride, ties)
        out = call_student_on_copies(maxpool_forward_single, x, size, stride, what="maxpool_forward_single",
                                     context=what)
        expected = maxpool2d_forward(x[None, None], size, stride)[0][0, 0]
        assert_close(out, expected, f"{what}: max-pooled map", rtol=0, atol=0)
    passed(f"maxpool_forward_single matches maxpool2d_forward on {len(_POOL_CASES)} maps "
           "(overlapping windows, rectangular sizes and strides, leftovers, ties)")


def check_maxpool_backward_single(maxpool_backward_single: Callable[..., Any]) -> None:
    """``maxpool_backward_single(dout, x, size, stride)`` → ``dx`` (H, W): each ``dout[i, j]`` goes to the
    maximum of window (i, j) — the first in row-major order when several pixels tie — and overlapping windows
    add their contributions; pixels that are the maximum of no window get 0."""
    rng = np.random.default_rng(61)
    for k, (H, W, size, stride, ties) in enumerate(_POOL_CASES):
        x = _map(rng, H, W, ties)
        out, cache = maxpool2d_forward(x[None, None], size, stride)
        dout = rng.standard_normal(out.shape[2:])
        what = _what(k, H, W, size, stride, ties)
        dx = call_student_on_copies(maxpool_backward_single, dout, x, size, stride, what="maxpool_backward_single",
                                    context=what)
        expected = maxpool2d_backward(dout[None, None], cache)[0, 0]
        hint = " (ties: only the first maximum in row-major order gets the gradient)" if ties else ""
        assert_close(dx, expected, f"{what}: dx{hint}", rtol=1e-12, atol=1e-12)
    passed(f"maxpool_backward_single routes every δ to its window's maximum on {len(_POOL_CASES)} maps "
           "(overlaps add, ties go to the first maximum)")


def check_spp_single(spp_single: Callable[..., Any]) -> None:
    """``spp_single(x, levels)`` → 1-D array of ``Σ n²`` values: for each level n in order, the max of every bin
    (i, j) in row-major order, bin (i, j) covering rows ⌊i·H/n⌋ … ⌈(i+1)·H/n⌉ − 1 and the same for columns."""
    rng = np.random.default_rng(62)
    cases = [(8, 8, (1, 2, 4)), (13, 13, (1, 2, 4)), (10, 7, (1, 2, 4)), (9, 11, (1, 3, 6)), (4, 5, (4, 2, 1)),
             (6, 6, (3,))]
    for k, (H, W, levels) in enumerate(cases):
        x = rng.standard_normal((H, W))
        what = f"case {k} (x {H}×{W}, levels={levels})"
        out = call_student_on_copies(spp_single, x, levels, what="spp_single", context=what)
        expected = spp_forward(x[None, None], levels)[0][0]
        assert_close(out, expected,
                     f"{what}: pyramid of {sum(n * n for n in levels)} bin maxima", rtol=0, atol=0)
    passed(f"spp_single gives Σ n² bin maxima, level by level, for {len(cases)} map sizes "
           "(divisible or not by the levels)")
