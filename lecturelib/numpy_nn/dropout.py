"""Dropout (lecture 000 "Reducing Overfitting", 001 "Dropout"; Hinton et al. 2012), in its inverted form.

In training every unit is dropped (set to 0) independently with probability ``p``. The lectures' original
form keeps the activations as they are during training and, at test time, uses every unit with the weights
scaled by the keep probability ``1 − p`` (deck 001 writes "結合重みをp倍する"; with AlexNet's p = 1/2 the two
factors coincide), so that each unit's expected input is the same in both phases. *Inverted* dropout, used
here and by PyTorch, moves that scaling into training::

    train:  z_out = m ⊙ z / (1 − p),   m_i ~ Bernoulli(1 − p)   ⇒  E[z_out] = z
    test:   z_out = z

so the network at test time is used unchanged.
"""

from __future__ import annotations

import numpy as np

from .._contracts import check_dropout_p
from .._random import as_generator
from .._validate import check_array
from .._contracts import Seed

__all__ = ["dropout_backward", "dropout_forward"]


def _uniform(shape, rng):
    """Uniform samples in [0, 1) from ``rng`` (see :func:`lecturelib.as_generator`)."""
    return as_generator(rng).random(shape)


def dropout_forward(x: np.ndarray, p: float, train: bool = True, rng: Seed = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Inverted dropout ``z_out = m ⊙ x / (1 − p)`` in training, ``z_out = x`` at test time.

    Args:
        x: activations, any shape.
        p: probability of *dropping* a unit, in [0, 1) (the lecture's AlexNet uses 0.5).
        train: training mode (random mask) or test mode (identity).
        rng: ``numpy.random.Generator`` or int seed for the mask; ``None`` is the library's generator
            (seeded by :func:`lecturelib.set_seed`).

    Returns:
        ``(out, cache)``: ``out`` has ``x``'s shape and dtype; ``cache`` is the scaled mask
        ``m / (1 − p)`` (entries 0 or 1/(1−p)) in training and ``None`` at test time.
    """
    check_array(x, "x")
    p = check_dropout_p(p)
    if not train:
        return x.copy(), None
    keep = _uniform(x.shape, rng) >= p  # P(keep) = 1 − p
    mask = keep.astype(x.dtype) / x.dtype.type(1 - p)
    return x * mask, mask


def dropout_backward(dout: np.ndarray, cache: np.ndarray | None) -> np.ndarray:
    """``∂J/∂x = ∂J/∂z_out ⊙ m / (1 − p)``: the gradient flows only through the kept units (identity at test)."""
    check_array(dout, "dout")
    mask = cache
    if mask is None:
        return dout.copy()
    if dout.shape != mask.shape:
        raise ValueError(f"dout must have the forward output's shape {mask.shape}, got {dout.shape}")
    return dout * mask
