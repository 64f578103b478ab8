"""What every exercise check shares: running the student's code and reporting in plain words."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["assert_close", "call_student", "call_student_on_copies", "passed"]


def call_student(func: Callable, *args: Any, what: str = "your function", **kwargs: Any) -> Any:
    """Call the student's function; a stub that still raises ``NotImplementedError`` fails the check."""
    if not callable(func):
        raise AssertionError(f"{what}: expected a function, got {type(func).__name__}")
    try:
        return func(*args, **kwargs)
    except NotImplementedError as exc:
        raise AssertionError(f"{what} is not implemented yet (it raised NotImplementedError)") from exc


def _copy(value: Any) -> Any:
    """A deep copy of arrays and of lists/tuples/dicts holding them; other values are passed as they are."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(v) for v in value)
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    return value


def _unchanged(original: Any, passed_in: Any) -> bool:
    if isinstance(original, np.ndarray):
        return (isinstance(passed_in, np.ndarray) and original.shape == passed_in.shape
                and np.array_equal(original, passed_in, equal_nan=original.dtype.kind in "fc"))
    if isinstance(original, (list, tuple)):
        return len(original) == len(passed_in) and all(map(_unchanged, original, passed_in))
    if isinstance(original, dict):
        return original.keys() == passed_in.keys() and all(_unchanged(original[k], passed_in[k]) for k in original)
    return True


def _argument_names(func: Callable, n_args: int, kwargs: dict) -> list[str]:
    try:
        params = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        params = []
    names = [params[i] if i < len(params) else f"argument {i + 1}" for i in range(n_args)]
    return names + list(kwargs)


def call_student_on_copies(func: Callable, *args: Any, what: str = "your function", context: str = "",
                           **kwargs: Any) -> Any:
    """Call the student's function on copies of its array arguments and fail if it wrote into any of them.

    Arrays (and lists, tuples and dicts of them) are copied before the call and compared after it; a change
    raises ``AssertionError`` with the one standard message, naming the argument. ``context`` (e.g. the
    case) prefixes the message. Returns what the function returned.
    """
    copies, kw_copies = [_copy(a) for a in args], {k: _copy(v) for k, v in kwargs.items()}
    result = call_student(func, *copies, what=what, **kw_copies)
    names = _argument_names(func, len(args), kwargs)
    for name, original, passed_in in zip(names, [*args, *kwargs.values()], [*copies, *kw_copies.values()]):
        if not _unchanged(original, passed_in):
            prefix = f"{context}: " if context else ""
            raise AssertionError(f"{prefix}{what} modified its input {name} in place; leave the inputs unchanged "
                                 "and return new arrays (e.g. y = x * 2, not x *= 2)")
    return result


def assert_close(actual: Any, expected: Any, what: str, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Compare shape, then values, and name the first element that differs."""
    if hasattr(actual, "detach"):
        actual = actual.detach().cpu().numpy()
    try:
        actual = np.asarray(actual)
    except ValueError as exc:  # ragged nested lists
        raise AssertionError(f"{what}: expected an array of numbers, got {type(actual).__name__} ({exc})") from None
    expected = np.asarray(expected)
    if actual.dtype.kind not in "biufc":
        raise AssertionError(f"{what}: expected numbers, got {type(actual).__name__} holding {actual.dtype} "
                             f"values such as {actual.reshape(-1)[:1].tolist()}")
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: expected shape {expected.shape}, got {actual.shape}")
    if not np.all(np.isfinite(actual)):
        raise AssertionError(f"{what}: contains NaN or inf")
    bad = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"; first at index {idx}" if idx else ""
        # .item(): plain Python numbers in the message (0.97, not np.float64(0.97))
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} values differ{where}: "
            f"expected {expected[idx].item()!r}, got {actual[idx].item()!r}"
        )


def passed(message: str) -> None:
    """Print the short pass message a check ends with."""
    print(f"✔ {message}")
