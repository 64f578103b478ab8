"""Argument contracts of the layers, shared by the twins ``numpy_nn`` and ``torch_nn``.

Each public layer function calls one contract here, once, before it computes anything; the contract checks
every argument and returns the normalised values the layer needs (pairs of ints, output sizes). Both twins
call the same contract, so a bad argument gives the same ``ValueError`` in NumPy and in PyTorch. The only
difference is ``tensor``: the ``torch_nn`` side passes ``tensor=True`` and then every array must be a
``torch.Tensor`` and all of them must live on one device.

The geometry the twins share (a window's output size, SPP's bin edges) lives here too, so that neither twin
imports anything private from the other.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._validate import check_array

__all__ = [
    "bin_edges",
    "check_batchnorm",
    "check_conv",
    "check_dropout_p",
    "check_labels_for",
    "check_linear",
    "check_lrn",
    "check_pool",
    "check_same_kind",
    "check_spp",
    "check_spp_levels",
    "check_spp_options",
    "conv_output_size",
    "non_negative_pair",
    "pair",
    "positive_int",
    "positive_pair",
]

Pair = tuple[int, int]
IntOrPair = int | tuple[int, int]  # a size given as one int (square) or as (height, width)
Seed = int | np.random.Generator | None  # an ``rng`` argument, resolved by ``_random.as_generator``
SPP_MODES = ("max", "avg")
SPP_BINS = ("adaptive", "sppnet")


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


# ---------------------------------------------------------------------------------------------- geometry

def positive_int(v, name: str) -> int:
    """``v`` as an int ≥ 1 (a number of channels, features, epochs, …); ``bool`` is not an int here."""
    if not _is_int(v) or v < 1:
        raise ValueError(f"{name}: expected a positive int, got {v!r}")
    return int(v)


def pair(v, name: str) -> Pair:
    """``v`` as a pair of ints ``(vertical, horizontal)``; accepts an int or a 2-sequence of ints."""
    if _is_int(v):
        return int(v), int(v)
    if isinstance(v, (tuple, list)) and len(v) == 2 and all(_is_int(e) for e in v):
        return int(v[0]), int(v[1])
    raise ValueError(f"{name}: expected an int or a pair of ints (height, width), got {v!r}")


def positive_pair(v, name: str) -> Pair:
    """:func:`pair`, every entry ≥ 1 (kernel sizes, strides)."""
    p = pair(v, name)
    if min(p) < 1:
        raise ValueError(f"{name}: expected positive values, got {p}")
    return p


def non_negative_pair(v, name: str) -> Pair:
    """:func:`pair`, every entry ≥ 0 (padding)."""
    p = pair(v, name)
    if min(p) < 0:
        raise ValueError(f"{name}: expected non-negative values, got {p}")
    return p


def conv_output_size(size: int, kernel: int, stride: int = 1, pad: int = 0) -> int:
    """Output length of a convolution (or pooling) window along one axis: ``(size + 2·pad − kernel)//stride + 1``.

    Raises ``ValueError`` unless ``size ≥ 0``, ``kernel ≥ 1``, ``stride ≥ 1``, ``pad ≥ 0`` (ints) and the kernel
    fits the padded input (``kernel ≤ size + 2·pad``).
    """
    for name, v, low in (("size", size, 0), ("kernel", kernel, 1), ("stride", stride, 1), ("pad", pad, 0)):
        if not _is_int(v) or v < low:
            raise ValueError(f"conv_output_size: {name} must be an int ≥ {low}, got {v!r}")
    if kernel > size + 2 * pad:
        raise ValueError(f"conv_output_size: kernel {kernel} does not fit the padded input "
                         f"{size} + 2·{pad} = {size + 2 * pad}")
    return (size + 2 * pad - kernel) // stride + 1


def bin_edges(size: int, n: int, bins: str) -> list[Pair]:
    """The ``n`` intervals ``[start, end)`` of spatial pyramid pooling along an axis of length ``size``.

    ``"adaptive"``: ``⌊i·size/n⌋ ≤ r < ⌈(i+1)·size/n⌉`` (PyTorch's adaptive pooling); ``"sppnet"``: the paper's
    sliding window ``⌈size/n⌉`` every ``⌊size/n⌋``.
    """
    if bins == "adaptive":
        return [((i * size) // n, -((-(i + 1) * size) // n)) for i in range(n)]      # floor, ceil
    win, step = math.ceil(size / n), size // n                                       # the paper's window/stride
    return [(i * step, i * step + win) for i in range(n)]


# ------------------------------------------------------------------------------------- shared checks

def check_same_kind(arrays: dict, tensor: bool = False) -> None:
    """All arrays share one dtype (and, for tensors, one device); the message names each array's."""
    dtypes = {name: a.dtype for name, a in arrays.items()}
    if len(set(dtypes.values())) > 1:
        got = ", ".join(f"{n} {d}" for n, d in dtypes.items())
        raise ValueError(f"{', '.join(dtypes)} must share one dtype; got {got}")
    if tensor:
        devices = {name: a.device for name, a in arrays.items()}
        if len(set(devices.values())) > 1:
            got = ", ".join(f"{n} {d}" for n, d in devices.items())
            raise ValueError(f"{', '.join(devices)} must be on one device; got {got}")


def _real(v, name: str, ok, want: str) -> float:
    if isinstance(v, bool) or not isinstance(v, numbers.Real) or not ok(v):
        raise ValueError(f"{name} must be {want}, got {v!r}")
    return float(v)


# ---------------------------------------------------------------------------------------------- layers

def check_linear(z, W, b, tensor: bool = False) -> None:
    """``u = W^T z + b``: z (N, D_in), W (D_in, D_out), b (D_out,), one dtype (and device)."""
    check_array(z, "z", ndim=2, tensor=tensor)
    check_array(W, "W", ndim=2, tensor=tensor)
    check_array(b, "b", ndim=1, tensor=tensor)
    if z.shape[1] != W.shape[0]:
        raise ValueError(f"z has {z.shape[1]} features per sample (shape {tuple(z.shape)}) but W expects "
                         f"{W.shape[0]} inputs (shape {tuple(W.shape)}); W must be (D_in, D_out)")
    if b.shape[0] != W.shape[1]:
        raise ValueError(f"b has {b.shape[0]} entries but W has {W.shape[1]} outputs (shape {tuple(W.shape)})")
    check_same_kind({"z": z, "W": W, "b": b}, tensor)


def check_conv(x, w, b, stride, pad, tensor: bool = False) -> tuple[Pair, Pair, Pair]:
    """Convolution of x (N, C, H, W) with w (F, C, HH, WW) and b (F,); returns ``(stride, pad, (H_out, W_out))``."""
    check_array(x, "x", ndim=4, tensor=tensor)
    check_array(w, "w", ndim=4, tensor=tensor)
    check_array(b, "b", ndim=1, tensor=tensor)
    stride, pad = positive_pair(stride, "stride"), non_negative_pair(pad, "pad")
    check_same_kind({"x": x, "w": w, "b": b}, tensor)
    _, C, H, W = x.shape
    F, Cw, HH, WW = w.shape
    if C != Cw:
        raise ValueError(f"x has {C} channels (shape {tuple(x.shape)}) but w expects {Cw} "
                         f"(shape {tuple(w.shape)}); w must be (F, C, HH, WW)")
    if b.shape[0] != F:
        raise ValueError(f"b has {b.shape[0]} entries but w has {F} filters (shape {tuple(w.shape)})")
    (ph, pw) = pad
    if HH > H + 2 * ph or WW > W + 2 * pw or HH < 1 or WW < 1:
        raise ValueError(f"kernel {HH}×{WW} (w shape {tuple(w.shape)}) does not fit the padded input "
                         f"{H + 2 * ph}×{W + 2 * pw} (x shape {tuple(x.shape)}, pad {pad})")
    out_hw = (conv_output_size(H, HH, stride[0], ph), conv_output_size(W, WW, stride[1], pw))
    return stride, pad, out_hw


def check_im2col(x, kernel, stride, pad) -> tuple[Pair, Pair, Pair, Pair]:
    """Arguments of ``im2col``: x (N, C, H, W); returns ``(kernel, stride, pad, (H_out, W_out))``."""
    check_array(x, "x", ndim=4, floating=False)
    kernel = positive_pair(kernel, "kernel")
    stride, pad = positive_pair(stride, "stride"), non_negative_pair(pad, "pad")
    H, W = x.shape[2:]
    if kernel[0] > H + 2 * pad[0] or kernel[1] > W + 2 * pad[1]:
        raise ValueError(f"kernel {kernel[0]}×{kernel[1]} does not fit the padded input "
                         f"{H + 2 * pad[0]}×{W + 2 * pad[1]} (x shape {tuple(x.shape)}, pad {pad})")
    out_hw = (conv_output_size(H, kernel[0], stride[0], pad[0]), conv_output_size(W, kernel[1], stride[1], pad[1]))
    return kernel, stride, pad, out_hw


def check_col2im(cols, x_shape, kernel, stride, pad) -> tuple[tuple[int, ...], Pair, Pair, Pair, Pair]:
    """Arguments of ``col2im``: cols (C·HH·WW, N·H_out·W_out) for an input of shape ``x_shape`` (N, C, H, W)."""
    check_array(cols, "cols", ndim=2, floating=False)
    if not (isinstance(x_shape, Sequence) and len(x_shape) == 4 and all(_is_int(s) and s >= 0 for s in x_shape)):
        raise ValueError(f"x_shape: expected (N, C, H, W) as four non-negative ints, got {x_shape!r}")
    x_shape = tuple(int(s) for s in x_shape)
    kernel = positive_pair(kernel, "kernel")
    stride, pad = positive_pair(stride, "stride"), non_negative_pair(pad, "pad")
    N, C, H, W = x_shape
    if kernel[0] > H + 2 * pad[0] or kernel[1] > W + 2 * pad[1]:
        raise ValueError(f"kernel {kernel[0]}×{kernel[1]} does not fit the padded input "
                         f"{H + 2 * pad[0]}×{W + 2 * pad[1]} (x_shape {x_shape}, pad {pad})")
    out_hw = (conv_output_size(H, kernel[0], stride[0], pad[0]), conv_output_size(W, kernel[1], stride[1], pad[1]))
    expected = (C * kernel[0] * kernel[1], N * out_hw[0] * out_hw[1])
    if tuple(cols.shape) != expected:
        raise ValueError(f"cols must have shape {expected} (C·HH·WW, N·H_out·W_out) for x_shape {x_shape}, "
                         f"kernel {kernel}, stride {stride}, pad {pad}; got {tuple(cols.shape)}")
    return x_shape, kernel, stride, pad, out_hw


def check_pool(x, size, stride, tensor: bool = False) -> tuple[Pair, Pair, Pair]:
    """Pooling of x (N, C, H, W) (no padding); returns ``(size, stride, (H_out, W_out))``."""
    check_array(x, "x", ndim=4, tensor=tensor)
    size, stride = positive_pair(size, "size"), positive_pair(stride, "stride")
    H, W = x.shape[2:]
    if size[0] > H or size[1] > W:
        raise ValueError(f"pooling window {size[0]}×{size[1]} does not fit the input {H}×{W} "
                         f"(x shape {tuple(x.shape)}); pooling has no padding")
    return size, stride, ((H - size[0]) // stride[0] + 1, (W - size[1]) // stride[1] + 1)


def check_dropout_p(p) -> float:
    """The probability of dropping a unit, a number in [0, 1)."""
    return _real(p, "p (the probability of dropping a unit)", lambda v: 0 <= v < 1, "a number in [0, 1)")


def check_batchnorm(x, gamma, beta, running_mean, running_var, train, momentum, eps,
                    tensor: bool = False) -> int:
    """Batch normalization's arguments; returns m, the number of values per feature (N or N·H·W)."""
    check_array(x, "x", ndim=(2, 4), tensor=tensor)
    C = x.shape[1]
    for name, v in [("gamma", gamma), ("beta", beta), ("running_mean", running_mean),
                    ("running_var", running_var)]:
        if v is None and name.startswith("running"):
            continue
        check_array(v, name, ndim=1, tensor=tensor)
        if v.shape[0] != C:
            raise ValueError(f"{name} must have one entry per feature/channel, shape ({C},) for x of shape "
                             f"{tuple(x.shape)}; got {tuple(v.shape)}")
    if (running_mean is None) != (running_var is None):
        raise ValueError("running_mean and running_var must both be arrays or both be None")
    if not train and running_mean is None:
        raise ValueError("evaluation mode (train=False) needs running_mean and running_var")
    _real(momentum, "momentum", lambda v: 0 <= v <= 1, "a number in [0, 1]")
    _real(eps, "eps", lambda v: v > 0, "a positive number")
    if tensor:
        check_same_kind({"x": x, "gamma": gamma, "beta": beta}, tensor=True)
    m = int(np.prod(tuple(x.shape))) // C if C else 0
    if train and m < 2:
        raise ValueError(f"training needs more than one value per feature/channel to estimate a variance; "
                         f"x of shape {tuple(x.shape)} has {m}")
    return m


def check_lrn(x, n, k, alpha, beta, tensor: bool = False) -> None:
    """LRN over channels of x (N, C, H, W): n a positive int, k > 0, α ≥ 0, β finite."""
    if x is not None:
        check_array(x, "x", ndim=4, tensor=tensor)
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n (the number of adjacent channels) must be a positive int, got {n!r}")
    _real(k, "k", lambda v: v > 0, "a positive number")
    _real(alpha, "alpha", lambda v: v >= 0, "a non-negative number")
    _real(beta, "beta", np.isfinite, "a finite number")


def check_spp_levels(levels) -> tuple[int, ...]:
    """SPP's pyramid levels as a non-empty tuple of positive ints (an int is one level)."""
    if _is_int(levels):
        levels = (levels,)
    try:
        levels = tuple(levels)
    except TypeError:
        raise ValueError(f"levels: expected a sequence of positive ints such as (1, 2, 4), got {levels!r}") from None
    if not levels or not all(_is_int(n) and n >= 1 for n in levels):
        raise ValueError(f"levels: expected a non-empty sequence of positive ints such as (1, 2, 4), got {levels!r}")
    return tuple(int(n) for n in levels)


def check_spp_options(levels, mode, bins) -> tuple[int, ...]:
    """Levels, ``mode`` (``"max"``/``"avg"``) and ``bins`` (``"adaptive"``/``"sppnet"``); returns the levels."""
    levels = check_spp_levels(levels)
    if mode not in SPP_MODES:
        raise ValueError(f"mode: expected one of {SPP_MODES}, got {mode!r}")
    if bins not in SPP_BINS:
        raise ValueError(f"bins: expected one of {SPP_BINS}, got {bins!r}")
    return levels


def check_spp(x, levels, mode, bins, tensor: bool = False) -> tuple[int, ...]:
    """Spatial pyramid pooling of x (N, C, H, W): every bin must hold a pixel (H, W ≥ max(levels))."""
    check_array(x, "x", ndim=4, tensor=tensor)
    levels = check_spp_options(levels, mode, bins)
    H, W = x.shape[2:]
    if min(H, W) < max(levels):
        raise ValueError(f"spatial pyramid pooling with levels {levels} needs H, W ≥ {max(levels)} so that every "
                         f"bin holds a pixel; got x of shape {tuple(x.shape)}")
    return levels


def check_labels_for(u, labels, tensor: bool = False) -> Any:
    """Scores u (N, K) and integer class labels (N,) in [0, K)."""
    from ._validate import check_labels

    check_array(u, "u", ndim=2, tensor=tensor)
    if tensor:
        check_array(labels, "labels", tensor=True, floating=False)
    return check_labels(labels, u.shape[0], u.shape[1])
