"""Pooling layers (lecture 000, "プーリング層の順向き伝播, 逆向き伝播").

For every channel k and output position (i, j), a window ``Ω_{ij}`` of ``size_h × size_w`` input pixels
starting at ``(s_h·i, s_w·j)`` is reduced to one number:

    average pooling   ẑ_{i,j,k} = (1/|Ω_{ij}|) Σ_{(m,n)∈Ω_{ij}} z_{m,n,k}     (|Ω| = S² for an S×S window)
    max pooling       ẑ_{i,j,k} = max{ z_{m,n,k} : (m,n) ∈ Ω_{ij} }

Backward: average pooling shares each ``δ_{i,j,k}`` equally among the pixels of ``Ω_{ij}``; max pooling hands
all of it to the pixel where the maximum was observed, the others get 0. When several pixels of a window tie
for the maximum, exactly one of them — the first in row-major order, as PyTorch does — gets the gradient.
Windows may overlap (stride < size); a pixel in several windows sums their contributions.

Arrays are NCHW: ``x`` (N, C, H, W) → out (N, C, H_out, W_out) with ``H_out = (H − size_h)//s_h + 1``. There
is no padding: a window larger than the input is an error; rows or columns left over at the end (when
``(H − size_h)`` is not a multiple of the stride) belong to no window, as in PyTorch's default
(``ceil_mode=False``), and get zero gradient.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .._contracts import check_pool, positive_pair
from .._validate import check_array
from .._contracts import IntOrPair
from .layer import Layer

__all__ = [
    "AvgPool2d", "Flatten", "MaxPool2d",
    "avgpool2d_backward", "avgpool2d_forward", "maxpool2d_backward", "maxpool2d_forward",
]


def _windows(x, size, stride, out_hw):
    """Read-only view (N, C, H_out, W_out, size_h, size_w): ``[.., i, j, m, n] = x[.., s_h·i+m, s_w·j+n]``."""
    sN, sC, sH, sW = x.strides
    return as_strided(x, shape=x.shape[:2] + out_hw + size,
                      strides=(sN, sC, sH * stride[0], sW * stride[1], sH, sW), writeable=False)


def _check_dout(dout, x_shape, out_hw, dtype):
    check_array(dout, "dout", ndim=4)
    expected = tuple(x_shape[:2]) + tuple(out_hw)
    if dout.shape != expected:
        raise ValueError(f"dout must have the output's shape {expected} (N, C, H_out, W_out), got {dout.shape}")
    return dout.astype(dtype, copy=False)


def _scatter(dx, parts, size, stride, out_hw):
    """Add ``parts(m, n)`` (N, C, H_out, W_out) onto the pixels at offset (m, n) of every window of ``dx``."""
    (kh, kw), (sh, sw), (H_out, W_out) = size, stride, out_hw
    for m in range(kh):
        for n in range(kw):
            dx[:, :, m:m + sh * H_out:sh, n:n + sw * W_out:sw] += parts(m, n)
    return dx


def maxpool2d_forward(x: np.ndarray, size: IntOrPair = 2, stride: IntOrPair = 2) -> tuple[np.ndarray, tuple]:
    """Max pooling ``ẑ_{i,j,k} = max{z_{m,n,k} : (m,n) ∈ Ω_{ij}}``.

    Args:
        x: (N, C, H, W).
        size: window ``(size_h, size_w)`` or an int; stride: int or pair (stride < size: windows overlap).

    Returns:
        ``(out, cache)``: out (N, C, H_out, W_out) in ``x``'s dtype; the cache holds, per window, the
        row-major position ``m·size_w + n`` of its (first) maximum.
    """
    size, stride, out_hw = check_pool(x, size, stride)
    win = _windows(x, size, stride, out_hw).reshape(x.shape[:2] + out_hw + (size[0] * size[1],))  # one copy
    arg = win.argmax(axis=-1)                       # first maximum in row-major order, like PyTorch
    out = np.take_along_axis(win, arg[..., None], axis=-1)[..., 0]
    return out, (x.shape, x.dtype, size, stride, arg)


def maxpool2d_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward of max pooling: each ``δ_{i,j,k}`` goes to the maximum of ``Ω_{ij}``, 0 elsewhere.

    Returns ``dx`` (N, C, H, W); overlapping windows add their contributions.
    """
    x_shape, dtype, size, stride, arg = cache
    dout = _check_dout(dout, x_shape, arg.shape[2:], dtype)
    dx = np.zeros(x_shape, dtype=dtype)
    kw = size[1]
    return _scatter(dx, lambda m, n: np.where(arg == m * kw + n, dout, 0), size, stride, arg.shape[2:])


def avgpool2d_forward(x: np.ndarray, size: IntOrPair = 2, stride: IntOrPair = 2) -> tuple[np.ndarray, tuple]:
    """Average pooling ``ẑ_{i,j,k} = (1/|Ω|) Σ_{(m,n)∈Ω_{ij}} z_{m,n,k}`` (|Ω| = size_h·size_w).

    Args and shapes as :func:`maxpool2d_forward`; the cache is ``(x.shape, dtype, size, stride, out_hw)``.
    """
    size, stride, out_hw = check_pool(x, size, stride)
    out = _windows(x, size, stride, out_hw).mean(axis=(-2, -1), dtype=x.dtype)
    return out, (x.shape, x.dtype, size, stride, out_hw)


def avgpool2d_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward of average pooling: ``∂J/∂z_{m,n,k} = Σ_{(i,j): (m,n)∈Ω_{ij}} δ_{i,j,k} / |Ω|``.

    Returns ``dx`` (N, C, H, W).
    """
    x_shape, dtype, size, stride, out_hw = cache
    dout = _check_dout(dout, x_shape, out_hw, dtype)
    share = dout / dtype.type(size[0] * size[1])
    return _scatter(np.zeros(x_shape, dtype=dtype), lambda m, n: share, size, stride, out_hw)


class _Pool(Layer):
    def __init__(self, size: IntOrPair = 2, stride: IntOrPair = 2) -> None:
        super().__init__()
        self.size, self.stride = positive_pair(size, "size"), positive_pair(stride, "stride")

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        out, self.cache = type(self)._pass[0](x, self.size, self.stride)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self.grads = {}
        return type(self)._pass[1](dout, self._cached())

    def extra_repr(self) -> str:
        return f"size={self.size}, stride={self.stride}"


class MaxPool2d(_Pool):
    """Max pooling layer (:func:`maxpool2d_forward`); backward routes each δ to its window's maximum."""

    _pass = (maxpool2d_forward, maxpool2d_backward)


class AvgPool2d(_Pool):
    """Average pooling layer (:func:`avgpool2d_forward`); backward spreads each δ evenly over its window."""

    _pass = (avgpool2d_forward, avgpool2d_backward)


class Flatten(Layer):
    """(N, C, H, W) → (N, C·H·W), the bridge from the feature maps to the fully connected layers."""

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        check_array(x, "x", ndim=(2, 3, 4, 5), floating=False)
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        shape = self._cached()
        self.grads = {}
        return dout.reshape(shape)
