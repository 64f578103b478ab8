"""Residual block (He et al. 2016; lecture 000 "ResNet"): ``y = h(F(x) + S(x))``.

``F`` is the residual branch (any layer, typically a :class:`~lecturelib.numpy_nn.Sequential` of
convolutions), ``S`` the shortcut — the identity, or a projection (a 1×1 convolution with the branch's
stride) when ``F`` changes the shape — and ``h`` the activation after the addition (ReLU in ResNet, or none).

Backward, with ``δ = ∂J/∂y`` and ``δ_u = h'(u) ⊙ δ`` for ``u = F(x) + S(x)``::

    ∂J/∂x = F'(δ_u) + S'(δ_u)          (S'(δ_u) = δ_u for the identity shortcut)

the addition hands the same ``δ_u`` to both paths and the input receives the sum — which is why the gradient
reaches early layers undiminished through the identity path.
"""

from __future__ import annotations

import numpy as np

from .activations import ReLU
from .layer import Container, Layer

__all__ = ["Residual"]


class Residual(Container):
    """``y = h(F(x) + S(x))`` as a NumPy layer: ``branch`` = F, ``shortcut`` = S (``None``: the identity),
    ``activation`` = h (a layer, default :class:`ReLU`; ``None``: no activation).

    Parameters are named ``"branch.…"`` and ``"shortcut.…"`` (the names of the ``torch_nn`` twin's
    ``state_dict``). The shapes of ``F(x)`` and ``S(x)`` must agree.
    """

    def __init__(self, branch: Layer, shortcut: Layer | None = None, activation: Layer | None = "relu") -> None:
        super().__init__()
        if activation == "relu":
            activation = ReLU()
        for name, layer in (("branch", branch), ("shortcut", shortcut), ("activation", activation)):
            if not (isinstance(layer, Layer) or (layer is None and name != "branch")):
                raise TypeError(f"Residual: {name} must be a lecturelib.numpy_nn Layer"
                                f"{'' if name == 'branch' else ' or None'}, got {type(layer).__name__}")
        self.branch, self.shortcut, self.activation = branch, shortcut, activation

    def _children(self) -> list[tuple[str, Layer]]:
        return [(n, m) for n, m in (("branch", self.branch), ("shortcut", self.shortcut),
                                    ("activation", self.activation)) if m is not None]

    def forward(self, x: np.ndarray, train: bool = True) -> np.ndarray:
        f = self.branch.forward(x, train)
        s = x if self.shortcut is None else self.shortcut.forward(x, train)
        if f.shape != s.shape:
            raise ValueError(f"Residual: the branch gives {f.shape} but the shortcut {s.shape}; "
                             "use a projection shortcut (e.g. a 1×1 Conv2d with the branch's stride)")
        u = f + s
        self.cache = True
        return u if self.activation is None else self.activation.forward(u, train)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        self._cached()
        du = dout if self.activation is None else self.activation.backward(dout)   # δ_u = h'(u) ⊙ δ
        dx = self.branch.backward(du)                                                # F'(δ_u)
        dx = dx + (du if self.shortcut is None else self.shortcut.backward(du))      # + S'(δ_u)
        self._collect_grads()
        return dx

    def macs(self, in_shape: tuple[int, ...]) -> int:
        return self.branch.macs(in_shape) + (0 if self.shortcut is None else self.shortcut.macs(in_shape))
