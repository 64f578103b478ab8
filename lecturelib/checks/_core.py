"""What every exercise check shares: running the student's code and reporting in plain words."""

from __future__ import annotations

import numpy as np

__all__ = ["call_student", "assert_close", "passed"]


def call_student(func, *args, what: str = "your function", **kwargs):
    """Call the student's function; a stub that still raises ``NotImplementedError`` fails the check."""
    if not callable(func):
        raise AssertionError(f"{what}: expected a function, got {type(func).__name__}")
    try:
        return func(*args, **kwargs)
    except NotImplementedError as exc:
        raise AssertionError(f"{what} is not implemented yet (it raised NotImplementedError)") from exc


def assert_close(actual, expected, what: str, rtol: float = 1e-6, atol: float = 1e-8) -> None:
    """Compare shape, then values, and name the first element that differs."""
    if hasattr(actual, "detach"):
        actual = actual.detach().cpu().numpy()
    actual = np.asarray(actual)
    expected = np.asarray(expected)
    if actual.shape != expected.shape:
        raise AssertionError(f"{what}: expected shape {expected.shape}, got {actual.shape}")
    if not np.all(np.isfinite(actual)):
        raise AssertionError(f"{what}: contains NaN or inf")
    bad = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} values differ; first at index {idx}: "
            f"expected {expected[idx]!r}, got {actual[idx]!r}"
        )


def passed(message: str) -> None:
    """Print the short pass message a check ends with."""
    print(f"✔ {message}")
