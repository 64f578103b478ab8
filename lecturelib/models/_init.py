"""Weight initialisations of the published networks, for layers of either layer set."""

from __future__ import annotations

from torch import nn

from . import _lecturelib_layers as lll

CONV_TYPES = (nn.Conv2d, lll.Conv2d)
LINEAR_TYPES = (nn.Linear, lll.Linear)
BATCH_NORM_TYPES = (nn.BatchNorm2d, lll.BatchNorm2d)


def init_he_fan_out(model: nn.Module, linear_std: float | None = None) -> None:
    """He et al.'s initialisation as torchvision applies it to VGG and ResNet.

    Convolutions: ``kaiming_normal_(mode="fan_out", nonlinearity="relu")`` (std √(2/(out·kh·kw))), biases 0;
    batch norm γ = 1, β = 0; linear layers N(0, ``linear_std``²) with zero biases, or PyTorch's default when
    ``linear_std`` is None.
    """
    for module in model.modules():
        if isinstance(module, CONV_TYPES):
            nn.init.kaiming_normal_(module.weight, mode="fan_out", nonlinearity="relu")
            if module.bias is not None:
                nn.init.zeros_(module.bias)
        elif isinstance(module, BATCH_NORM_TYPES):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
        elif isinstance(module, LINEAR_TYPES) and linear_std is not None:
            nn.init.normal_(module.weight, 0.0, linear_std)
            nn.init.zeros_(module.bias)


def init_truncated_normal(model: nn.Module, std: float = 0.01) -> None:
    """torchvision's GoogLeNet: conv and linear weights from N(0, std²) truncated to [−2, 2]; BN γ = 1, β = 0."""
    for module in model.modules():
        if isinstance(module, CONV_TYPES + LINEAR_TYPES):
            nn.init.trunc_normal_(module.weight, mean=0.0, std=std, a=-2.0, b=2.0)
        elif isinstance(module, BATCH_NORM_TYPES):
            nn.init.ones_(module.weight)
            nn.init.zeros_(module.bias)
