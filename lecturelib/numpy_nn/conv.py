"""Convolution layer (lecture 000, "畳み込み層の順向き伝播" and "CNNの学習（畳み込み層）").

The lecture writes one layer as

    u_{i,j,k'} = Σ_{m,n,k} W_{m,n,k,k'} z_{i+m,j+n,k} + b_{k'}

with ``z`` the previous layer's output (height i, width j, channel k), ``W`` the filters (kernel row m,
kernel column n, input channel k, filter k') and ``b`` one bias per filter. Deep-learning libraries store
images as NCHW and filters as (K', K, M_f, N_f); this module follows them, so the symbols map to axes as

    z_{i,j,k}       → x[sample, k, i, j]         x: (N, C, H, W)      C = K
    W_{m,n,k,k'}    → w[k', k, m, n]             w: (F, C, HH, WW)    F = K', HH × WW = M_f × N_f
    b_{k'}          → b[k']                      b: (F,)
    u_{i,j,k'}      → out[sample, k', i, j]      out: (N, F, H_out, W_out)

With a stride ``s`` and zero padding ``p`` (``z`` is surrounded by ``p`` rows and columns of zeros), the
window of output (i, j) starts at (s·i, s·j) of the padded input: ``z_{s·i+m, s·j+n, k}``, and
``H_out = (H + 2p − HH)//s + 1`` (likewise for the width). This is cross-correlation, as in every DL library
(a "true" convolution flips the kernel).

Backward (``δ_{i,j,k'} = ∂J/∂u_{i,j,k'}``, ``dout``):

    ∂J/∂W_{m,n,k,k'} = Σ_{i,j} δ_{i,j,k'} z_{s·i+m, s·j+n, k}        ∂J/∂b_{k'} = Σ_{i,j} δ_{i,j,k'}
    ∂J/∂z_{p,q,k}   = Σ_{m,n,k'} δ_{(p−m)/s, (q−n)/s, k'} W_{m,n,k,k'}   (terms with integer, in-range indices)

(summed over the batch as well). The lecture's last formula ``δ^l = h'(u^l) Σ δ^{l+1} W`` multiplies this
``∂J/∂z`` by the activation's derivative; that factor belongs to the activation layer.

Two implementations share one cache, so :func:`conv2d_backward` serves both forwards:

* :func:`conv2d_forward_naive` / :func:`conv2d_backward_naive` — loops over the lecture's spatial indices,
  for reading next to the slides and as an oracle;
* :func:`conv2d_forward` / :func:`conv2d_backward` — *im2col*: copy every receptive field into a column of
  a matrix once, and the whole layer becomes one matrix product (as Caffe and cuDNN's GEMM path do).
"""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .._contracts import (check_col2im, check_conv, check_im2col, conv_output_size, non_negative_pair, positive_int,
                          positive_pair)
from .._validate import check_array
from .._contracts import IntOrPair
from .init import init_std
from .layer import Layer

__all__ = [
    "Conv2d",
    "col2im",
    "conv2d_backward",
    "conv2d_backward_naive",
    "conv2d_forward",
    "conv2d_forward_naive",
    "conv_output_size",
    "im2col",
]


def _pad(x, ph, pw):
    if ph == 0 and pw == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))


def _out_shape(x_shape, w_shape, stride, pad):
    N, _, H, W = x_shape
    F, _, HH, WW = w_shape
    return (N, F, conv_output_size(H, HH, stride[0], pad[0]), conv_output_size(W, WW, stride[1], pad[1]))


def _check_dout(dout, cache):
    x, w, _, stride, pad = cache[:5]
    expected = _out_shape(x.shape, w.shape, stride, pad)
    check_array(dout, "dout", ndim=4)
    if dout.shape != expected:
        raise ValueError(f"dout must have the output's shape {expected} (N, F, H_out, W_out), got {dout.shape}")
    return dout.astype(x.dtype, copy=False)


# --- naive: loops over the lecture's indices -------------------------------------------------------------

def conv2d_forward_naive(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: IntOrPair = 1, pad: IntOrPair = 0) -> tuple[np.ndarray, tuple]:
    """Convolution by loops over the lecture's indices (slow; for teaching and as an oracle).

    ``u_{i,j,k'} = Σ_{m,n,k} W_{m,n,k,k'} z_{s·i+m, s·j+n, k} + b_{k'}``: the loops run over the output
    position (i, j) and the kernel offset (m, n); the channel sum Σ_k, for every filter k' and every sample
    at once, is the product of the (N, C) slice ``z_{s·i+m, s·j+n, :}`` with the (C, F) matrix
    ``W_{m,n,:,:}``.

    Args:
        x: inputs ``z``, shape (N, C, H, W).
        w: filters, shape (F, C, HH, WW) — ``w[k', k, m, n] = W_{m,n,k,k'}``.
        b: biases, shape (F,).
        stride, pad: ints or ``(height, width)`` pairs; ``pad`` adds zeros around the input.

    Returns:
        ``(out, cache)``: ``out`` = ``u`` of shape (N, F, H_out, W_out) in ``x``'s dtype; ``cache`` as
        :func:`conv2d_forward`'s, so either backward accepts it.
    """
    stride, pad, _ = check_conv(x, w, b, stride, pad)
    (sh, sw), (ph, pw) = stride, pad
    z = _pad(x, ph, pw)
    N, F, H_out, W_out = _out_shape(x.shape, w.shape, stride, pad)
    _, _, HH, WW = w.shape
    u = np.zeros((N, F, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            for m in range(HH):
                for n in range(WW):
                    # Σ_k W_{m,n,k,k'} z_{s·i+m, s·j+n, k} for all samples and all k'
                    u[:, :, i, j] += z[:, :, sh * i + m, sw * j + n] @ w[:, :, m, n].T
            u[:, :, i, j] += b
    return u, (x, w, b, stride, pad, None)


def conv2d_backward_naive(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass by loops over the lecture's indices (slow; for teaching and as an oracle).

    With ``δ_{i,j,k'} = ∂J/∂u_{i,j,k'}`` (``dout``, (N, F, H_out, W_out)):

    * ``∂J/∂W_{m,n,k,k'} = Σ_{i,j} δ_{i,j,k'} z_{s·i+m, s·j+n, k}`` — loops over m, n, i, j;
    * ``∂J/∂b_{k'} = Σ_{i,j} δ_{i,j,k'}``;
    * ``∂J/∂z_{p,q,k} = Σ_{m,n,k'} δ_{i,j,k'} W_{m,n,k,k'}`` with ``i = (p−m)/s``, ``j = (q−n)/s`` — the
      lecture's ``Σ δ_{i−m,j−n,k'} W_{m,n,k,k'}`` for a stride ``s``: loops over the (padded) input position
      (p, q) and the offsets (m, n) for which (i, j) is an integer output position.

    Channel sums and the batch are small matrix products, as in :func:`conv2d_forward_naive`.
    Returns ``(dx, dw, db)`` with the shapes of ``x``, ``w``, ``b``.
    """
    x, w, _, stride, pad = cache[:5]
    dout = _check_dout(dout, cache)
    (sh, sw), (ph, pw) = stride, pad
    z = _pad(x, ph, pw)
    Hp, Wp = z.shape[2:]
    H_out, W_out = dout.shape[2:]
    HH, WW = w.shape[2:]
    dw = np.zeros_like(w)
    for m in range(HH):
        for n in range(WW):
            for i in range(H_out):
                for j in range(W_out):
                    dw[:, :, m, n] += dout[:, :, i, j].T @ z[:, :, sh * i + m, sw * j + n]
    db = dout.sum(axis=(0, 2, 3))
    dz = np.zeros_like(z)
    for p in range(Hp):
        for q in range(Wp):
            for m in range(p % sh, HH, sh):          # i = (p − m)/s must be an integer ...
                i = (p - m) // sh
                if not 0 <= i < H_out:               # ... and an output row
                    continue
                for n in range(q % sw, WW, sw):
                    j = (q - n) // sw
                    if 0 <= j < W_out:
                        dz[:, :, p, q] += dout[:, :, i, j] @ w[:, :, m, n]
    dx = dz[:, :, ph:Hp - ph, pw:Wp - pw]
    return np.ascontiguousarray(dx), dw, db


# --- im2col ----------------------------------------------------------------------------------------------

def im2col(x: np.ndarray, kernel: IntOrPair, stride: IntOrPair = 1, pad: IntOrPair = 0) -> np.ndarray:
    """Copy every receptive field of ``x`` into one column of a matrix.

    Args:
        x: (N, C, H, W).
        kernel: ``(HH, WW)`` (or an int for a square kernel).
        stride, pad: ints or ``(height, width)`` pairs.

    Returns:
        ``cols`` of shape (C·HH·WW, N·H_out·W_out). Row ``(k·HH + m)·WW + n`` holds ``z_{s·i+m, s·j+n, k}``
        of the zero-padded input; column ``(sample·H_out + i)·W_out + j`` is output position (i, j) of that
        sample. With ``w`` reshaped to (F, C·HH·WW) the convolution is ``w @ cols``.

    A strided *view* enumerates the windows without copying; one ``reshape`` makes the single copy.
    Raises ``ValueError`` when the kernel does not fit the padded input or a size is not positive.
    """
    kernel, stride, pad, out_hw = check_im2col(x, kernel, stride, pad)
    return _im2col(x, kernel, stride, pad, out_hw)


def _im2col(x, kernel: IntOrPair, stride, pad, out_hw):
    (HH, WW), (sh, sw), (ph, pw), (H_out, W_out) = kernel, stride, pad, out_hw
    N, C = x.shape[:2]
    # read-only view (N, C, H_out, W_out, HH, WW): [s, k, i, j, m, n] = z[s, k, sh·i + m, sw·j + n]
    windows = sliding_window_view(_pad(x, ph, pw), (HH, WW), axis=(2, 3))[:, :, ::sh, ::sw]
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * H_out * W_out)  # the one copy


def col2im(cols: np.ndarray, x_shape: tuple[int, ...], kernel: IntOrPair, stride: IntOrPair = 1, pad: IntOrPair = 0) -> np.ndarray:
    """Adjoint of :func:`im2col`: add every column back onto the window it came from.

    Args:
        cols: (C·HH·WW, N·H_out·W_out), laid out as :func:`im2col` returns.
        x_shape: ``(N, C, H, W)`` of the unpadded input.
        kernel, stride, pad: as for :func:`im2col`.

    Returns:
        An array of shape ``x_shape``; an input pixel covered by several windows (overlap when the stride is
        smaller than the kernel) receives the sum of all its copies, and the padding is cut off. The loop
        runs over the HH·WW kernel offsets; each step adds a whole strided slice.
    """
    x_shape, kernel, stride, pad, out_hw = check_col2im(cols, x_shape, kernel, stride, pad)
    return _col2im(cols, x_shape, kernel, stride, pad, out_hw)


def _col2im(cols, x_shape: tuple[int, ...], kernel: IntOrPair, stride, pad, out_hw):
    (HH, WW), (sh, sw), (ph, pw), (H_out, W_out) = kernel, stride, pad, out_hw
    N, C, H, W = x_shape
    cols = cols.reshape(C, HH, WW, N, H_out, W_out)
    dxp = np.zeros((N, C, H + 2 * ph, W + 2 * pw), dtype=cols.dtype)
    dxp_t = dxp.transpose(1, 0, 2, 3)  # (C, N, Hp, Wp) view, to match the layout of cols
    for m in range(HH):
        for n in range(WW):
            dxp_t[:, :, m:m + sh * H_out:sh, n:n + sw * W_out:sw] += cols[:, m, n]
    if ph or pw:
        dxp = np.ascontiguousarray(dxp[:, :, ph:ph + H, pw:pw + W])
    return dxp


def _col2im_batch_last(cols, x_shape: tuple[int, ...], kernel: IntOrPair, stride, pad, out_hw):
    """:func:`col2im` for columns ordered (i, j, sample) — cols (C·HH·WW, H_out·W_out·N) — returning (N, C, H, W).

    The sums are accumulated in a (C, H_p, W_p, N) array, whose kernel-offset slices have contiguous rows of
    W_out·N numbers, and transposed to NCHW once at the end.
    """
    (HH, WW), (sh, sw), (ph, pw), (H_out, W_out) = kernel, stride, pad, out_hw
    N, C, H, W = x_shape
    cols = cols.reshape(C, HH, WW, H_out, W_out, N)
    dxp = np.zeros((C, H + 2 * ph, W + 2 * pw, N), dtype=cols.dtype)
    for m in range(HH):
        for n in range(WW):
            dxp[:, m:m + sh * H_out:sh, n:n + sw * W_out:sw] += cols[:, m, n]
    return np.ascontiguousarray(dxp[:, ph:ph + H, pw:pw + W].transpose(3, 0, 1, 2))


def conv2d_forward(x: np.ndarray, w: np.ndarray, b: np.ndarray, stride: IntOrPair = 1, pad: IntOrPair = 0) -> tuple[np.ndarray, tuple]:
    """Convolution as one matrix product (im2col).

    ``U = W_mat · cols + b`` with ``W_mat = w.reshape(F, C·HH·WW)`` and ``cols = im2col(x)``
    (C·HH·WW, N·H_out·W_out): entry (k', column of (sample, i, j)) is
    ``Σ_{m,n,k} W_{m,n,k,k'} z_{s·i+m, s·j+n, k} + b_{k'}``, the lecture's ``u_{i,j,k'}``.

    Args:
        x: (N, C, H, W); w: (F, C, HH, WW); b: (F,); stride, pad: ints or ``(height, width)`` pairs.

    Returns:
        ``(out, cache)``: ``out`` of shape (N, F, H_out, W_out) in ``x``'s dtype,
        ``H_out = (H + 2·pad − HH)//stride + 1``; ``cache = (x, w, b, stride, pad, cols)``.
    """
    stride, pad, (H_out, W_out) = check_conv(x, w, b, stride, pad)
    N, F = x.shape[0], w.shape[0]
    cols = _im2col(x, w.shape[2:], stride, pad, (H_out, W_out))
    # Uᵀ = colsᵀ · W_matᵀ, rows (sample, i, j): the same product as W_mat · cols, but OpenBLAS runs this
    # operand order faster for the short, wide matrices of small layers.
    u_t = cols.T @ w.reshape(F, -1).T                         # (N·H_out·W_out, F)
    out = np.empty((N, F, H_out, W_out), dtype=x.dtype)
    np.add(u_t.reshape(N, H_out, W_out, F).transpose(0, 3, 1, 2), b[:, None, None], out=out)  # + b, to NCHW
    return out, (x, w, b, stride, pad, cols)


def conv2d_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Backward pass of :func:`conv2d_forward` (or of :func:`conv2d_forward_naive`) as matrix products.

    With ``δ`` = ``dout`` reshaped to (F, N·H_out·W_out):
    ``∂J/∂W = δ · colsᵀ`` (the lecture's ``Σ_{i,j} δ_{i,j,k'} z_{s·i+m, s·j+n, k}``), ``∂J/∂b = Σ δ``, and
    ``∂J/∂z = col2im(W_matᵀ · δ)`` (each column's share ``Σ_{k'} W_{m,n,k,k'} δ_{i,j,k'}`` added back to the
    pixel ``z_{s·i+m, s·j+n, k}`` it came from — the lecture's ``Σ δ_{i−m,j−n,k'} W_{m,n,k,k'}``).

    Returns ``(dx, dw, db)`` with the shapes and dtype of ``x``, ``w``, ``b``.
    """
    x, w, _, stride, pad, cols = cache
    dout = _check_dout(dout, cache)
    F = w.shape[0]
    out_hw = dout.shape[2:]
    if cols is None:  # cache from the naive forward
        cols = _im2col(x, w.shape[2:], stride, pad, out_hw)
    d = np.ascontiguousarray(dout.transpose(1, 0, 2, 3)).reshape(F, -1)   # (F, N·H_out·W_out), as cols
    db = d.sum(axis=1)
    dw = (cols @ d.T).T.reshape(w.shape)    # = d @ cols.T; this operand order threads better in OpenBLAS
    # For ∂J/∂z the columns are ordered (i, j, sample) instead: col2im's strided additions then run over
    # contiguous rows of W_out·N numbers rather than W_out, which matters for small images.
    d_last = np.ascontiguousarray(dout.transpose(1, 2, 3, 0)).reshape(F, -1)  # (F, H_out·W_out·N)
    dcols = w.reshape(F, -1).T @ d_last                                   # (C·HH·WW, H_out·W_out·N)
    dx = _col2im_batch_last(dcols, x.shape, w.shape[2:], stride, pad, out_hw)
    return dx, dw, db


# --- the layer object -------------------------------------------------------------------------------------

class Conv2d(Layer):
    """Convolution layer ``u_{i,j,k'} = Σ_{m,n,k} W_{m,n,k,k'} z_{s·i+m, s·j+n, k} + b_{k'}`` (im2col).

    ``params``: weight (out_channels, in_channels, kh, kw) = (K', K, M_f, N_f), bias (out_channels,).
    Initialised ``W ~ N(0, σ²)`` with ``init`` a rule or number of :func:`~lecturelib.numpy_nn.init_std`
    (default He, σ = √(2/fan_in), fan_in = K·M_f·N_f) and zero biases; ``naive=True`` uses the loops of
    :func:`conv2d_forward_naive` (slow, for checking). Forward x (N, K, H, W) → (N, K', H_out, W_out).
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size: IntOrPair, stride: IntOrPair = 1, pad: IntOrPair = 0, init: str | float = "he",
                 naive: bool = False) -> None:
        super().__init__()
        self.in_channels = positive_int(in_channels, "in_channels")
        self.out_channels = positive_int(out_channels, "out_channels")
        self.kernel_size = positive_pair(kernel_size, "kernel_size")
        self.stride, self.pad = positive_pair(stride, "stride"), non_negative_pair(pad, "pad")
        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        self.eps = init_std(init, fan_in, self.out_channels * self.kernel_size[0] * self.kernel_size[1])
        self.init, self.naive = init, bool(naive)

    def _draw(self, rng, dtype):
        w = self.eps * rng.standard_normal((self.out_channels, self.in_channels, *self.kernel_size))
        return {"weight": w.astype(dtype), "bias": np.zeros(self.out_channels, dtype=dtype)}

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        fwd = conv2d_forward_naive if self.naive else conv2d_forward
        out, self.cache = fwd(x, self._param("weight"), self._param("bias"), self.stride, self.pad)
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        bwd = conv2d_backward_naive if self.naive else conv2d_backward
        dx, dw, db = bwd(dout, self._cached())
        self.grads = {"weight": dw, "bias": db}
        return dx

    def macs(self, in_shape: tuple[int, ...]) -> int:
        H_out = conv_output_size(int(in_shape[1]), self.kernel_size[0], self.stride[0], self.pad[0])
        W_out = conv_output_size(int(in_shape[2]), self.kernel_size[1], self.stride[1], self.pad[1])
        return self.out_channels * H_out * W_out * self.in_channels * self.kernel_size[0] * self.kernel_size[1]

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, pad={self.pad}")
