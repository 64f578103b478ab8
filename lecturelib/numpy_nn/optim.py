"""Optimizers that update a dict of parameter arrays in place: ``opt.step(params, grads)``.

Each follows the lecture's update rule (000, "確率的勾配降下法" onwards) and produces the same trajectory as
the matching ``torch.optim`` optimizer with the same settings.
"""

from __future__ import annotations

__all__ = ["Optimizer", "SGD"]


class Optimizer:
    """Base class: validates ``params``/``grads`` and keeps per-parameter state in ``self.state``."""

    def __init__(self, lr: float):
        if not lr > 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        self.lr = float(lr)
        self.state: dict[str, dict] = {}

    def step(self, params: dict, grads: dict) -> None:
        missing = sorted(set(params) - set(grads))
        if missing:
            raise ValueError(f"grads is missing entries for parameters {missing}")
        for name, p in params.items():
            g = grads[name]
            if p.shape != g.shape:
                raise ValueError(f"gradient for {name!r} has shape {g.shape}, parameter has {p.shape}")
            self._update(name, p, g, self.state.setdefault(name, {}))

    def _update(self, name, p, g, state) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent ``W ← W − η ∂J/∂W``."""

    def _update(self, name, p, g, state) -> None:
        p -= self.lr * g
