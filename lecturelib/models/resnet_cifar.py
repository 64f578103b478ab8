"""The CIFAR-10 networks of He et al. (2016, §4.2) at Fashion-MNIST scale: plain and residual, depth 6n + 2.

conv 3×3 (``width`` channels) – batch norm – ReLU – three stages of n blocks with ``width``, 2·``width`` and
4·``width`` channels (the first block of stages 2 and 3 halves the map) – global average pooling – fc. Each
block holds two 3×3 convolutions, so the depth is 6n + 2 weight layers (8, 14, 20, 32, 44, 56, 110, …).
For (N, 1, 28, 28) inputs the maps are 28 → 14 → 7 pixels wide. :func:`plain_net` and :func:`resnet_cifar`
have the same layers and, with the padding shortcut (option A), the same parameters — the pair of the
paper's degradation experiment (figure 6). ``width`` > 16 widens every stage (Zagoruyko & Komodakis's wide
residual networks scale width the same way).
"""

from __future__ import annotations

from torch import nn

from ._args import check_choice, check_int
from ._layers import layer_set
from .blocks import SHORTCUTS, BasicBlock, PlainBlock, stacked_network

__all__ = ["plain_net", "resnet_cifar"]


def _blocks_per_stage(depth) -> int:
    check_int(depth, "depth", minimum=8)
    if (depth - 2) % 6:
        raise ValueError(f"depth: expected 6n + 2 weight layers (8, 14, 20, 32, 44, 56, 110, …), got {depth}")
    return (depth - 2) // 6


def _cifar_net(block: type[nn.Module], depth, num_classes, in_channels, width, impl, **block_args) -> nn.Sequential:
    n = _blocks_per_stage(depth)
    check_int(num_classes, "num_classes")
    check_int(in_channels, "in_channels")
    check_int(width, "width")
    L = layer_set(impl)
    stem = [("conv1", L.conv(in_channels, width, 3, 1, 1, bias=False)), ("bn1", L.batch_norm(width)),
            ("relu", L.activation())]
    return stacked_network(stem, width, block, (width, 2 * width, 4 * width), (n, n, n), num_classes, impl,
                           **block_args)


def resnet_cifar(depth: int = 20, num_classes: int = 10, in_channels: int = 1, width: int = 16,
                 shortcut: str = "pad", impl: str = "torch") -> nn.Sequential:
    """Residual network of depth 6n + 2 with :class:`BasicBlock` s (He et al., 2016, §4.2).

    Args:
        depth: 6n + 2 weight layers, n ≥ 1 (20, 32, 44, 56, 110 in the paper).
        num_classes, in_channels: 10 and 1 for Fashion-MNIST (3 for CIFAR-10).
        width: channels of the first stage (16 in the paper; the stages have width, 2·width, 4·width).
        shortcut: ``"pad"`` (option A, the paper's choice on CIFAR-10: no extra parameters) or
            ``"projection"`` (option B: 1×1 convolution and batch norm where the shape changes).
        impl: ``"torch"`` or ``"lecturelib"``.

    Returns:
        a ``torch.nn.Sequential`` mapping (N, in_channels, H, W) to (N, num_classes). With 3 input channels and
        10 classes ResNet-20/32/44/56/110 have 0.27 / 0.46 / 0.66 / 0.85 / 1.7 M parameters (the paper's
        table 6; ResNet-20: 269,722).
    """
    check_choice(shortcut, SHORTCUTS, "shortcut")
    return _cifar_net(BasicBlock, depth, num_classes, in_channels, width, impl, shortcut=shortcut)


def plain_net(depth: int = 20, num_classes: int = 10, in_channels: int = 1, width: int = 16,
              impl: str = "torch") -> nn.Sequential:
    """The plain counterpart of :func:`resnet_cifar` (He et al., 2016, §4.2): the same layers, no shortcuts.

    Arguments and shapes as :func:`resnet_cifar`; as many parameters as ``resnet_cifar(..., shortcut="pad")``.
    Deeper plain networks reach a higher *training* error than shallower ones (the degradation problem).
    """
    return _cifar_net(PlainBlock, depth, num_classes, in_channels, width, impl)
