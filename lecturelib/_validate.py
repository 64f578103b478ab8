"""Input checks shared by the layers: each raises ``ValueError`` saying what was expected and what came."""

from __future__ import annotations

from typing import Any

import numpy as np


def _describe(x) -> str:
    shape = getattr(x, "shape", None)
    dtype = getattr(x, "dtype", None)
    if shape is None:
        return f"a {type(x).__name__}"
    return f"an array of shape {tuple(shape)} and dtype {dtype}"


def check_array(x, name: str, ndim: int | tuple[int, ...] | None = None, floating: bool = True,
                tensor: bool = False, numpy: bool = False) -> Any:
    """Check that ``x`` is an array (NumPy or torch) with ``ndim`` dimensions (an int or a tuple of ints).

    With ``floating``, the dtype must be a floating-point type; with ``tensor``, ``x`` must be a
    ``torch.Tensor`` (the ``torch_nn`` twins); with ``numpy``, a NumPy array (NumPy-only helpers such as
    ``augment``). Returns ``x`` unchanged.
    """
    if tensor and not _is_tensor(x):
        raise ValueError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if numpy and not isinstance(x, np.ndarray):
        hint = " (convert a tensor with .cpu().numpy())" if _is_tensor(x) else ""
        raise ValueError(f"{name}: expected a NumPy array{hint}, got {type(x).__name__}")
    if not hasattr(x, "shape") or not hasattr(x, "dtype"):
        raise ValueError(f"{name}: expected an array, got {_describe(x)}")
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if x.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name}: expected {want} dimensions, got {_describe(x)}")
    if floating and not _is_floating(x):
        raise ValueError(f"{name}: expected a floating-point array (float32 or float64), got {_describe(x)}")
    return x


def _is_tensor(x) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover - torch is a dependency
        return False
    return isinstance(x, torch.Tensor)


def _is_floating(x) -> bool:
    dtype = x.dtype
    if isinstance(dtype, np.dtype):
        return np.issubdtype(dtype, np.floating)
    return bool(getattr(dtype, "is_floating_point", False))


def check_same_shape(a, b, name_a: str, name_b: str) -> None:
    """Check that two arrays have identical shapes."""
    if tuple(a.shape) != tuple(b.shape):
        raise ValueError(
            f"{name_a} and {name_b} must have the same shape; got {name_a} {tuple(a.shape)} "
            f"and {name_b} {tuple(b.shape)}"
        )


def check_labels(labels: Any, n_samples: int, n_classes: int, name: str = "labels") -> Any:
    """Check integer class labels of shape (N,) with values in [0, n_classes)."""
    if not hasattr(labels, "shape") or not hasattr(labels, "dtype"):
        raise ValueError(f"{name}: expected an integer array of shape ({n_samples},), got {_describe(labels)}")
    dtype = labels.dtype
    is_int = (
        np.issubdtype(dtype, np.integer)
        if isinstance(dtype, np.dtype)
        else (not getattr(dtype, "is_floating_point", True) and not getattr(dtype, "is_complex", True)
              and str(dtype) != "torch.bool")
    )
    if not is_int:
        raise ValueError(
            f"{name}: expected integer class indices (e.g. int64), got {_describe(labels)}; "
            "convert one-hot targets with argmax(axis=1)"
        )
    if tuple(labels.shape) != (n_samples,):
        raise ValueError(f"{name}: expected shape ({n_samples},) to match the scores, got {tuple(labels.shape)}")
    if n_samples:
        lo, hi = int(labels.min()), int(labels.max())
        if lo < 0 or hi >= n_classes:
            raise ValueError(f"{name}: expected values in [0, {n_classes - 1}] for {n_classes} classes, "
                             f"got values in [{lo}, {hi}]")
    return labels
