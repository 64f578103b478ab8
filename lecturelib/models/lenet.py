"""LeNet-5 (LeCun et al., 1998): conv 5×5×6 – act – pool 2 – conv 5×5×16 – act – pool 2 – fc 120 – act – fc 84 –
act – fc 10, with every C3 map connected to every S2 map. On 28×28 inputs the first convolution pads by 2, so
the feature maps have the sizes of the original 32×32 design (28 → 14 → 10 → 5)."""

from __future__ import annotations

from typing import Any

from .._contracts import conv_output_size, positive_int
from .._contracts import Seed
from ._kit import check_choice, kit

__all__ = ["LENET5_ACTIVATIONS", "LENET5_POOLS", "lenet5"]

LENET5_ACTIVATIONS = ("relu", "tanh")
LENET5_POOLS = ("max", "avg")


def lenet5(activation: str = "relu", pool: str = "max", in_channels: int = 1, num_classes: int = 10,
           input_size: int = 28, pad1: int = 2, *, impl: str = "numpy", init: str | float | None = None, rng: Seed = None, dtype: Any = None,
           device: Any = None) -> Any:
    """LeNet-5 in one of three implementations with the same layers and parameter names.

    Layers ``conv1, act1, pool1, conv2, act2, pool2, flatten, fc1, act3, fc2, act4, fc3``; parameters
    ``conv1.weight`` (6, C, 5, 5) … ``fc3.bias`` (10,). With the defaults: 61,706 parameters
    (156 + 2,416 + 48,120 + 10,164 + 850).

    Args:
        activation: ``"relu"`` (default) or ``"tanh"``; pool: ``"max"`` (default) or ``"avg"`` (2×2, stride 2).
        in_channels, num_classes: 1 and 10 for Fashion-MNIST.
        input_size: side of the square input (28 for Fashion-MNIST, 32 in the original).
        pad1: zero padding of the first convolution (2 for 28×28 inputs, so conv1's maps are 28×28).
        impl: ``"numpy"`` (a ``numpy_nn.Sequential``), ``"lecturelib"`` (``torch_nn`` modules) or ``"torch"``
            (PyTorch's built-ins; ``nn.Linear`` stores its weight as (out, in)).
        init: NumPy only — σ of ``W ~ N(0, σ²)`` or a rule of :func:`lecturelib.numpy_nn.init_std`
            (default He for ReLU, LeCun for tanh); biases start at 0.
        rng, dtype: NumPy: generator/seed and float dtype (float32 by default); torch: ``dtype`` a
            ``torch.dtype``. device: torch only.
    """
    check_choice(activation, LENET5_ACTIVATIONS, "activation")
    check_choice(pool, LENET5_POOLS, "pool")
    in_channels, num_classes = positive_int(in_channels, "in_channels"), positive_int(num_classes, "num_classes")
    s = conv_output_size(positive_int(input_size, "input_size"), 5, 1, pad1)   # conv1
    try:
        s = conv_output_size(conv_output_size(conv_output_size(s, 2, 2), 5), 2, 2)  # pool1, conv2, pool2
    except ValueError:
        raise ValueError(f"input_size {input_size} (pad1 {pad1}) is too small for LeNet-5") from None
    if impl == "numpy" and init is None:
        init = "he" if activation == "relu" else "lecun"
    k = kit(impl, init=init, rng=rng, dtype=dtype, device=device)
    act, pooling = k.activation[activation], k.pool[pool]
    return k.sequential([
        ("conv1", k.conv(in_channels, 6, 5, 1, pad1)), ("act1", act()), ("pool1", pooling(2, 2)),
        ("conv2", k.conv(6, 16, 5, 1, 0)), ("act2", act()), ("pool2", pooling(2, 2)),
        ("flatten", k.flatten()),
        ("fc1", k.linear(16 * s * s, 120)), ("act3", act()),
        ("fc2", k.linear(120, 84)), ("act4", act()),
        ("fc3", k.linear(84, num_classes)),
    ])
