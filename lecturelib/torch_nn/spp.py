"""Spatial pyramid pooling as a ``torch.autograd.Function`` mirroring ``numpy_nn.spp``, plus its module.

(N, C, H, W) → (N, C·M) with ``M = Σ_{n ∈ levels} n²`` bins per channel for any H, W ≥ max(levels); bin
(i, j) of level n covers rows ⌊i·H/n⌋ … ⌈(i+1)·H/n⌉ − 1 (``bins="adaptive"``, as PyTorch's adaptive pooling)
or the paper's window ⌈H/n⌉ every ⌊H/n⌋ rows (``bins="sppnet"``), likewise for columns. Only torch ops, so
the same code runs on a GPU.
"""

from __future__ import annotations

from collections.abc import Sequence
import torch
from torch import nn

from .._contracts import bin_edges as _bin_edges
from .._contracts import check_spp, check_spp_options

__all__ = ["SpatialPyramidPool", "SpatialPyramidPoolFunction", "spatial_pyramid_pool"]


class SpatialPyramidPoolFunction(torch.autograd.Function):
    """``ẑ_{k,b} = max`` (or mean) of channel k over bin b, level by level; backward routes ``δ_{k,b}`` to the
    bin's (first) maximum or shares it equally among the bin's pixels."""

    @staticmethod
    def forward(ctx: torch.autograd.function.FunctionCtx, x: torch.Tensor, levels: tuple[int, ...], mode: str, bins: str) -> torch.Tensor:
        N, C, H, W = x.shape
        blocks, args = [], []
        for n in levels:
            rows, cols = _bin_edges(H, n, bins), _bin_edges(W, n, bins)
            level = x.new_empty((N, C, n, n))
            arg = x.new_zeros((N, C, n, n), dtype=torch.int64) if mode == "max" else None
            for i, (r0, r1) in enumerate(rows):
                for j, (c0, c1) in enumerate(cols):
                    region = x[:, :, r0:r1, c0:c1].reshape(N, C, -1)        # (N, C, |bin|), row-major
                    if mode == "max":
                        arg[:, :, i, j] = region.argmax(dim=-1)              # first maximum
                        level[:, :, i, j] = torch.gather(region, -1, arg[:, :, i, j, None])[..., 0]
                    else:
                        level[:, :, i, j] = region.mean(dim=-1)
            blocks.append(level.reshape(N, -1))
            args.append(arg)
        out = torch.cat(blocks, dim=1)
        ctx.save_for_backward(*[a for a in args if a is not None])
        ctx.conf = (tuple(x.shape), levels, mode, bins)
        return out

    @staticmethod
    def backward(ctx: torch.autograd.function.FunctionCtx, dout: torch.Tensor) -> tuple[torch.Tensor, None, None, None]:
        x_shape, levels, mode, bins = ctx.conf
        N, C, H, W = x_shape
        args = list(ctx.saved_tensors) if mode == "max" else [None] * len(levels)
        dx = dout.new_zeros(x_shape)
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
                        part = dout.new_zeros((N, C, h * w))
                        part.scatter_(-1, a[..., None], d[:, :, i, j, None])
                        dx[:, :, r0:r1, c0:c1] += part.reshape(N, C, h, w)
                    else:
                        dx[:, :, r0:r1, c0:c1] += (d[:, :, i, j] / (h * w))[:, :, None, None]
        return dx, None, None, None


def spatial_pyramid_pool(x: torch.Tensor, levels: Sequence[int] = (1, 2, 4), mode: str = "max", bins: str = "adaptive") -> torch.Tensor:
    """Spatial pyramid pooling of x (N, C, H, W) → (N, C·Σ n²) for any H, W ≥ max(levels).

    ``mode`` is ``"max"`` or ``"avg"``; ``bins`` is ``"adaptive"`` or ``"sppnet"`` (see the module docstring).
    The output is ordered level by level, each level's (C, n, n) flattened, like
    ``torch.cat([F.adaptive_max_pool2d(x, n).flatten(1) for n in levels], 1)``.
    """
    levels = check_spp(x, levels, mode, bins, tensor=True)
    return SpatialPyramidPoolFunction.apply(x, levels, mode, bins)


class SpatialPyramidPool(nn.Module):
    """``nn.Module`` around :func:`spatial_pyramid_pool`: the bridge from convolutional maps of any size to a
    fully connected layer with ``C·Σ n²`` inputs (``output_size(C)`` computes it)."""

    def __init__(self, levels: Sequence[int] = (1, 2, 4), mode: str = "max", bins: str = "adaptive") -> None:
        super().__init__()
        self.levels = check_spp_options(levels, mode, bins)
        self.mode, self.bins = mode, bins

    def output_size(self, channels: int) -> int:
        """``k·M``: the number of outputs per sample for ``channels`` = k input maps."""
        return channels * sum(n * n for n in self.levels)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return spatial_pyramid_pool(x, self.levels, self.mode, self.bins)

    def extra_repr(self) -> str:
        return f"levels={self.levels}, mode={self.mode!r}, bins={self.bins!r}"
