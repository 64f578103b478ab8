"""GoogLeNet / Inception v1 (Szegedy et al., 2015, "Going deeper with convolutions") in torchvision's layout.

As ``torchvision.models.googlenet(aux_logits=False, transform_input=False, init_weights=True)``: every
convolution is a :class:`BasicConv2d` (convolution without bias, batch norm with ε = 0.001, ReLU — the batch
norm is torchvision's addition to the paper), max pooling uses ``ceil_mode``, and the "5×5" branch of each
Inception module is a 3×3 convolution (a known deviation of torchvision's implementation from the paper, kept
here because its ImageNet weights have that shape). For (N, 3, 224, 224) inputs the maps are
112 → 56 → 28 (inception 3a, 3b) → 14 (4a–4e) → 7 (5a, 5b) → 1, then dropout 0.2 and fc 1024 → num_classes.
"""

from __future__ import annotations

from collections import namedtuple

import torch
from torch import nn

from ._args import check_bool, check_int
from ._init import init_truncated_normal
from ._layers import layer_set

__all__ = ["BasicConv2d", "GoogLeNet", "GoogLeNetOutputs", "INCEPTION_CONFIGS", "Inception", "InceptionAux",
           "googlenet"]

#: Training-mode output with auxiliary classifiers (torchvision's field order).
GoogLeNetOutputs = namedtuple("GoogLeNetOutputs", ["logits", "aux_logits2", "aux_logits1"])

#: Inception modules: (in, #1×1, #3×3 reduce, #3×3, #5×5 reduce, #5×5, pool proj) — the paper's table 1.
INCEPTION_CONFIGS: dict[str, tuple[int, int, int, int, int, int, int]] = {
    "3a": (192, 64, 96, 128, 16, 32, 32), "3b": (256, 128, 128, 192, 32, 96, 64),
    "4a": (480, 192, 96, 208, 16, 48, 64), "4b": (512, 160, 112, 224, 24, 64, 64),
    "4c": (512, 128, 128, 256, 24, 64, 64), "4d": (512, 112, 144, 288, 32, 64, 64),
    "4e": (528, 256, 160, 320, 32, 128, 128),
    "5a": (832, 256, 160, 320, 32, 128, 128), "5b": (832, 384, 192, 384, 48, 128, 128),
}


class BasicConv2d(nn.Module):
    """Convolution (no bias) – batch norm (ε = 0.001) – ReLU: (N, in, H, W) → (N, out, H_out, W_out)."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, stride: int = 1,
                 padding: int = 0, impl: str = "torch"):
        super().__init__()
        L = layer_set(impl)
        self.conv = L.conv(in_channels, out_channels, kernel_size, stride, padding, bias=False)
        self.bn = L.batch_norm(out_channels, eps=0.001)
        self.relu = L.activation()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    """Four parallel branches concatenated along the channels: (N, in, H, W) → (N, ch1x1 + ch3x3 + ch5x5 +
    pool_proj, H, W).

    branch1: 1×1; branch2: 1×1 reduction to ``ch3x3red``, then 3×3; branch3: 1×1 reduction to ``ch5x5red``,
    then a 3×3 convolution (5×5 in the paper; torchvision's kernel kept); branch4: 3×3 max pooling (stride 1),
    then a 1×1 projection. The 1×1 reductions are what makes the module affordable.
    """

    def __init__(self, in_channels: int, ch1x1: int, ch3x3red: int, ch3x3: int, ch5x5red: int, ch5x5: int,
                 pool_proj: int, impl: str = "torch"):
        super().__init__()
        L = layer_set(impl)
        self.branch1 = BasicConv2d(in_channels, ch1x1, 1, impl=impl)
        self.branch2 = nn.Sequential(BasicConv2d(in_channels, ch3x3red, 1, impl=impl),
                                     BasicConv2d(ch3x3red, ch3x3, 3, padding=1, impl=impl))
        self.branch3 = nn.Sequential(BasicConv2d(in_channels, ch5x5red, 1, impl=impl),
                                     BasicConv2d(ch5x5red, ch5x5, 3, padding=1, impl=impl))
        self.branch4 = nn.Sequential(L.max_pool(3, 1, 1, ceil_mode=True),
                                     BasicConv2d(in_channels, pool_proj, 1, impl=impl))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], dim=1)


class InceptionAux(nn.Module):
    """Auxiliary classifier: average pooling to 4×4, 1×1 convolution (128), fc 2048 → 1024, ReLU, dropout 0.7,
    fc 1024 → num_classes: (N, in, 14, 14) → (N, num_classes)."""

    def __init__(self, in_channels: int, num_classes: int, impl: str = "torch"):
        super().__init__()
        L = layer_set(impl)
        self.pool = L.adaptive_avg_pool((4, 4))
        self.conv = BasicConv2d(in_channels, 128, 1, impl=impl)
        self.flatten = L.flatten()
        self.fc1 = L.linear(2048, 1024)
        self.relu = L.activation()
        self.dropout = L.dropout(0.7)
        self.fc2 = L.linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.flatten(self.conv(self.pool(x)))
        return self.fc2(self.dropout(self.relu(self.fc1(x))))


class GoogLeNet(nn.Module):
    """GoogLeNet as torchvision builds it; see :func:`googlenet`."""

    def __init__(self, num_classes: int = 1000, aux_logits: bool = False, impl: str = "torch"):
        super().__init__()
        L = layer_set(impl)
        self.aux_logits = aux_logits
        self.conv1 = BasicConv2d(3, 64, 7, stride=2, padding=3, impl=impl)
        self.maxpool1 = L.max_pool(3, 2, ceil_mode=True)
        self.conv2 = BasicConv2d(64, 64, 1, impl=impl)
        self.conv3 = BasicConv2d(64, 192, 3, padding=1, impl=impl)
        self.maxpool2 = L.max_pool(3, 2, ceil_mode=True)
        self.inception3a, self.inception3b = (Inception(*INCEPTION_CONFIGS[k], impl=impl) for k in ("3a", "3b"))
        self.maxpool3 = L.max_pool(3, 2, ceil_mode=True)
        for key in ("4a", "4b", "4c", "4d", "4e"):
            setattr(self, f"inception{key}", Inception(*INCEPTION_CONFIGS[key], impl=impl))
        self.maxpool4 = L.max_pool(2, 2, ceil_mode=True)
        self.inception5a, self.inception5b = (Inception(*INCEPTION_CONFIGS[k], impl=impl) for k in ("5a", "5b"))
        if aux_logits:
            self.aux1 = InceptionAux(512, num_classes, impl=impl)
            self.aux2 = InceptionAux(528, num_classes, impl=impl)
        self.avgpool = L.adaptive_avg_pool((1, 1))
        self.flatten = L.flatten()
        self.dropout = L.dropout(0.2)
        self.fc = L.linear(1024, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor | GoogLeNetOutputs:
        x = self.maxpool1(self.conv1(x))
        x = self.maxpool2(self.conv3(self.conv2(x)))
        x = self.maxpool3(self.inception3b(self.inception3a(x)))
        x = self.inception4a(x)
        with_aux = self.aux_logits and self.training
        aux1 = self.aux1(x) if with_aux else None
        x = self.inception4d(self.inception4c(self.inception4b(x)))
        aux2 = self.aux2(x) if with_aux else None
        x = self.maxpool4(self.inception4e(x))
        x = self.inception5b(self.inception5a(x))
        logits = self.fc(self.dropout(self.flatten(self.avgpool(x))))
        return GoogLeNetOutputs(logits, aux2, aux1) if with_aux else logits


def googlenet(num_classes: int = 1000, aux_logits: bool = False, impl: str = "torch") -> GoogLeNet:
    """GoogLeNet (Szegedy et al., 2015), ``state_dict``-compatible with ``torchvision.models.googlenet``.

    Args:
        num_classes: outputs of ``fc`` (and of the auxiliary classifiers).
        aux_logits: add the two auxiliary classifiers ``aux1`` (after inception 4a, 512 channels) and ``aux2``
            (after 4d, 528 channels) with torchvision's names; in training mode the model then returns
            :data:`GoogLeNetOutputs` ``(logits, aux_logits2, aux_logits1)``, in eval mode the logits only.
        impl: ``"torch"`` or ``"lecturelib"`` (:mod:`lecturelib.torch_nn` layers, same names and shapes).

    Returns:
        a :class:`GoogLeNet` mapping (N, 3, 224, 224) to (N, num_classes) — 6,624,904 parameters with 1000
        classes and no auxiliary classifiers (13,004,888 with them). Initialised as torchvision's
        ``init_weights=True``: conv and linear weights N(0, 0.01²) truncated to [−2, 2], batch norm γ = 1, β = 0.
    """
    check_int(num_classes, "num_classes")
    check_bool(aux_logits, "aux_logits")
    model = GoogLeNet(num_classes, aux_logits, impl)
    init_truncated_normal(model)
    return model
