"""Spatial pyramid pooling (SPP; He et al. 2014, lecture 000 "Spatial Pyramid Pooling Layer").

A convolutional layer accepts maps of any size, a fully connected layer only a fixed number of inputs. The
SPP layer sits between them: every level ``n`` of the pyramid divides each of the ``k`` channels into an
``n × n`` grid of bins whose sizes are *proportional to the map*, and pools each bin to one number. With
``M = Σ_levels n²`` bins the output has ``k·M`` values whatever the input's height and width (levels
(1, 2, 4): M = 21).

Bin ``(i, j)`` of level ``n`` on an ``H × W`` map covers the rows and columns

    rows    ⌊i·H/n⌋ ≤ r < ⌈(i+1)·H/n⌉,        columns  ⌊j·W/n⌋ ≤ c < ⌈(j+1)·W/n⌉        (bins="adaptive")

so the bins tile the map, neighbouring bins overlap by at most one row or column when ``n`` does not divide
``H``, and every bin holds at least one pixel when ``H, W ≥ n``. These are PyTorch's adaptive-pooling bins.
The paper describes each level as a sliding-window pooling with window ``⌈a/n⌉`` and stride ``⌊a/n⌋`` on an
``a × a`` map; ``bins="sppnet"`` implements that literally (bin i covers ``i·⌊a/n⌋ ≤ r < i·⌊a/n⌋ + ⌈a/n⌉``,
per axis). Both agree when ``n`` divides the size; otherwise the sliding windows may leave the last rows or
columns in no bin, and pixels there get zero gradient.

    max:  ẑ_{k,b} = max{ z_{k,r,c} : (r, c) ∈ bin b }       avg:  ẑ_{k,b} = (1/|bin b|) Σ_{(r,c) ∈ bin b} z_{k,r,c}

Output layout: for each level in the given order, the (C, n, n) block flattened in C-order, the blocks
concatenated — i.e. ``cat([adaptive_max_pool2d(x, n).flatten(1) for n in levels], 1)`` in PyTorch. Backward
routes each ``δ`` to the (first, row-major) maximum of its bin, or shares it equally among the bin's pixels
for average pooling; a pixel in several bins (of one level or of different levels) sums its contributions.
"""

from __future__ import annotations

from collections.abc import Sequence
import numpy as np

from .._contracts import bin_edges as _bin_edges
from .._contracts import check_spp, check_spp_options
from .._validate import check_array

__all__ = ["spp_backward", "spp_bins", "spp_forward"]

def spp_bins(H: int, W: int, levels: Sequence[int] = (1, 2, 4), bins: str = "adaptive") -> list[tuple[int, tuple[int, int], tuple[int, int]]]:
    """All bins in output order: a list of ``(level, (r0, r1), (c0, c1))``, one per (level, i, j).

    ``r0 ≤ r < r1``, ``c0 ≤ c < c1``; bin (i, j) of level n is entry ``Σ_{n' before n} n'² + i·n + j``.
    """
    levels = check_spp_options(levels, "max", bins)
    if min(H, W) < max(levels):
        raise ValueError(f"levels {levels} need H, W ≥ {max(levels)}, got {H}×{W}")
    out = []
    for n in levels:
        rows, cols = _bin_edges(H, n, bins), _bin_edges(W, n, bins)
        out.extend((n, r, c) for r in rows for c in cols)
    return out


def spp_forward(x: np.ndarray, levels: Sequence[int] = (1, 2, 4), mode: str = "max", bins: str = "adaptive") -> tuple[np.ndarray, tuple]:
    """Spatial pyramid pooling of x (N, C, H, W) → (N, C·M), ``M = Σ_{n ∈ levels} n²``, for any H, W ≥ max(levels).

    Args:
        x: (N, C, H, W) feature maps (the last convolutional layer's output ``z``).
        levels: grid sizes n of the pyramid (default (1, 2, 4): 1 + 4 + 16 = 21 bins per channel).
        mode: ``"max"`` (SPP-net) or ``"avg"``.
        bins: ``"adaptive"`` (bin edges ⌊i·H/n⌋ … ⌈(i+1)·H/n⌉) or ``"sppnet"`` (window ⌈H/n⌉, stride ⌊H/n⌋).

    Returns:
        ``(out, cache)``: out (N, C·M) in x's dtype, ordered level by level, each level's (C, n, n) flattened.
    """
    levels = check_spp(x, levels, mode, bins)
    N, C, H, W = x.shape
    blocks, args = [], []
    for n in levels:
        rows, cols = _bin_edges(H, n, bins), _bin_edges(W, n, bins)
        level = np.empty((N, C, n, n), dtype=x.dtype)
        arg = np.zeros((N, C, n, n), dtype=np.int64) if mode == "max" else None
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                region = x[:, :, r0:r1, c0:c1].reshape(N, C, -1)            # (N, C, |bin|), row-major
                if mode == "max":
                    arg[:, :, i, j] = region.argmax(axis=-1)                 # first maximum, like PyTorch
                    level[:, :, i, j] = np.take_along_axis(region, arg[:, :, i, j, None], axis=-1)[..., 0]
                else:
                    level[:, :, i, j] = region.mean(axis=-1, dtype=x.dtype)
        blocks.append(level.reshape(N, -1))
        args.append(arg)
    out = np.concatenate(blocks, axis=1)
    return out, (x.shape, x.dtype, levels, mode, bins, args)


def spp_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Backward of :func:`spp_forward`: ``dout`` (N, C·M) → ``dx`` (N, C, H, W).

    Max: each ``δ_{k,b}`` goes to the maximum of bin b in channel k; avg: ``δ_{k,b}/|bin b|`` to every pixel
    of the bin. Overlapping bins, and the levels of the pyramid, add their contributions.
    """
    x_shape, dtype, levels, mode, bins, args = cache
    N, C, H, W = x_shape
    M = sum(n * n for n in levels)
    check_array(dout, "dout", ndim=2)
    if dout.shape != (N, C * M):
        raise ValueError(f"dout must have the output's shape {(N, C * M)} (N, C·M), got {dout.shape}")
    dout = dout.astype(dtype, copy=False)
    dx = np.zeros(x_shape, dtype=dtype)
    offset = 0
    for n, arg in zip(levels, args):
        d = dout[:, offset:offset + C * n * n].reshape(N, C, n, n)
        offset += C * n * n
        rows, cols = _bin_edges(H, n, bins), _bin_edges(W, n, bins)
        for i, (r0, r1) in enumerate(rows):
            for j, (c0, c1) in enumerate(cols):
                h, w = r1 - r0, c1 - c0
                if mode == "max":
                    a = arg[:, :, i, j]
                    part = np.zeros((N, C, h * w), dtype=dtype)
                    np.put_along_axis(part, a[..., None], d[:, :, i, j, None], axis=-1)
                    dx[:, :, r0:r1, c0:c1] += part.reshape(N, C, h, w)
                else:
                    dx[:, :, r0:r1, c0:c1] += (d[:, :, i, j] / dtype.type(h * w))[:, :, None, None]
    return dx
