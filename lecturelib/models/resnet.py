"""ResNet-18/34/50/101/152 for ImageNet (He, Zhang, Ren & Sun, 2016) in torchvision's layout."""

from __future__ import annotations

from torch import nn

from ._args import check_int, check_int_choice
from ._layers import layer_set
from .blocks import BasicBlock, Bottleneck, stacked_network

__all__ = ["RESNET_CONFIGS", "resnet"]

#: Block type and blocks per stage (conv2_x … conv5_x of the paper's table 1), keyed by depth.
RESNET_CONFIGS: dict[int, tuple[type[nn.Module], tuple[int, int, int, int]]] = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


def resnet(depth: int = 18, num_classes: int = 1000, impl: str = "torch") -> nn.Sequential:
    """ResNet-``depth`` (He et al., 2016, "Deep residual learning for image recognition", table 1),
    ``state_dict``-compatible with ``torchvision.models.resnet{depth}``.

    conv1 7×7/2 (64, no bias) – bn1 – relu – maxpool 3×3/2 – layer1..layer4 (64, 128, 256, 512 channels ×
    expansion; the first block of layer2–4 halves the map) – global average pooling – fc. For (N, 3, 224, 224)
    the maps are 112 → 56 → 56 → 28 → 14 → 7 → 1, and the output is (N, num_classes); any input of at least
    32×32 works. With 1000 classes ResNet-18/34/50/101/152 have 11,689,512 / 21,797,672 / 25,557,032 /
    44,549,160 / 60,192,808 parameters.

    Args:
        depth: 18 or 34 (:class:`BasicBlock`), 50, 101 or 152 (:class:`Bottleneck`).
        num_classes: outputs of ``fc``.
        impl: ``"torch"`` or ``"lecturelib"`` (:mod:`lecturelib.torch_nn` layers, same names and shapes).

    Initialised as torchvision does: He (fan-out) convolutions, batch norm γ = 1, β = 0, PyTorch's default fc.
    """
    check_int_choice(depth, RESNET_CONFIGS, "depth")
    check_int(num_classes, "num_classes")
    L = layer_set(impl)
    block, counts = RESNET_CONFIGS[depth]
    stem = [("conv1", L.conv(3, 64, 7, 2, 3, bias=False)), ("bn1", L.batch_norm(64)), ("relu", L.activation()),
            ("maxpool", L.max_pool(3, 2, 1))]
    return stacked_network(stem, 64, block, (64, 128, 256, 512), counts, num_classes, impl)
