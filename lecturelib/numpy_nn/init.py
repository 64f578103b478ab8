"""Initialisation of the weights (lecture 000, "重みの初期化"): the standard deviation σ of ``W_ij ~ N(0, σ²)`` (the lecture writes ϵ; the book keeps ε for the learning rate)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["INIT_RULES", "init_std"]

#: Rule name → ε as a function of (D_in, D_out).
INIT_RULES = {
    "lecun": lambda d_in, d_out: np.sqrt(1.0 / d_in),              # LeCun et al., 1998
    "glorot": lambda d_in, d_out: np.sqrt(2.0 / (d_in + d_out)),   # Glorot & Bengio, 2010
    "he": lambda d_in, d_out: np.sqrt(2.0 / d_in),                 # He et al., 2015
}


def init_std(init: str | float, d_in: int, d_out: int) -> float:
    """Standard deviation σ of the lecture's initialisation ``W_ij ~ N(0, σ²)`` for a D_in → D_out layer.

    ``init`` is a number (σ itself) or the name of a rule: ``"lecun"`` σ = √(1/D_in) (LeCun et al., 1998),
    ``"glorot"`` σ = √(2/(D_in + D_out)) (Glorot & Bengio, 2010), ``"he"`` σ = √(2/D_in) (He et al., 2015).
    """
    if isinstance(init, str):
        if init not in INIT_RULES:
            raise ValueError(f"init: expected a number or one of {sorted(INIT_RULES)}, got {init!r}")
        return float(INIT_RULES[init](d_in, d_out))
    if isinstance(init, bool) or not isinstance(init, numbers.Real) or not init >= 0:
        raise ValueError(f"init: expected a non-negative number or a rule name, got {init!r}")
    return float(init)
