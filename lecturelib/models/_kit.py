"""The layers a builder composes, for each implementation: one table instead of an if/elif chain per builder.

``impl`` names the implementation:

* ``"numpy"`` — :mod:`lecturelib.numpy_nn` layer objects in a ``numpy_nn.Sequential`` (initialised
  ``N(0, σ²)`` from ``rng`` with the rule ``init``, in ``dtype``, float32 by default);
* ``"lecturelib"`` — :mod:`lecturelib.torch_nn` modules (hand-written backward passes) in a
  ``torch.nn.Sequential``;
* ``"torch"`` — PyTorch's built-in modules in a ``torch.nn.Sequential``.

The three share parameter names, so :func:`lecturelib.models.copy_weights` moves weights between them.
The two torch forms are initialised as PyTorch initialises its layers; ``rng``/``init`` apply to NumPy only.

Why two layer tables (this one and :mod:`._layers`): this kit serves the course-scale networks built in NumPy
too (LeNet, MLPs), whose ``"lecturelib"`` form uses :class:`lecturelib.torch_nn.Linear` with the lectures'
(in, out) weight layout, so the NumPy and torch_nn weights are the same arrays. :mod:`._layers` serves the
ImageNet architectures, which must load torchvision's ``state_dict`` — (out, in) linear weights, grouped
convolutions, ``num_batches_tracked`` — and have no NumPy form. One table for both would force one of the two
layouts on the other.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._contracts import Seed

IMPLS = ("numpy", "lecturelib", "torch")


@dataclass(frozen=True)
class Kit:
    """Factories: ``conv(c_in, c_out, kernel, stride, pad)``, ``linear(d_in, d_out)``, ``activation[name]()``,
    ``pool[kind](size, stride)``, ``flatten()``, ``sequential([(name, layer), ...])`` (or unnamed layers)."""

    conv: Callable
    linear: Callable
    activation: dict[str, Callable]
    pool: dict[str, Callable]
    flatten: Callable
    sequential: Callable


def check_choice(value: Any, options: Iterable[Any], name: str) -> None:
    """``value`` must be one of ``options`` (a ValueError names them)."""
    if value not in options:
        raise ValueError(f"{name}: expected one of {sorted(options)}, got {value!r}")


def _numpy_kit(init, rng, dtype, device) -> Kit:
    from .. import numpy_nn as nnp

    if device is not None:
        raise ValueError(f"device: NumPy models live on the CPU; pass device only with a torch impl, got {device!r}")
    dtype = np.float32 if dtype is None else dtype

    def sequential(layers):
        return nnp.Sequential(layers, rng=rng, dtype=dtype)

    return Kit(conv=lambda c_in, c_out, k, stride=1, pad=0: nnp.Conv2d(c_in, c_out, k, stride, pad, init=init),
               linear=lambda d_in, d_out: nnp.Linear(d_in, d_out, init=init),
               activation={"identity": nnp.Identity, "sigmoid": nnp.Sigmoid, "tanh": nnp.Tanh, "relu": nnp.ReLU},
               pool={"max": nnp.MaxPool2d, "avg": nnp.AvgPool2d}, flatten=nnp.Flatten, sequential=sequential)


def _torch_common(init, rng, dtype, device) -> tuple[dict, Callable, dict]:
    """What both torch kits share: the factory kwargs, the container and the activations."""
    import torch
    from torch import nn

    if init is not None or rng is not None:
        raise ValueError("init and rng apply to impl='numpy'; torch layers initialise as PyTorch does "
                         "(use lecturelib.models.copy_weights to start from another model's weights)")
    if dtype is not None and not isinstance(dtype, torch.dtype):
        raise TypeError(f"dtype: expected a torch.dtype such as torch.float64 for a torch impl, got {dtype!r}")

    def sequential(layers):
        layers = list(layers)
        if layers and isinstance(layers[0], tuple):
            return nn.Sequential(OrderedDict(layers))
        return nn.Sequential(*layers)

    activation = {"identity": nn.Identity, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "relu": nn.ReLU}
    return {"dtype": dtype, "device": device}, sequential, activation


def _lecturelib_kit(init, rng, dtype, device) -> Kit:
    from .. import torch_nn as tnn

    factory, sequential, activation = _torch_common(init, rng, dtype, device)
    return Kit(conv=lambda c_in, c_out, k, stride=1, pad=0: tnn.Conv2d(c_in, c_out, k, stride, pad, **factory),
               linear=lambda d_in, d_out: tnn.Linear(d_in, d_out, **factory), activation=activation,
               pool={"max": tnn.MaxPool2d, "avg": tnn.AvgPool2d}, flatten=tnn.Flatten, sequential=sequential)


def _builtin_kit(init, rng, dtype, device) -> Kit:
    from torch import nn

    factory, sequential, activation = _torch_common(init, rng, dtype, device)
    return Kit(conv=lambda c_in, c_out, k, stride=1, pad=0: nn.Conv2d(c_in, c_out, k, stride=stride, padding=pad,
                                                                     **factory),
               linear=lambda d_in, d_out: nn.Linear(d_in, d_out, **factory), activation=activation,
               pool={"max": nn.MaxPool2d, "avg": nn.AvgPool2d}, flatten=nn.Flatten, sequential=sequential)


_KITS = {"numpy": _numpy_kit, "lecturelib": _lecturelib_kit, "torch": _builtin_kit}


def kit(impl: str, *, init: str | float | None = None, rng: Seed = None, dtype: Any = None, device: Any = None) -> Kit:
    """The layer factories of implementation ``impl`` (see the module docstring)."""
    check_choice(impl, IMPLS, "impl")
    return _KITS[impl](init, rng, dtype, device)
