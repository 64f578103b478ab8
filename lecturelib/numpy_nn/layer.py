"""The NumPy layer protocol: objects around the ``*_forward``/``*_backward`` functions that own their parameters.

A :class:`Layer` keeps

* ``params`` — a read-only mapping ``name → array`` (``{"weight": W, "bias": b}`` or empty). The arrays are
  updated **in place** (by a :mod:`lecturelib.numpy_nn` optimizer, or by ``set_weights``), never replaced, so
  a container that lists its children's arrays (:class:`~lecturelib.numpy_nn.Sequential`) always sees the
  current values;
* ``grads`` — a dict with the keys of ``params``, filled by :meth:`Layer.backward`;

and implements

* ``forward(x, train=True)`` → the output ``z`` (keeping the cache the backward pass needs) and
* ``backward(dout)`` → ``∂J/∂x`` for ``dout = ∂J/∂z``, storing ``∂J/∂params`` in ``grads``.

Parameters are drawn by ``init_params(rng, dtype)``; a container draws its children's in order, so a whole
model is one function of one generator.
"""

from __future__ import annotations

from types import MappingProxyType
from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .._random import as_generator
from .._contracts import Seed

__all__ = ["Container", "Layer", "check_float_dtype", "prefixed"]


def check_float_dtype(dtype: Any) -> np.dtype:
    """``dtype`` as a NumPy floating dtype (float32 for speed, float64 for gradient checks)."""
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype: expected a NumPy floating dtype such as np.float32, got {dtype!r}") from None
    if not np.issubdtype(dt, np.floating):
        raise TypeError(f"dtype: expected a NumPy floating dtype such as np.float32, got {dt}")
    return dt


class Layer:
    """Base class of the NumPy layers; see the module docstring for the protocol."""

    def __init__(self) -> None:
        self.params: MappingProxyType = MappingProxyType({})
        self.grads: dict[str, np.ndarray] = {}
        self.cache: Any = None

    # --- parameters ---------------------------------------------------------------------------------------
    def _draw(self, rng: np.random.Generator, dtype: np.dtype) -> dict[str, np.ndarray]:
        """The initial parameters of this layer (none by default)."""
        return {}

    def init_params(self, rng: Seed = None, dtype: DTypeLike = np.float32) -> Layer:
        """Draw the initial parameters from ``rng`` (a Generator, an int seed or ``None`` = the library's
        generator) in ``dtype``; returns the layer."""
        self.params = MappingProxyType(self._draw(as_generator(rng), check_float_dtype(dtype)))
        self.grads = {}
        return self

    def _param(self, name: str) -> np.ndarray:
        try:
            return self.params[name]
        except KeyError:
            raise ValueError(f"{type(self).__name__} has no parameter {name!r} yet: call init_params(rng, dtype) "
                             "or put the layer in a Sequential") from None

    @property
    def num_params(self) -> int:
        """Number of trainable numbers."""
        return int(sum(p.size for p in self.params.values()))

    # --- passes -------------------------------------------------------------------------------------------
    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def _cached(self) -> Any:
        """The cache of the last forward pass; a clear error if there was none."""
        if self.cache is None:
            raise ValueError(f"{type(self).__name__}.backward called before forward")
        return self.cache

    def macs(self, in_shape: tuple[int, ...]) -> int:
        """Multiply–adds per sample for one input of shape ``in_shape`` (without the batch axis)."""
        return 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""


def prefixed(children: Iterable[tuple[str, Layer]], attribute: str) -> dict[str, np.ndarray]:
    """``{"child.key": array}`` from each ``(name, layer)``'s ``params`` or ``grads``, in child order."""
    return {f"{name}.{key}": value for name, layer in children for key, value in getattr(layer, attribute).items()}


class Container(Layer):
    """A layer made of named child layers (``_children()``): their parameters are its own, as ``"child.key"``."""

    def _children(self) -> list[tuple[str, Layer]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def init_params(self, rng: Seed = None, dtype: DTypeLike = np.float32) -> Container:
        """(Re-)draw every child's parameters, in order, from one generator; returns the layer."""
        rng = as_generator(rng)
        for _, layer in self._children():
            layer.init_params(rng, dtype)
        self.params = MappingProxyType(prefixed(self._children(), "params"))
        self.grads = {}
        return self

    def _collect_grads(self) -> None:
        self.grads = prefixed(self._children(), "grads")

    def __repr__(self) -> str:
        lines = [f"  ({name}): {repr(layer).replace(chr(10), chr(10) + '  ')}" for name, layer in self._children()]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
