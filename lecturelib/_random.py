"""The library's one meaning of ``rng``: a Generator, an int seed, or ``None`` = the library's generator."""

from __future__ import annotations

import numbers
import os

import numpy as np

__all__ = ["as_generator", "rng", "seed_offset", "reseed"]

_generator = np.random.default_rng()  # OS entropy until set_seed is called


def seed_offset() -> int:
    """``LECTURELIB_SEED_OFFSET`` as an int (0 when unset): added to every seed the library is given."""
    value = os.environ.get("LECTURELIB_SEED_OFFSET", "0").strip() or "0"
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"LECTURELIB_SEED_OFFSET: expected an integer, got {value!r}") from None


def reseed(seed: int) -> None:
    """Re-seed the library's generator (called by :func:`lecturelib.set_seed` with the offset seed)."""
    global _generator
    _generator = np.random.default_rng(seed % 2**64)


def as_generator(rng=None, name: str = "rng") -> np.random.Generator:
    """Resolve an ``rng`` argument.

    * a ``numpy.random.Generator`` is used as it is;
    * an int seeds a new generator with ``seed + seed_offset()``;
    * ``None`` is the library's generator, which :func:`lecturelib.set_seed` re-seeds.

    Anything else raises ``ValueError`` naming what was expected and what came.
    """
    if rng is None:
        return _generator
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        if rng < 0:
            raise ValueError(f"{name}: expected a non-negative int seed, got {rng}")
        return np.random.default_rng(int(rng) + seed_offset())
    raise ValueError(f"{name}: expected a numpy.random.Generator, an int seed or None, got {type(rng).__name__}")


def rng(seed: int | None = None) -> np.random.Generator:
    """A NumPy generator for chapter code: ``rng(0)`` is seeded with ``0 + seed_offset()``; ``rng()`` is the
    library's generator. Use it instead of ``np.random.default_rng(0)`` where a result should not hinge on
    one seed, so that ``make test``'s perturbed run varies it too."""
    return as_generator(seed, name="seed")
