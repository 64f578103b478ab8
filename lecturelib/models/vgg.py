"""VGG (Simonyan & Zisserman, 2015): configurations A, B, D and E in torchvision's layout.

Every convolution is 3×3 with padding 1 (the map keeps its size) and is followed by ReLU (and, with
``batch_norm=True``, by batch norm before the ReLU, as ``torchvision.models.vgg*_bn``); "M" is 2×2 max
pooling with stride 2, which halves the map: 224 → 112 → 56 → 28 → 14 → 7. Two stacked 3×3 convolutions see
a 5×5 window with 2·9·C² weights instead of 25·C², three see 7×7 with 27·C² instead of 49·C².
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._args import check_bool, check_int, check_int_choice
from ._init import init_he_fan_out
from ._layers import TorchLayers, layer_set

__all__ = ["VGG_CONFIGS", "vgg"]

#: Convolution widths per configuration ("M": max pooling), keyed by depth (weight layers = convolutions + 3).
VGG_CONFIGS: dict[int, list[int | str]] = {
    11: [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],                       # A
    13: [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],              # B
    16: [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"],  # D
    19: [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
         512, 512, 512, 512, "M"],                                                              # E
}


def _vgg_features(L: TorchLayers, config, batch_norm: bool) -> nn.Sequential:
    layers: list[nn.Module] = []
    channels = 3
    for item in config:
        if item == "M":
            layers.append(L.max_pool(2, 2))
            continue
        layers.append(L.conv(channels, item, 3, 1, 1))
        if batch_norm:
            layers.append(L.batch_norm(item))
        layers.append(L.activation())
        channels = item
    return nn.Sequential(*layers)


def vgg(depth: int = 16, batch_norm: bool = False, num_classes: int = 1000, impl: str = "torch") -> nn.Sequential:
    """VGG-``depth`` (Simonyan & Zisserman, 2015, "Very deep convolutional networks for large-scale image
    recognition"), ``state_dict``-compatible with ``torchvision.models.vgg{depth}[_bn]``.

    Args:
        depth: 11, 13, 16 or 19 weight layers — the paper's configurations A, B, D and E.
        batch_norm: batch norm after every convolution (not in the paper; torchvision's ``_bn`` models).
        num_classes: outputs of the last layer.
        impl: ``"torch"`` or ``"lecturelib"`` (:mod:`lecturelib.torch_nn` layers, same names and shapes).

    Returns:
        a ``torch.nn.Sequential`` (``features``, ``avgpool`` to 7×7, ``flatten``, ``classifier`` = 25088 → 4096
        → 4096 → ``num_classes`` with ReLU and dropout 0.5) mapping (N, 3, 224, 224) to (N, num_classes).
        With 1000 classes VGG-11/13/16/19 have 132,863,336 / 133,047,848 / 138,357,544 / 143,667,240
        parameters. Initialised as torchvision does (He fan-out convolutions, N(0, 0.01²) linear layers).
    """
    check_int_choice(depth, VGG_CONFIGS, "depth")
    check_bool(batch_norm, "batch_norm")
    check_int(num_classes, "num_classes")
    L = layer_set(impl)
    classifier = nn.Sequential(
        L.linear(512 * 7 * 7, 4096), L.activation(), L.dropout(0.5),
        L.linear(4096, 4096), L.activation(), L.dropout(0.5),
        L.linear(4096, num_classes))
    model = nn.Sequential(OrderedDict([("features", _vgg_features(L, VGG_CONFIGS[depth], batch_norm)),
                                       ("avgpool", L.adaptive_avg_pool((7, 7))), ("flatten", L.flatten()),
                                       ("classifier", classifier)]))
    init_he_fan_out(model, linear_std=0.01)
    return model
