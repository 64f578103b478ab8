"""Argument checks of the builders: each raises an error that names what was expected and what came."""

from __future__ import annotations

from collections.abc import Collection
from numbers import Integral, Real


def check_int(value, name: str, minimum: int = 1) -> int:
    """``value`` as an ``int`` ≥ ``minimum``; ``TypeError`` for a non-integer (or a bool), ``ValueError`` below."""
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"{name}: expected an int ≥ {minimum}, got {type(value).__name__} {value!r}")
    if value < minimum:
        raise ValueError(f"{name}: expected an int ≥ {minimum}, got {value!r}")
    return int(value)


def check_choice(value, options: Collection, name: str):
    """``value`` if it is one of ``options``, else ``ValueError`` listing them."""
    try:
        known = not isinstance(value, bool) and value in options
    except TypeError:  # an unhashable value cannot be a dict key
        known = False
    if not known:
        raise ValueError(f"{name}: expected one of {list(options)}, got {value!r}")
    return value


def check_int_choice(value, options: Collection, name: str) -> int:
    """An ``int`` among ``options`` (so ``16.0`` is refused with a ``TypeError`` rather than taken for 16)."""
    return check_choice(check_int(value, name), options, name)


def check_probability(value, name: str) -> float:
    """A drop probability in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, Real):
        raise TypeError(f"{name}: expected a float in [0, 1), got {type(value).__name__} {value!r}")
    if not 0 <= value < 1:
        raise ValueError(f"{name}: expected a float in [0, 1), got {value!r}")
    return float(value)


def check_bool(value, name: str) -> bool:
    """``value`` if it is a ``bool`` (``0``/``1`` or strings are refused: they hide mistakes)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name}: expected True or False, got {type(value).__name__} {value!r}")
    return value


def check_channels(value, name: str, length: int) -> tuple[int, ...]:
    """A sequence of ``length`` positive channel counts."""
    if isinstance(value, (str, bytes)) or not isinstance(value, Collection):
        raise TypeError(f"{name}: expected a sequence of {length} ints ≥ 1, got {type(value).__name__} {value!r}")
    if len(value) != length:
        raise ValueError(f"{name}: expected {length} channel counts, got {len(value)}: {tuple(value)!r}")
    return tuple(check_int(c, f"{name}[{i}]") for i, c in enumerate(value))
