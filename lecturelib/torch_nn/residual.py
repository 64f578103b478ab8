"""Residual block ``y = h(F(x) + S(x))`` as an ``nn.Module``, the twin of ``numpy_nn.Residual``.

The branch F and the shortcut S are modules (``torch_nn`` layers with hand-written backward passes, or any
others); the addition and h go through autograd, which hands the same ``δ_u = h'(u) ⊙ δ`` to both paths and
adds their input gradients — the backward pass that ``numpy_nn.Residual`` writes out.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = ["Residual"]


class Residual(nn.Module):
    """``y = h(F(x) + S(x))``: ``branch`` = F, ``shortcut`` = S (``None``: the identity), ``activation`` = h
    (a module, default ``nn.ReLU()``; ``None``: no activation). ``state_dict`` keys ``branch.…``,
    ``shortcut.…`` match the NumPy twin's parameter names."""

    def __init__(self, branch: nn.Module, shortcut: nn.Module | None = None,
                 activation: nn.Module | str | None = "relu") -> None:
        super().__init__()
        if activation == "relu":
            activation = nn.ReLU()
        for name, module in (("branch", branch), ("shortcut", shortcut), ("activation", activation)):
            if not (isinstance(module, nn.Module) or (module is None and name != "branch")):
                raise TypeError(f"Residual: {name} must be a torch.nn.Module"
                                f"{'' if name == 'branch' else ' or None'}, got {type(module).__name__}")
        self.branch, self.shortcut, self.activation = branch, shortcut, activation

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        f = self.branch(x)
        s = x if self.shortcut is None else self.shortcut(x)
        if f.shape != s.shape:
            raise ValueError(f"Residual: the branch gives {tuple(f.shape)} but the shortcut {tuple(s.shape)}; "
                             "use a projection shortcut (e.g. a 1×1 Conv2d with the branch's stride)")
        u = f + s
        return u if self.activation is None else self.activation(u)
