"""AlexNet (Krizhevsky, Sutskever & Hinton, 2012): as published, in torchvision's layout, and at course scale.

The paper's network (``variant="paper"``), input (N, 3, 227, 227):

=====  ================================================  ================  =======  ==========
layer  operation                                         output (C, H, W)  neurons  parameters
=====  ================================================  ================  =======  ==========
conv1  96 × 11×11, stride 4, ReLU, LRN, max 3×3/2        (96, 55, 55)      290,400  34,944
conv2  256 × 5×5, pad 2, 2 groups, ReLU, LRN, max 3×3/2  (256, 27, 27)     186,624  307,456
conv3  384 × 3×3, pad 1 (across both GPUs), ReLU         (384, 13, 13)     64,896   885,120
conv4  384 × 3×3, pad 1, 2 groups, ReLU                  (384, 13, 13)     64,896   663,936
conv5  256 × 3×3, pad 1, 2 groups, ReLU, max 3×3/2       (256, 13, 13)     43,264   442,624
fc6    9216 → 4096, ReLU, dropout 0.5                    (4096,)           4,096    37,752,832
fc7    4096 → 4096, ReLU, dropout 0.5                    (4096,)           4,096    16,781,312
fc8    4096 → 1000                                       (1000,)           1,000    4,097,000
=====  ================================================  ================  =======  ==========

60,965,224 parameters, 58.6 M of them in fc6–fc8. "Neurons" are the output values of the convolution (before
pooling), the count the paper quotes — except conv1: the paper gives 253,440, while 96 maps of 55×55 hold
55·55·96 = 290,400; 253,440/96 = 2,640 is not a square, so no square map of 96 channels has the paper's count
(see :data:`ALEXNET_PAPER_NEURONS`). The paper speaks of 224×224 inputs, but (224 − 11)/4 + 1 is not an
integer; 227 gives the 55×55 maps of its figure.
"""

from __future__ import annotations

from collections import OrderedDict

from torch import nn

from ._args import (check_bool, check_channels, check_choice, check_int, check_int_choice,
                    check_probability)
from ._layers import TorchLayers, layer_set
from ._shapes import window_output_size

__all__ = ["ALEXNET_PAPER_NEURONS", "alexnet", "alexnet_small"]

#: Neurons per layer as the paper states them ("the number of neurons in the network's remaining layers is given
#: by 253,440–186,624–64,896–64,896–43,264–4096–4096–1000"; its input is 150,528 = 224·224·3-dimensional).
#: The conv1 figure disagrees with the 55·55·96 = 290,400 outputs the layer has; the others equal C·H·W of the
#: convolution outputs (before pooling) and the widths of the fully connected layers.
ALEXNET_PAPER_NEURONS: dict[str, int] = {
    "input": 150_528, "conv1": 253_440, "conv2": 186_624, "conv3": 64_896, "conv4": 64_896, "conv5": 43_264,
    "fc6": 4096, "fc7": 4096, "fc8": 1000,
}

#: The paper's input side: (227 − 11)/4 + 1 = 55, the side of conv1's maps.
PAPER_INPUT_SIZE = 227

# (out_channels, kernel, stride, padding, groups) of conv1..conv5 as published; groups=2 is the two-GPU split.
_PAPER_CONVS = [(96, 11, 4, 0, 1), (256, 5, 1, 2, 2), (384, 3, 1, 1, 1), (384, 3, 1, 1, 2), (256, 3, 1, 1, 2)]
_LRN_AFTER = (1, 2)            # response normalization follows conv1 and conv2 ...
_POOL_AFTER = (1, 2, 5)        # ... max pooling follows both normalizations and conv5
_PAPER_UNIT_BIAS = ("conv2", "conv4", "conv5", "fc6", "fc7")   # biases initialised to 1 in the paper


def _feature_side(input_size: int, convs, pool_size: int) -> int:
    """Side of the last pooled feature map for a square input of ``input_size`` (0 if the maps vanish)."""
    side = input_size
    for index, (_, kernel, stride, padding, _) in enumerate(convs, start=1):
        side = window_output_size(side, kernel, stride, padding) if side + 2 * padding >= kernel else 0
        if index in _POOL_AFTER:
            side = window_output_size(side, pool_size, 2) if side >= pool_size else 0
        if side < 1:
            return 0
    return side


def _alexnet_stack(L: TorchLayers, in_channels: int, convs, feature_side: int, hidden: int, num_classes: int,
                   activation: str, pool_size: int, lrn: bool, dropout: float) -> nn.Sequential:
    """conv1..conv5 (activation, LRN after 1 and 2, max pooling after 1, 2 and 5), then fc6, fc7, fc8."""
    layers: list[tuple[str, nn.Module]] = []
    channels = in_channels
    for i, (out, kernel, stride, padding, groups) in enumerate(convs, start=1):
        layers.append((f"conv{i}", L.conv(channels, out, kernel, stride, padding, groups=groups)))
        layers.append((f"{activation}{i}", L.activation(activation)))
        if lrn and i in _LRN_AFTER:
            layers.append((f"norm{i}", L.lrn(n=5, k=2.0, alpha=1e-4, beta=0.75)))
        if i in _POOL_AFTER:
            layers.append((f"pool{i}", L.max_pool(pool_size, 2)))
        channels = out
    layers.append(("flatten", L.flatten()))
    width = channels * feature_side * feature_side
    for i in (6, 7):
        layers.append((f"fc{i}", L.linear(width, hidden)))
        layers.append((f"{activation}{i}", L.activation(activation)))
        if dropout > 0:
            layers.append((f"drop{i}", L.dropout(dropout)))
        width = hidden
    layers.append(("fc8", L.linear(width, num_classes)))
    return nn.Sequential(OrderedDict(layers))


def _init_as_paper(model: nn.Sequential) -> None:
    """Weights ~ N(0, 0.01²); biases 1 in conv2, conv4, conv5, fc6 and fc7, 0 elsewhere (the paper's §5)."""
    for name, module in model.named_children():
        if name.startswith(("conv", "fc")):
            nn.init.normal_(module.weight, 0.0, 0.01)
            nn.init.constant_(module.bias, 1.0 if name in _PAPER_UNIT_BIAS else 0.0)


def _init_he(model: nn.Sequential, activation: str) -> None:
    """He et al.'s (2015) N(0, gain²/fan_in) weights (gain √2 for ReLU, 5/3 for tanh) and zero biases."""
    for name, module in model.named_children():
        if name.startswith(("conv", "fc")):
            nn.init.kaiming_normal_(module.weight, nonlinearity=activation)
            nn.init.zeros_(module.bias)


def _torchvision_alexnet(L: TorchLayers, num_classes: int) -> nn.Sequential:
    """torchvision.models.alexnet's single tower: features.{0,3,6,8,10}, avgpool to 6×6, classifier.{1,4,6}."""
    features = nn.Sequential(
        L.conv(3, 64, 11, 4, 2), L.activation(), L.max_pool(3, 2),
        L.conv(64, 192, 5, 1, 2), L.activation(), L.max_pool(3, 2),
        L.conv(192, 384, 3, 1, 1), L.activation(),
        L.conv(384, 256, 3, 1, 1), L.activation(),
        L.conv(256, 256, 3, 1, 1), L.activation(), L.max_pool(3, 2))
    classifier = nn.Sequential(
        L.dropout(0.5), L.linear(256 * 6 * 6, 4096), L.activation(),
        L.dropout(0.5), L.linear(4096, 4096), L.activation(),
        L.linear(4096, num_classes))
    return nn.Sequential(OrderedDict([("features", features), ("avgpool", L.adaptive_avg_pool((6, 6))),
                                      ("flatten", L.flatten()), ("classifier", classifier)]))


def alexnet(num_classes: int = 1000, variant: str = "paper", impl: str = "torch") -> nn.Sequential:
    """AlexNet (Krizhevsky, Sutskever & Hinton, 2012, "ImageNet classification with deep convolutional neural
    networks").

    Args:
        num_classes: outputs of the last layer (1000 for ILSVRC).
        variant: ``"paper"`` — the network as published (see the module's table): input (N, 3, 227, 227),
            conv2, conv4 and conv5 in two groups of channels (the two GPUs: each half sees only the maps on its
            own GPU; conv3 and the fully connected layers take both halves), ReLU after every layer, local
            response normalization after conv1 and conv2 (n = 5, k = 2, α = 1e-4, β = 0.75 in the paper's
            formula), overlapping max pooling 3×3 stride 2 after conv1, conv2 and conv5, dropout 0.5 after fc6
            and fc7; weights initialised as in the paper (N(0, 0.01²), biases 1 in conv2, conv4, conv5, fc6,
            fc7 and 0 elsewhere); 60,965,224 parameters with 1000 classes. Layers are named ``conv1`` …
            ``conv5``, ``relu1``, ``norm1``, ``pool1``, …, ``fc6``, ``drop6``, …, ``fc8``.
            ``"torchvision"`` — the single-tower layout of ``torchvision.models.alexnet`` (64-192-384-256-256
            channels, no LRN, input (N, 3, 224, 224) or larger, adaptive average pooling to 6×6, dropout before
            fc6 and fc7); 61,100,840 parameters; its ``state_dict`` has torchvision's names and shapes
            (``features.0.weight`` …, ``classifier.6.bias``), so torchvision's ImageNet weights load into it.
        impl: ``"torch"`` (PyTorch's layers) or ``"lecturelib"`` (:mod:`lecturelib.torch_nn`'s layers with
            hand-written backward passes; same parameter names and shapes).

    Returns:
        a ``torch.nn.Sequential`` mapping (N, 3, H, W) images to (N, num_classes) scores.
    """
    check_int(num_classes, "num_classes")
    check_choice(variant, ("paper", "torchvision"), "variant")
    L = layer_set(impl)
    if variant == "torchvision":
        return _torchvision_alexnet(L, num_classes)
    model = _alexnet_stack(L, 3, _PAPER_CONVS, _feature_side(PAPER_INPUT_SIZE, _PAPER_CONVS, 3), 4096,
                           num_classes, "relu", 3, True, 0.5)
    _init_as_paper(model)
    return model


def alexnet_small(num_classes: int = 10, in_channels: int = 1, input_size: int = 28,
                  channels: tuple[int, int, int, int, int] = (16, 32, 48, 48, 32), hidden: int = 256,
                  groups: int = 1, activation: str = "relu", pool_size: int = 3, lrn: bool = True,
                  dropout: float = 0.5, impl: str = "torch") -> nn.Sequential:
    """AlexNet's structure at Fashion-MNIST scale (Krizhevsky et al., 2012, with fewer channels).

    conv1 5×5 pad 2 (instead of 11×11 stride 4, which a 28×28 image cannot afford), conv2 5×5 pad 2,
    conv3–conv5 3×3 pad 1; the activation after every layer; LRN (the paper's n, k, α, β) after conv1 and
    conv2; max pooling ``pool_size``×``pool_size`` stride 2 after conv1, conv2 and conv5 (3 overlaps as in the
    paper, 2 does not); fc6 and fc7 with ``hidden`` units and dropout ``dropout``; fc8 with ``num_classes``.
    Layer names as :func:`alexnet` ``(variant="paper")``. Weights are initialised N(0, gain²/fan_in) (He et al.,
    2015; gain √2 for ReLU, 5/3 for tanh) with zero biases: with PyTorch's default initialisation the signal
    shrinks through the eight layers and the network starts to learn only slowly.

    For (N, 1, 28, 28) inputs and the defaults the maps are 28 → 13 → 6 → 2 pixels wide (with
    ``pool_size=2``: 28 → 14 → 7 → 3), and the output is (N, num_classes).

    Args:
        num_classes, in_channels, input_size: 10, 1 and 28 for Fashion-MNIST (square inputs).
        channels: output channels of conv1..conv5 (the paper's are 96, 256, 384, 384, 256).
        hidden: width of fc6 and fc7 (4096 in the paper).
        groups: channel groups of conv2, conv4 and conv5 (2 for the paper's two-GPU split).
        activation: ``"relu"`` or ``"tanh"`` (the paper's figure 1 compares them).
        pool_size: 3 (overlapping, as published) or 2 (non-overlapping).
        lrn: local response normalization after conv1 and conv2.
        dropout: drop probability in fc6 and fc7; 0 leaves dropout out.
        impl: ``"torch"`` or ``"lecturelib"``, as :func:`alexnet`.
    """
    for name, value in (("num_classes", num_classes), ("in_channels", in_channels), ("hidden", hidden),
                        ("groups", groups)):
        check_int(value, name)
    check_int(input_size, "input_size")
    check_choice(activation, ("relu", "tanh"), "activation")
    check_int_choice(pool_size, (2, 3), "pool_size")
    check_bool(lrn, "lrn")
    dropout = check_probability(dropout, "dropout")
    widths = check_channels(channels, "channels", 5)
    for i in (1, 3, 4):  # conv2, conv4 and conv5 are grouped: their input and output channels must divide
        if widths[i - 1] % groups or widths[i] % groups:
            raise ValueError(f"groups={groups} must divide the channels of conv{i + 1}'s input and output, "
                             f"got channels={widths}")
    convs = [(widths[0], 5, 1, 2, 1), (widths[1], 5, 1, 2, groups), (widths[2], 3, 1, 1, 1),
             (widths[3], 3, 1, 1, groups), (widths[4], 3, 1, 1, groups)]
    side = _feature_side(input_size, convs, pool_size)
    if side < 1:
        smallest = next(n for n in range(1, 1024) if _feature_side(n, convs, pool_size) >= 1)
        raise ValueError(f"input_size: expected at least {smallest} pixels for three {pool_size}×{pool_size} "
                         f"poolings of stride 2, got {input_size}")
    model = _alexnet_stack(layer_set(impl), in_channels, convs, side, hidden, num_classes, activation, pool_size,
                           lrn, dropout)
    _init_he(model, activation)
    return model
