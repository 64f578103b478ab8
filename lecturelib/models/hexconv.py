"""Quasi-hexagonal kernels (Sun, Ozay & Okatani, 2016, "Design of kernels in convolutional neural networks for
image classification").

A hexagonal cell has six neighbours; on the square pixel grid, the 3×3 kernel without two corners of one side
approximates that neighbourhood. :class:`HexConv2d` is a 3×3 convolution whose weight is multiplied by a fixed
0/1 mask of that shape, 7 of the 9 entries:

* ``"down"`` (∇): ``[[1, 1, 1], [1, 1, 1], [0, 1, 0]]`` — the two lower corners removed;
* ``"up"`` (Δ): ``[[0, 1, 0], [1, 1, 1], [1, 1, 1]]`` — the two upper corners removed.

As in the paper, the orientation changes from layer to layer (:func:`qh_net` alternates down, up, down, …), so
stacked layers grow receptive fields that are not square. The masked entries are zero from the start and their
gradient is zero (the forward pass multiplies by the mask), so plain or momentum SGD, with or without weight
decay, keeps them at zero; :func:`count_params` counts only the free entries.

:func:`qh_net` builds the same small all-convolutional network with ``kernel="hex"`` or ``kernel="square"``. An
equal parameter budget is reached by giving the square network fewer channels: its default widths
(:data:`QH_WIDTHS`) make its free parameters equal the hex network's to within 1 % (asserted when built with the
defaults). :func:`occlude` hides a square patch of each image, for the paper's occlusion test.
"""

from __future__ import annotations

from collections import OrderedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .._contracts import Seed
from .._random import as_generator
from ._args import check_choice, check_channels, check_int
from ._init import init_he_fan_out

__all__ = ["HEX_MASKS", "HexConv2d", "QH_WIDTHS", "count_params", "occlude", "qh_net"]

HEX_MASKS = {
    "down": torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 1.0], [0.0, 1.0, 0.0]]),   # ∇
    "up": torch.tensor([[0.0, 1.0, 0.0], [1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]),     # Δ
}

#: Channels of the five convolutions of :func:`qh_net` (stage 1: two layers, stage 2: two, stage 3: one).
QH_WIDTHS = {"hex": (16, 16, 32, 32, 64), "square": (14, 14, 28, 28, 57)}


class HexConv2d(nn.Conv2d):
    """A 3×3 convolution with a quasi-hexagonal mask (``orientation`` ``"down"`` ∇ or ``"up"`` Δ), padding 1.

    (N, in_channels, H, W) → (N, out_channels, ⌈H/stride⌉, ⌈W/stride⌉). ``weight`` keeps PyTorch's
    (out, in, 3, 3) shape; the buffer ``mask`` (3, 3) zeroes the two removed corners in every forward pass.
    """

    def __init__(self, in_channels: int, out_channels: int, orientation: str = "down", stride: int = 1,
                 bias: bool = False):
        check_choice(orientation, tuple(HEX_MASKS), "orientation")
        super().__init__(in_channels, out_channels, 3, stride=stride, padding=1, bias=bias)
        self.orientation = orientation
        self.register_buffer("mask", HEX_MASKS[orientation].clone())
        with torch.no_grad():
            self.weight.mul_(self.mask)

    def reset_parameters(self) -> None:
        super().reset_parameters()
        if hasattr(self, "mask"):
            with torch.no_grad():
                self.weight.mul_(self.mask)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.mask, self.bias, self.stride, self.padding)

    def extra_repr(self) -> str:
        return f"{super().extra_repr()}, orientation={self.orientation}"


def count_params(model: nn.Module) -> int:
    """Free trainable parameters of ``model``: every parameter entry, minus the masked-out kernel entries of its
    :class:`HexConv2d` layers (2 of 9 per kernel)."""
    total = sum(p.numel() for p in model.parameters() if p.requires_grad)
    for m in model.modules():
        if isinstance(m, HexConv2d) and m.weight.requires_grad:
            total -= int((m.mask == 0).sum()) * m.in_channels * m.out_channels // m.groups
    return total


def qh_net(kernel: str = "hex", widths: tuple[int, ...] | None = None, num_classes: int = 10,
           in_channels: int = 1) -> nn.Sequential:
    """A small all-convolutional network with quasi-hexagonal (``"hex"``) or square 3×3 kernels.

    conv – BN – ReLU ×2 (``widths[0]``, ``widths[1]``) – max-pool 2 – conv – BN – ReLU ×2 (``widths[2:4]``) –
    max-pool 2 – conv – BN – ReLU (``widths[4]``) – global average pooling – fc. For 28×28 inputs the maps are
    28 → 14 → 7 pixels wide. With ``"hex"`` the five kernels are ∇, Δ, ∇, Δ, ∇.

    Args:
        kernel: ``"hex"`` or ``"square"``.
        widths: five channel counts; ``None`` takes :data:`QH_WIDTHS` ``[kernel]``, with which the two networks
            have equal budgets (hex 7·c_in·c_out per layer with 16/16/32/32/64 channels, square 9·c_in·c_out with
            14/14/28/28/57: free parameters within 1 %, checked here).
        num_classes, in_channels: 10 and 1 for Fashion-MNIST.

    Returns:
        a ``torch.nn.Sequential`` mapping (N, in_channels, H, W) to (N, num_classes); ``conv1`` … ``conv5``.
    """
    check_choice(kernel, ("hex", "square"), "kernel")
    check_int(num_classes, "num_classes")
    check_int(in_channels, "in_channels")
    default = widths is None
    widths = QH_WIDTHS[kernel] if default else check_channels(widths, "widths", 5)
    layers: list[tuple[str, nn.Module]] = []
    c_in = in_channels
    for i, w in enumerate(widths, start=1):
        if kernel == "hex":
            conv: nn.Module = HexConv2d(c_in, w, "down" if i % 2 else "up")
        else:
            conv = nn.Conv2d(c_in, w, 3, padding=1, bias=False)
        layers += [(f"conv{i}", conv), (f"bn{i}", nn.BatchNorm2d(w)), (f"relu{i}", nn.ReLU())]
        if i in (2, 4):
            layers.append((f"pool{i // 2}", nn.MaxPool2d(2)))
        c_in = w
    layers += [("avgpool", nn.AdaptiveAvgPool2d((1, 1))), ("flatten", nn.Flatten()),
               ("fc", nn.Linear(c_in, num_classes))]
    model = nn.Sequential(OrderedDict(layers))
    init_he_fan_out(model)
    for m in model.modules():                      # He's initialisation drew the masked entries too
        if isinstance(m, HexConv2d):
            with torch.no_grad():
                m.weight.mul_(m.mask)
    if default and in_channels == 1 and num_classes == 10:
        other = _budget("square" if kernel == "hex" else "hex")
        mine = count_params(model)
        if abs(mine - other) > 0.01 * max(mine, other):
            raise AssertionError(f"qh_net: default budgets differ by more than 1 %: {mine} vs {other}")
    return model


def _budget(kernel: str) -> int:
    """Free parameters of the default ``qh_net(kernel)`` for Fashion-MNIST, without building it."""
    widths, c_in, total = QH_WIDTHS[kernel], 1, 0
    per_kernel = 7 if kernel == "hex" else 9
    for w in widths:
        total += per_kernel * c_in * w + 2 * w          # convolution + batch norm γ, β
        c_in = w
    return total + c_in * 10 + 10


def occlude(images: torch.Tensor | np.ndarray, size: int = 10, value: float = 0.0,
            rng: Seed = None) -> torch.Tensor | np.ndarray:
    """A copy of ``images`` (N, C, H, W) with one ``size``×``size`` square per image set to ``value``, at a
    position drawn uniformly (inside the image) from ``rng`` — the occlusion test of Sun et al. (2016)."""
    check_int(size, "size")
    n, _, h, w = images.shape
    if size > min(h, w):
        raise ValueError(f"size: the patch ({size}) must fit in the {h}×{w} image")
    gen = as_generator(rng)
    top, left = gen.integers(0, h - size + 1, size=n), gen.integers(0, w - size + 1, size=n)
    out = images.clone() if isinstance(images, torch.Tensor) else np.array(images, copy=True)
    for i in range(n):
        out[i, :, top[i]:top[i] + size, left[i]:left[i] + size] = value
    return out
