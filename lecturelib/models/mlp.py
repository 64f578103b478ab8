"""Fully connected networks: the NumPy :class:`MLP` in the lectures' notation and :func:`mlp`, one builder for
its three forms (NumPy, ``torch_nn`` layers, PyTorch's built-ins)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from .. import numpy_nn as nnp
from .._contracts import positive_int
from .._contracts import Seed
from .._random import as_generator
from ..numpy_nn.activations import ACTIVATIONS
from ..numpy_nn.layer import check_float_dtype
from ._kit import check_choice, kit

__all__ = ["MLP", "mlp"]


def check_sizes(sizes: Any) -> list[int]:
    """``[D_0, ..., D_L]``: at least two positive ints."""
    if isinstance(sizes, np.ndarray):
        sizes = sizes.tolist()
    if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence):
        raise ValueError(f"sizes: expected a list [D_in, ..., D_out] of positive ints, got {sizes!r}")
    if len(sizes) < 2:
        raise ValueError(f"sizes: expected at least [D_in, D_out], got {list(sizes)}")
    return [positive_int(s, f"sizes[{i}]") for i, s in enumerate(sizes)]


class MLP:
    """Fully connected network ``z^0 = x``, ``u^l = (W^l)^T z^{l-1} + b^l``, ``z^l = h^l(u^l)``, l = 1..L.

    Hidden layers use ``activation``; the output layer is linear (``z^L = u^L``, the scores), so a loss such
    as :func:`lecturelib.numpy_nn.softmax_cross_entropy` supplies ``δ^L = ∂J/∂u^L``. A batch is stored
    row-wise: ``z^l`` has shape (N, D_l) and the per-sample formulas become matrix products.

    Args:
        sizes: ``[D_0, D_1, ..., D_L]`` (input size, hidden sizes, number of outputs).
        activation: ``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"identity"`` or a pair ``(h, h')``.
        init: σ of ``W^l_ij ~ N(0, σ²)`` — a number, or a rule name per layer (see :func:`init_std`).
        bias_init: ε_b of ``b^l_j ~ N(0, ε_b²)``; 0 (default) gives zero biases. The lecture uses ε_b = ε.
        rng: ``numpy.random.Generator`` or int seed for the initial parameters.
        dtype: float32 (speed) or float64 (gradient checks).

    Attributes:
        params: ``{"W1": (D_0, D_1), "b1": (D_1,), ..., "WL", "bL"}`` — updated in place by optimizers.
        grads: the same keys, filled by :meth:`backward`.
        cache: ``{"z": [z^0, ..., z^L], "u": [None, u^1, ..., u^L]}`` from the last :meth:`forward`.
        deltas: ``{l: δ^l}`` (N, D_l) from the last :meth:`backward`.
    """

    def __init__(self, sizes: Sequence[int], activation: str | tuple[Callable, Callable] = "relu",
                 init: str | float = "he", bias_init: str | float = 0.0, rng: Seed = None, dtype: DTypeLike = np.float32) -> None:
        sizes = check_sizes(sizes)
        if isinstance(activation, str):
            check_choice(activation, ACTIVATIONS, "activation")
            self.h, self.h_grad = ACTIVATIONS[activation]
        elif isinstance(activation, tuple) and len(activation) == 2 and all(map(callable, activation)):
            self.h, self.h_grad = activation
        else:
            raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)} or a pair (h, h'), got {activation!r}")
        self.sizes, self.L, self.dtype = sizes, len(sizes) - 1, check_float_dtype(dtype)
        rng = as_generator(rng)
        self.params: dict[str, np.ndarray] = {}
        for l in range(1, self.L + 1):
            d_in, d_out = sizes[l - 1], sizes[l]
            eps = nnp.init_std(init, d_in, d_out)
            self.params[f"W{l}"] = (eps * rng.standard_normal((d_in, d_out))).astype(self.dtype)
            eps_b = nnp.init_std(bias_init, d_in, d_out)
            b = eps_b * rng.standard_normal(d_out) if eps_b > 0 else np.zeros(d_out)
            self.params[f"b{l}"] = b.astype(self.dtype)
        self.grads: dict[str, np.ndarray] = {}
        self.cache: dict = {}
        self.deltas: dict[int, np.ndarray] = {}

    @property
    def num_params(self) -> int:
        """Number of trainable numbers: Σ_l (D_{l-1} + 1) D_l."""
        return int(sum(p.size for p in self.params.values()))

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        """Algorithm 1 for a batch x (N, D_0): returns the scores ``u^L`` (N, D_L) and caches every u^l, z^l.

        ``train`` is accepted for the common model protocol (layers such as dropout will use it).
        """
        z, us = [x], [None]
        for l in range(1, self.L + 1):
            u, _ = nnp.linear_forward(z[-1], self.params[f"W{l}"], self.params[f"b{l}"])
            us.append(u)
            z.append(self.h(u) if l < self.L else u)
        self.cache = {"z": z, "u": us}
        return z[-1]

    def backward(self, du: np.ndarray) -> dict[str, np.ndarray]:
        """Back-propagate ``δ^L = du = ∂J/∂u^L`` (N, D_L); return and store the gradients of every parameter.

        For l = L, ..., 1 (rows are samples, so ``z^{l-1}(δ^l)^T`` summed over the batch is a matrix product):

            ∂J/∂W^l = (z^{l-1})^T δ^l            (D_{l-1}, D_l)
            ∂J/∂b^l = Σ_n δ^l_n                  (D_l,)
            δ^{l-1} = h'(u^{l-1}) ⊙ (δ^l (W^l)^T) (N, D_{l-1})   — the lecture's h'(u^l) ⊙ (W^{l+1} δ^{l+1})
        """
        if not self.cache:
            raise ValueError("backward called before forward")
        z, u = self.cache["z"], self.cache["u"]
        if tuple(du.shape) != tuple(u[-1].shape):
            raise ValueError(f"du must have the scores' shape {u[-1].shape} (N, D_L), got {du.shape}")
        delta = du
        grads, deltas = {}, {}
        for l in range(self.L, 0, -1):
            deltas[l] = delta
            grads[f"W{l}"] = z[l - 1].T @ delta
            grads[f"b{l}"] = delta.sum(axis=0)
            if l > 1:
                delta = self.h_grad(u[l - 1]) * (delta @ self.params[f"W{l}"].T)
        self.grads = {k: grads[k] for k in self.params}  # in parameter order
        self.deltas = deltas
        return self.grads

    def loss(self, x: np.ndarray, y: np.ndarray,
             loss_fn: Callable = nnp.softmax_cross_entropy) -> tuple[float, dict[str, np.ndarray]]:
        """Forward, loss and backward in one call: returns ``(J, grads)``."""
        J, du = loss_fn(self.forward(x), y)
        return J, self.backward(du)

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Class indices ``argmax_k u^L_k`` for x (N, D_0)."""
        return self.forward(x, train=False).argmax(axis=1)

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.sizes))
        return f"MLP({sizes}, {self.h.__name__}, {self.dtype}, {self.num_params} parameters)"


def mlp(sizes: Sequence[int], activation: str = "relu", *, impl: str = "numpy", init: str | float | None = None,
        bias_init: str | float | None = None, rng: Seed = None, dtype: Any = None, device: Any = None) -> Any:
    """The fully connected network ``sizes = [D_0, ..., D_L]`` in implementation ``impl``.

    * ``"numpy"``: an :class:`MLP` (``init`` default ``"he"``, ``bias_init`` default 0, ``rng``, ``dtype``
      float32 by default); parameters ``W1, b1, ..., WL, bL`` in the lecture's notation.
    * ``"lecturelib"``: ``torch.nn.Sequential`` of ``torch_nn.Linear(D_{l-1}, D_l)`` (weight (D_in, D_out), the
      lecture's ``W^l``) and activations, the output layer linear; initialised like ``torch.nn.Linear``.
    * ``"torch"``: the same with ``torch.nn.Linear`` (weight (D_out, D_in)).

    The torch forms take ``dtype`` (a ``torch.dtype``) and ``device``; :func:`lecturelib.models.copy_weights`
    moves weights between all three (matched in order, in the lecture's layout).
    """
    sizes = check_sizes(sizes)
    check_choice(activation, ACTIVATIONS, "activation")
    if impl == "numpy":
        return MLP(sizes, activation, init="he" if init is None else init,
                   bias_init=0.0 if bias_init is None else bias_init, rng=rng,
                   dtype=np.float32 if dtype is None else dtype)
    if bias_init is not None:
        raise ValueError("bias_init applies to impl='numpy'; torch layers initialise as PyTorch does")
    k = kit(impl, init=init, rng=rng, dtype=dtype, device=device)
    layers = []
    for l in range(1, len(sizes)):
        layers.append(k.linear(sizes[l - 1], sizes[l]))
        if l < len(sizes) - 1:
            layers.append(k.activation[activation]())
    return k.sequential(layers)
