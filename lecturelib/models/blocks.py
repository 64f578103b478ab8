"""Residual and plain blocks (He, Zhang, Ren & Sun, 2016, "Deep residual learning for image recognition").

A block maps (N, C_in, H, W) to (N, C_out, H/stride, W/stride) and computes ``y = relu(F(x) + shortcut(x))``
(:class:`BasicBlock`, :class:`Bottleneck`) or ``y = relu(F(x))`` (:class:`PlainBlock`, the paper's "plain"
baseline with the same layers and no shortcut). ``F`` is convolution–batch norm–ReLU–…–batch norm.
Shortcuts are the identity when the shapes agree; otherwise ``"projection"`` (the paper's option B,
torchvision's ``downsample``: 1×1 convolution with the block's stride, then batch norm) or ``"pad"`` (option A,
used for CIFAR-10 in the paper: every ``stride``-th pixel, new channels filled with zeros, no parameters).
Parameter names are torchvision's (``conv1``, ``bn1``, …, ``downsample.0``, ``downsample.1``).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

from ._args import check_choice, check_int
from ._init import init_he_fan_out
from ._layers import TorchLayers, layer_set

__all__ = ["BasicBlock", "Bottleneck", "PadShortcut", "PlainBlock", "ResidualBlock", "make_stage",
           "stacked_network"]

SHORTCUTS = ("projection", "pad")


class PadShortcut(nn.Module):
    """Option A: ``x[:, :, ::stride, ::stride]`` with ``out_channels − in_channels`` zero channels added
    (half before, half after) — an identity shortcut that changes shape without parameters."""

    def __init__(self, in_channels: int, out_channels: int, stride: int):
        super().__init__()
        if out_channels < in_channels:
            raise ValueError(f"a padding shortcut cannot reduce channels: {in_channels} → {out_channels}")
        self.in_channels, self.out_channels, self.stride = in_channels, out_channels, stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        extra = self.out_channels - self.in_channels
        return F.pad(x[:, :, ::self.stride, ::self.stride], (0, 0, 0, 0, extra // 2, extra - extra // 2))

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, stride={self.stride}"


def _shortcut(kind: str, in_channels: int, out_channels: int, stride: int, L: TorchLayers) -> nn.Module | None:
    """``None`` (identity) when the shapes agree, else a projection or a padding shortcut."""
    check_choice(kind, SHORTCUTS, "shortcut")
    if stride == 1 and in_channels == out_channels:
        return None
    if kind == "pad":
        return PadShortcut(in_channels, out_channels, stride)
    return nn.Sequential(L.conv(in_channels, out_channels, 1, stride, 0, bias=False), L.batch_norm(out_channels))


def _check_block_args(in_channels, channels, stride) -> None:
    check_int(in_channels, "in_channels")
    check_int(channels, "channels")
    check_int(stride, "stride")


def _add_shortcut(block: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``relu(F(x) + shortcut(x))``; ``F`` first, so that summaries list the layers in reading order."""
    residual = block.residual(x)
    return block.relu(residual + (x if block.downsample is None else block.downsample(x)))


class PlainBlock(nn.Module):
    """Two 3×3 convolutions with batch norm: ``y = relu(bn2(conv2(relu(bn1(conv1(x))))))``, no shortcut.

    (N, in_channels, H, W) → (N, channels, ⌈H/stride⌉, ⌈W/stride⌉); the first convolution has the stride.
    """

    expansion = 1

    def __init__(self, in_channels: int, channels: int, stride: int = 1, impl: str = "torch"):
        super().__init__()
        _check_block_args(in_channels, channels, stride)
        L = layer_set(impl)
        self.conv1 = L.conv(in_channels, channels, 3, stride, 1, bias=False)
        self.bn1 = L.batch_norm(channels)
        self.relu = L.activation()
        self.conv2 = L.conv(channels, channels, 3, 1, 1, bias=False)
        self.bn2 = L.batch_norm(channels)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """``F(x)``: the block's layers up to the last batch norm."""
        return self.bn2(self.conv2(self.relu(self.bn1(self.conv1(x)))))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.residual(x))


class BasicBlock(PlainBlock):
    """The basic residual block of ResNet-18/34: ``y = relu(F(x) + shortcut(x))`` with ``F`` as :class:`PlainBlock`.

    (N, in_channels, H, W) → (N, channels, ⌈H/stride⌉, ⌈W/stride⌉). ``shortcut``: ``"projection"`` (option B,
    torchvision's) or ``"pad"`` (option A), used only where the shape changes.
    """

    def __init__(self, in_channels: int, channels: int, stride: int = 1, shortcut: str = "projection",
                 impl: str = "torch"):
        super().__init__(in_channels, channels, stride, impl)
        self.downsample = _shortcut(shortcut, in_channels, channels, stride, layer_set(impl))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _add_shortcut(self, x)


#: The course's name for the basic residual block ``y = h(F(x) + shortcut(x))``.
ResidualBlock = BasicBlock


class Bottleneck(nn.Module):
    """The bottleneck block of ResNet-50/101/152: 1×1 (reduce to ``channels``) – 3×3 – 1×1 (expand to
    4·``channels``), each followed by batch norm, ReLU between; ``y = relu(F(x) + shortcut(x))``.

    (N, in_channels, H, W) → (N, 4·channels, ⌈H/stride⌉, ⌈W/stride⌉); the stride sits on the 3×3 convolution
    (torchvision's "ResNet v1.5"); the shortcut is a projection where the shape changes.
    """

    expansion = 4

    def __init__(self, in_channels: int, channels: int, stride: int = 1, impl: str = "torch"):
        super().__init__()
        _check_block_args(in_channels, channels, stride)
        L = layer_set(impl)
        out_channels = channels * self.expansion
        self.conv1 = L.conv(in_channels, channels, 1, bias=False)
        self.bn1 = L.batch_norm(channels)
        self.conv2 = L.conv(channels, channels, 3, stride, 1, bias=False)
        self.bn2 = L.batch_norm(channels)
        self.conv3 = L.conv(channels, out_channels, 1, bias=False)
        self.bn3 = L.batch_norm(out_channels)
        self.relu = L.activation()
        self.downsample = _shortcut("projection", in_channels, out_channels, stride, L)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """``F(x)``: the three convolutions up to the last batch norm."""
        x = self.relu(self.bn1(self.conv1(x)))
        x = self.relu(self.bn2(self.conv2(x)))
        return self.bn3(self.conv3(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return _add_shortcut(self, x)


def make_stage(block: type[nn.Module], in_channels: int, channels: int, num_blocks: int, stride: int,
               **block_args) -> tuple[nn.Sequential, int]:
    """``num_blocks`` blocks, the first with ``stride``; returns the stage (``0``, ``1``, … as torchvision's
    ``layer1``…) and its output channels ``channels·block.expansion``."""
    blocks = []
    for i in range(num_blocks):
        blocks.append(block(in_channels, channels, stride if i == 0 else 1, **block_args))
        in_channels = channels * block.expansion
    return nn.Sequential(*blocks), in_channels


def stacked_network(stem: list[tuple[str, nn.Module]], stem_channels: int, block: type[nn.Module],
                    widths: tuple[int, ...], counts: tuple[int, ...], num_classes: int, impl: str,
                    **block_args) -> nn.Sequential:
    """``stem`` – ``layer1``, ``layer2``, … (``counts[i]`` blocks of width ``widths[i]``; every stage after the
    first halves the map) – global average pooling – ``flatten`` – ``fc``, initialised as torchvision's ResNet."""
    L = layer_set(impl)
    layers, channels = list(stem), stem_channels
    for index, (width, count) in enumerate(zip(widths, counts), start=1):
        stage, channels = make_stage(block, channels, width, count, 1 if index == 1 else 2, impl=impl,
                                     **block_args)
        layers.append((f"layer{index}", stage))
    layers += [("avgpool", L.adaptive_avg_pool((1, 1))), ("flatten", L.flatten()),
               ("fc", L.linear(channels, num_classes))]
    model = nn.Sequential(OrderedDict(layers))
    init_he_fan_out(model)
    return model
