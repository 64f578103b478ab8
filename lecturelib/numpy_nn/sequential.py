"""``Sequential``: a chain of NumPy layers that is itself a layer, so blocks nest (lecture 000, Algorithm 1/2).

Forward ``z^0 = x``, ``z^l = f_l(z^{l−1})``; backward ``δ^{l−1} = f_l'(δ^l)`` in reverse order, each layer
storing the gradients of its own parameters. The parameters of the whole chain are listed as
``"name.key"`` (``"conv1.weight"``, ``"block1.conv2.bias"`` when nested) — the names of the PyTorch twins'
``state_dict`` — and are the children's arrays themselves, so an optimizer updating ``params`` in place
trains every layer.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from .._contracts import Seed

import numpy as np
from numpy.typing import DTypeLike

from .layer import Container, Layer, check_float_dtype
from .losses import softmax_cross_entropy

__all__ = ["Sequential"]


def _check_layers(layers) -> OrderedDict:
    items = list(layers.items()) if isinstance(layers, Mapping) else list(layers)
    if not items:
        raise ValueError("layers: expected at least one (name, layer) pair, got none")
    out = OrderedDict()
    for item in items:
        if not (isinstance(item, tuple) and len(item) == 2):
            raise TypeError(f"layers: expected (name, layer) pairs, got {item!r}")
        name, layer = item
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"layers: a name must be a non-empty str without '.', got {name!r}")
        if name in out:
            raise ValueError(f"layers: the name {name!r} appears twice")
        if not isinstance(layer, Layer):
            raise TypeError(f"layers: {name!r} must be a lecturelib.numpy_nn Layer, got {type(layer).__name__}")
        out[name] = layer
    return out


class Sequential(Container):
    """A chain of NumPy layers with named parameters; a :class:`Layer` itself, so chains nest.

    Args:
        layers: ``[(name, layer), ...]`` or a mapping; names are unique and contain no ``"."``.
        rng: ``numpy.random.Generator``, int seed or ``None`` (the library's generator) for the initial
            parameters, drawn layer by layer in order. A ``Sequential`` nested in another is re-initialised
            by the outer one, so a model is one function of the outer ``rng``.
        dtype: float32 (speed) or float64 (gradient checks).

    Attributes:
        params: read-only mapping ``{"name.weight": array, ...}`` in layer order (the layers' own arrays).
        grads: the same keys, filled by :meth:`backward`.
    """

    def __init__(self, layers: Iterable[Layer] | Mapping[str, Layer], rng: Seed = None, dtype: DTypeLike = np.float32) -> None:
        super().__init__()
        self.layers = _check_layers(layers)
        self.dtype = check_float_dtype(dtype)
        self.init_params(rng, self.dtype)

    def _children(self) -> list[tuple[str, Layer]]:
        return list(self.layers.items())

    def init_params(self, rng: Seed = None, dtype: DTypeLike | None = None) -> Sequential:
        """(Re-)draw every layer's parameters, in order, from one generator; returns the model."""
        self.dtype = check_float_dtype(self.dtype if dtype is None else dtype)
        return super().init_params(rng, self.dtype)

    def forward(self, x: np.ndarray, train: bool = True,
                return_all: bool = False) -> np.ndarray | list[tuple[str, np.ndarray]]:
        """Scores of x (N, ...); with ``return_all`` a list ``[(name, output), ...]`` of every layer's output."""
        outs = []
        for name, layer in self.layers.items():
            x = layer.forward(x, train)
            if return_all:
                outs.append((name, x))
        self.cache = True
        return outs if return_all else x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """Back-propagate ``dout = ∂J/∂(output)`` through every layer in reverse order; return ``∂J/∂x``.

        The parameter gradients are stored in ``grads`` (keys and order of ``params``).
        """
        self._cached()
        for layer in reversed(self.layers.values()):
            dout = layer.backward(dout)
        self._collect_grads()
        return dout

    def loss(self, x: np.ndarray, y: np.ndarray,
             loss_fn: Callable = softmax_cross_entropy) -> tuple[float, dict[str, np.ndarray]]:
        """Forward, loss and backward: ``(J, grads)``."""
        J, du = loss_fn(self.forward(x), y)
        self.backward(du)
        return J, self.grads

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class indices ``argmax_k`` of the scores (test mode)."""
        return self.forward(x, train=False).argmax(axis=1)

    def macs(self, in_shape: tuple[int, ...]) -> int:
        """Multiply–adds per sample: the layers' sums, following the shapes through a zero sample."""
        total, x = 0, np.zeros((1, *in_shape), dtype=self.dtype)
        for layer in self.layers.values():
            total += layer.macs(tuple(x.shape[1:]))
            x = layer.forward(x, train=False)
        return total
