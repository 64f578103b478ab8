"""Network in Network (Lin, Chen & Yan, 2014): mlpconv blocks and global average pooling, no fully connected layer.

The CIFAR-10 model of the paper: three mlpconv blocks, each a k×k convolution followed by two 1×1
convolutions (a small MLP applied at every pixel), all with ReLU; 3×3 max pooling (stride 2) and dropout 0.5
after the first block, 3×3 average pooling (stride 2) and dropout 0.5 after the second; the last 1×1
convolution has one map per class, and global average pooling turns each map into that class's score (the
published model keeps the ReLU on these maps).

========  =====================================  ==========================================
block     layers                                 output for (N, 3, 32, 32) / (N, 1, 28, 28)
========  =====================================  ==========================================
mlpconv1  5×5 192 (pad 2), 1×1 160, 1×1 96       (96, 32, 32) / (96, 28, 28)
pool1     max 3×3 / 2, dropout 0.5               (96, 15, 15) / (96, 13, 13)
mlpconv2  5×5 192 (pad 2), 1×1 192, 1×1 192      (192, 15, 15) / (192, 13, 13)
pool2     average 3×3 / 2, dropout 0.5           (192, 7, 7) / (192, 6, 6)
mlpconv3  3×3 192 (pad 1), 1×1 192, 1×1 classes  (classes, 7, 7) / (classes, 6, 6)
gap       global average pooling, flatten        (classes,)
========  =====================================  ==========================================

With 3 input channels and 10 classes: 966,986 parameters.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._args import check_int
from ._layers import TorchLayers, layer_set

__all__ = ["nin"]


def _mlpconv(L: TorchLayers, in_channels: int, widths: tuple[int, int, int], kernel: int) -> nn.Sequential:
    """k×k convolution then two 1×1 convolutions, each followed by ReLU (the paper's mlpconv layer)."""
    layers: list[nn.Module] = []
    for i, width in enumerate(widths):
        layers += [L.conv(in_channels, width, kernel if i == 0 else 1, 1, kernel // 2 if i == 0 else 0),
                   L.activation()]
        in_channels = width
    return nn.Sequential(*layers)


def nin(num_classes: int = 10, in_channels: int = 3, impl: str = "torch") -> nn.Sequential:
    """Network in Network for CIFAR-10-sized inputs (Lin, Chen & Yan, 2014, "Network in network").

    Args:
        num_classes: maps of the last 1×1 convolution = scores.
        in_channels: 3 for CIFAR-10, 1 for Fashion-MNIST.
        impl: ``"torch"`` or ``"lecturelib"`` (:mod:`lecturelib.torch_nn` layers, same names and shapes).

    Returns:
        a ``torch.nn.Sequential`` (``mlpconv1``, ``pool1``, ``drop1``, ``mlpconv2``, ``pool2``, ``drop2``,
        ``mlpconv3``, ``gap``, ``flatten``) mapping (N, in_channels, H, W), H, W ≥ 15, to (N, num_classes).
        Initialised as PyTorch initialises its layers.
    """
    check_int(num_classes, "num_classes")
    check_int(in_channels, "in_channels")
    L = layer_set(impl)
    return nn.Sequential(OrderedDict([
        ("mlpconv1", _mlpconv(L, in_channels, (192, 160, 96), 5)),
        ("pool1", L.max_pool(3, 2)), ("drop1", L.dropout(0.5)),
        ("mlpconv2", _mlpconv(L, 96, (192, 192, 192), 5)),
        ("pool2", L.avg_pool(3, 2)), ("drop2", L.dropout(0.5)),
        ("mlpconv3", _mlpconv(L, 192, (192, 192, num_classes), 3)),
        ("gap", L.adaptive_avg_pool((1, 1))), ("flatten", L.flatten()),
    ]))
