"""Optimizers that update a dict of parameter arrays in place: ``opt.step(params, grads)``.

Each follows the lecture's update rule (000, "確率的勾配降下法" onwards) and produces the same trajectory as
the matching ``torch.optim`` optimizer with the same settings.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np

__all__ = ["SGD", "AdaGrad", "Adam", "Momentum", "Nesterov", "Optimizer", "RMSProp"]


def _number(value, name: str) -> float:
    """A real number (not a bool or a string): ``TypeError`` otherwise, naming what came."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: expected a number, got {type(value).__name__} {value!r}")
    return float(value)


def _check_lr(lr) -> float:
    lr = _number(lr, "lr")
    if not (lr > 0 and math.isfinite(lr)):
        raise ValueError(f"learning rate must be a positive finite number, got {lr}")
    return lr


class Optimizer:
    """Base class: validates ``params``/``grads`` and keeps per-parameter state in ``self.state``."""

    def __init__(self, lr: float) -> None:
        self.lr = _check_lr(lr)
        self.state: dict[str, dict] = {}

    def step(self, params: Mapping[str, np.ndarray], grads: Mapping[str, np.ndarray]) -> None:
        """Update every array of ``params`` in place from the gradient of the same name in ``grads``."""
        for what, d in (("params", params), ("grads", grads)):
            if not isinstance(d, Mapping):
                raise TypeError(f"{what}: expected a dict name → array, got {type(d).__name__}")
        missing = sorted(set(params) - set(grads))
        if missing:
            raise ValueError(f"grads is missing entries for parameters {missing}")
        for name, p in params.items():
            g = grads[name]
            if not isinstance(p, np.ndarray) or not np.issubdtype(p.dtype, np.floating):
                raise TypeError(f"parameter {name!r}: expected a floating-point NumPy array (updated in place), "
                                f"got {type(p).__name__}{'' if not hasattr(p, 'dtype') else ' of ' + str(p.dtype)}")
            if not hasattr(g, "shape") or p.shape != g.shape:
                raise ValueError(f"gradient for {name!r} has shape {getattr(g, 'shape', None)}, parameter has {p.shape}")
            self._update(name, p, g, self.state.setdefault(name, {}))

    def _update(self, name, p, g, state) -> None:  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    """Plain gradient descent ``W ← W − η ∂J/∂W``."""

    def _update(self, name, p, g, state) -> None:
        p -= self.lr * g


def _check_fraction(value, name: str) -> float:
    """A decay rate must lie in [0, 1)."""
    value = _number(value, name)
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")
    return value


def _check_eps(eps) -> float:
    eps = _number(eps, "eps")
    if not (eps > 0 and math.isfinite(eps)):
        raise ValueError(f"eps must be positive (it keeps the denominator away from 0), got {eps}")
    return eps


class Momentum(Optimizer):
    """Momentum method (モーメンタム法), the lecture's form with ``μ = momentum`` and ``ρ = lr``::

        Δw^{(t+1)} = μ Δw^{(t)} − ρ ∇E(w^{(t)})
        w^{(t+1)}  = w^{(t)} + Δw^{(t+1)}                 (Δw^{(0)} = 0)

    ``torch.optim.SGD(lr=ρ, momentum=μ)`` keeps ``v`` instead: ``v ← μ v + g``, ``w ← w − ρ v``. With a
    constant learning rate the two coincide, ``Δw = −ρ v``, so the trajectories are identical; they differ
    only if ρ changes between steps (the lecture's Δw keeps the old ρ inside, torch's v rescales it).
    """

    def __init__(self, lr: float, momentum: float = 0.9) -> None:
        super().__init__(lr)
        self.momentum = _check_fraction(momentum, "momentum")

    def _update(self, name, p, g, state) -> None:
        dw = state.setdefault("dw", np.zeros_like(p))
        dw *= self.momentum
        dw -= self.lr * g
        p += dw


class Nesterov(Momentum):
    """Nesterov accelerated gradient (Nesterov加速勾配法) in its look-ahead reformulation.

    The lecture's form evaluates the gradient at the look-ahead point ``w + μ Δw``::

        Δw^{(t+1)} = μ Δw^{(t)} − ρ ∇E(w^{(t)} + μ Δw^{(t)})
        w^{(t+1)}  = w^{(t)} + Δw^{(t+1)}

    Storing the look-ahead point ``w̃ = w + μ Δw`` as the parameter instead (so the caller's gradient is
    the one the lecture needs, ``g = ∇E(w̃)``) gives the update used here::

        Δw ← μ Δw − ρ g
        w̃  ← w̃ + μ Δw − ρ g

    which is ``torch.optim.SGD(lr=ρ, momentum=μ, nesterov=True)`` (``v ← μ v + g``, ``w ← w − ρ (g + μ v)``,
    with ``Δw = −ρ v`` for a constant ρ). With ``Δw^{(0)} = 0`` both start at ``w̃^{(0)} = w^{(0)}``.
    It is :class:`Momentum` with the look-ahead step: same state ``Δw``, same arguments.
    """

    def _update(self, name, p, g, state) -> None:
        dw = state.setdefault("dw", np.zeros_like(p))
        dw *= self.momentum
        dw -= self.lr * g
        p += self.momentum * dw - self.lr * g


class AdaGrad(Optimizer):
    """AdaGrad: the step shrinks with the accumulated squared gradients (element-wise)::

        v^{(t+1)} = v^{(t)} + ∇E(w^{(t)})²
        w^{(t+1)} = w^{(t)} − ρ / (√v^{(t+1)} + ε) · ∇E(w^{(t)})          (v^{(0)} = 0)

    Same as ``torch.optim.Adagrad(lr=ρ, eps=ε)`` with its defaults ``lr_decay=0``,
    ``initial_accumulator_value=0``.
    """

    def __init__(self, lr: float, eps: float = 1e-10) -> None:
        super().__init__(lr)
        self.eps = _check_eps(eps)

    def _update(self, name, p, g, state) -> None:
        v = state.setdefault("v", np.zeros_like(p))
        v += g * g
        p -= self.lr * g / (np.sqrt(v) + self.eps)


class RMSProp(Optimizer):
    """RMSProp: AdaGrad with an exponentially decaying average of the squared gradients::

        v^{(t+1)} = β v^{(t)} + (1 − β) ∇E(w^{(t)})²
        w^{(t+1)} = w^{(t)} − ρ / (√v^{(t+1)} + ε) · ∇E(w^{(t)})          (v^{(0)} = 0)

    Same as ``torch.optim.RMSprop(lr=ρ, alpha=β, eps=ε)`` (torch calls β ``alpha``).
    """

    def __init__(self, lr: float, beta: float = 0.99, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta = _check_fraction(beta, "beta")
        self.eps = _check_eps(eps)

    def _update(self, name, p, g, state) -> None:
        v = state.setdefault("v", np.zeros_like(p))
        v *= self.beta
        v += (1 - self.beta) * g * g
        p -= self.lr * g / (np.sqrt(v) + self.eps)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015): momentum on the gradient plus RMSProp's scaling, both bias-corrected::

        m^{(t)} = β₁ m^{(t−1)} + (1 − β₁) g            v^{(t)} = β₂ v^{(t−1)} + (1 − β₂) g²
        m̂ = m^{(t)} / (1 − β₁^t)                       v̂ = v^{(t)} / (1 − β₂^t)
        w^{(t)} = w^{(t−1)} − ρ m̂ / (√v̂ + ε)

    with ``g = ∇E(w^{(t−1)})``, ``m^{(0)} = v^{(0)} = 0`` and ``t`` counting this parameter's steps from 1.
    Same as ``torch.optim.Adam(lr=ρ, betas=(β₁, β₂), eps=ε)``.
    """

    def __init__(self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        super().__init__(lr)
        self.beta1 = _check_fraction(beta1, "beta1")
        self.beta2 = _check_fraction(beta2, "beta2")
        self.eps = _check_eps(eps)

    def _update(self, name, p, g, state) -> None:
        m = state.setdefault("m", np.zeros_like(p))
        v = state.setdefault("v", np.zeros_like(p))
        state["t"] = t = state.get("t", 0) + 1
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1 ** t)
        v_hat = v / (1 - self.beta2 ** t)
        p -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
