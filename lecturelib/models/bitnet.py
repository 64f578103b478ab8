"""BitNet: wide residual networks truncated by binary-tree blocks (Zhang, Ozay, Li & Okatani, 2017).

A :class:`BitBlock` of width D and depth K replaces the K layers of width D of a wide network by a binary tree:

* layer 1 reads the block's input and has D channels (it carries the block's stride);
* layer k (k = 1 … K−1) sends the first half of its channels to the block's output and the second half,
  after a ReLU, on to layer k + 1, whose width is therefore D / 2^k;
* layer K sends all its D / 2^(K−1) channels to the output.

The output is the concatenation, D/2 + D/4 + … + D/2^(K−1) + D/2^(K−1) = D channels, so a block maps width D to
width D as a wide block does, with layer k's weights D²/4^(k−1) instead of D² (×kernel² for a convolution).
Summed, a stack of L fully connected blocks holds 4/3·L·(1 − 4^−K)·D² weights — the paper's proposition 3.3
(:func:`bitnet_param_formula`), exact when 2^(K−1) divides D and the blocks have no biases.

Where the paper's text (and the lecture slide) leave the details open, this module chooses:

* each layer is convolution (3×3, no bias) then batch norm; the halves sent to the output are taken after batch
  norm and before the ReLU, and with ``residual=True`` the block computes ``relu(concat + shortcut(x))`` — the
  placement of :class:`lecturelib.models.BasicBlock`, whose two-layer ``F`` the tree replaces;
* the shortcut is the identity, or the parameter-free padding shortcut (option A) where the shape changes, so a
  BitNet and :func:`lecturelib.models.resnet_cifar` with ``shortcut="pad"`` differ only in their blocks;
* :func:`bitnet` keeps resnet_cifar's layout (stem, three stages of width w, 2w, 4w, global average pooling,
  fc): depth = 3·n·K + 2 weight layers for n blocks of depth K per stage, the paper's ``(d, k, n)`` notation
  with ``d`` the width factor (here ``width`` = 16·d).
"""

from __future__ import annotations

from collections import OrderedDict

import torch
from torch import nn

from ._args import check_bool, check_int
from ._init import init_he_fan_out
from .blocks import PadShortcut

__all__ = ["BitBlock", "bitblock_weights", "bitnet", "bitnet_param_formula"]


class BitBlock(nn.Module):
    """A binary-tree block of ``depth`` layers and output ``width`` (see the module docstring).

    (N, in_channels, H, W) → (N, width, ⌈H/stride⌉, ⌈W/stride⌉). ``kernel_size`` 1 on 1×1 maps makes it the
    paper's fully connected BitBlock. Submodules: ``conv{k}``, ``bn{k}`` (k = 1 … depth), ``downsample``
    (``None`` or a :class:`PadShortcut`) when ``residual``.
    """

    def __init__(self, in_channels: int, width: int, depth: int, stride: int = 1, kernel_size: int = 3,
                 residual: bool = True):
        super().__init__()
        check_int(in_channels, "in_channels")
        check_int(width, "width")
        check_int(depth, "depth")
        check_int(stride, "stride")
        check_int(kernel_size, "kernel_size")
        check_bool(residual, "residual")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size: expected an odd size (the map keeps its size), got {kernel_size}")
        if width % 2 ** (depth - 1):
            raise ValueError(f"width: a BitBlock of depth {depth} halves its width {depth - 1} times, so width must "
                             f"be divisible by {2 ** (depth - 1)}; got {width}")
        self.in_channels, self.width, self.depth, self.residual = in_channels, width, depth, residual
        self.widths = [width // 2 ** k for k in range(depth)]            # D, D/2, …, D/2^(K−1)
        c_in = in_channels
        for k, w in enumerate(self.widths, start=1):
            self.add_module(f"conv{k}", nn.Conv2d(c_in, w, kernel_size, stride=stride if k == 1 else 1,
                                                  padding=kernel_size // 2, bias=False))
            self.add_module(f"bn{k}", nn.BatchNorm2d(w))
            c_in = w // 2                                                 # the half passed on
        self.relu = nn.ReLU()
        if residual:
            need = stride != 1 or in_channels != width
            self.downsample = PadShortcut(in_channels, width, stride) if need else None

    def tree(self, x: torch.Tensor) -> torch.Tensor:
        """The concatenated outputs of the tree's layers (before the shortcut and the last ReLU)."""
        outputs = []
        for k in range(1, self.depth + 1):
            h = getattr(self, f"bn{k}")(getattr(self, f"conv{k}")(x))
            if k == self.depth:
                outputs.append(h)
            else:
                half = h.shape[1] // 2
                outputs.append(h[:, :half])
                x = self.relu(h[:, half:])
        return torch.cat(outputs, dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.tree(x)
        if self.residual:
            out = out + (x if self.downsample is None else self.downsample(x))
        return self.relu(out)


def bitblock_weights(block: BitBlock) -> int:
    """The number of convolution weights of ``block`` — what :func:`bitnet_param_formula` counts (no batch norm)."""
    return sum(getattr(block, f"conv{k}").weight.numel() for k in range(1, block.depth + 1))


def bitnet_param_formula(L: int, K: int, D: int, kernel_size: int = 1) -> float:
    """Proposition 3.3 of Zhang et al. (2017): 4/3 · L · (1 − 4^−K) · D² weights for L BitBlocks of width D and
    depth K (× ``kernel_size``² for convolutions). Exact for blocks mapping D → D without biases when 2^(K−1)
    divides D; the paper states it as an order O(·) because biases and the first block's input width add terms.
    """
    for value, name in ((L, "L"), (K, "K"), (D, "D"), (kernel_size, "kernel_size")):
        check_int(value, name)
    return 4 / 3 * L * (1 - 4.0 ** -K) * D ** 2 * kernel_size ** 2


def bitnet(depth: int = 14, width: int = 16, block_depth: int = 4, num_classes: int = 10, in_channels: int = 1,
           residual: bool = True) -> nn.Sequential:
    """A BitNet in resnet_cifar's layout: conv 3×3 (``width``) – BN – ReLU – three stages of n
    :class:`BitBlock` s of depth ``block_depth`` K with widths w, 2w, 4w (the first block of stages 2 and 3
    halves the map) – global average pooling – fc.

    Args:
        depth: weight layers, 3·n·K + 2 (depth 14: K = 4, n = 1 or K = 2, n = 2; depth 20: K = 3, n = 2).
        width: channels of the first stage (divisible by 2^(K−1)); the same-depth comparator is
            ``resnet_cifar(depth, width=width)``, whose stages are as wide.
        block_depth: K, the layers of each BitBlock (K = 2 is the wide block with its second layer halved).
        num_classes, in_channels: 10 and 1 for Fashion-MNIST.
        residual: add the (padding) shortcut around each block.

    Returns:
        a ``torch.nn.Sequential`` (``conv1``, ``bn1``, ``relu``, ``layer1``–``layer3``, ``avgpool``, ``flatten``,
        ``fc``) mapping (N, in_channels, H, W) to (N, num_classes).
    """
    check_int(depth, "depth", minimum=5)
    check_int(block_depth, "block_depth")
    check_int(num_classes, "num_classes")
    check_int(in_channels, "in_channels")
    check_int(width, "width")
    if (depth - 2) % (3 * block_depth):
        raise ValueError(f"depth: expected 3·n·K + 2 weight layers with K = block_depth = {block_depth} "
                         f"(e.g. {3 * block_depth + 2}, {6 * block_depth + 2}), got {depth}")
    n = (depth - 2) // (3 * block_depth)
    layers: list[tuple[str, nn.Module]] = [
        ("conv1", nn.Conv2d(in_channels, width, 3, padding=1, bias=False)), ("bn1", nn.BatchNorm2d(width)),
        ("relu", nn.ReLU())]
    channels = width
    for stage, w in enumerate((width, 2 * width, 4 * width), start=1):
        blocks = []
        for i in range(n):
            blocks.append(BitBlock(channels, w, block_depth, stride=2 if (stage > 1 and i == 0) else 1,
                                   residual=residual))
            channels = w
        layers.append((f"layer{stage}", nn.Sequential(*blocks)))
    layers += [("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
               ("fc", nn.Linear(channels, num_classes))]
    model = nn.Sequential(OrderedDict(layers))
    init_he_fan_out(model)
    return model
