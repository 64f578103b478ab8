"""Checks for chapter 1 (Introduction): top-k error, per-class accuracy, the nearest-neighbour classifier.

Each check generates its own inputs with a fixed seed, compares the student's function with the reference
below and says what is wrong; the references are written the plain way, for clarity rather than speed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import assert_close, call_student, call_student_on_copies, passed

__all__ = ["check_nearest_neighbour_predict", "check_per_class_accuracy", "check_top_k_error"]


# ----------------------------------------------------------------------------------------- references


def _top_k_error(scores: np.ndarray, labels: np.ndarray, k: int) -> float:
    """Fraction of rows whose true label is not among the k highest scores."""
    top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    hit = (top == labels[:, None]).any(axis=1)
    return float(1.0 - hit.mean())


def _per_class_accuracy(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    acc = np.full(num_classes, np.nan)
    for k in range(num_classes):
        members = y_true == k
        if members.any():
            acc[k] = (y_pred[members] == k).mean()
    return acc


def _nearest_neighbour_predict(x_train: np.ndarray, y_train: np.ndarray, x_query: np.ndarray) -> np.ndarray:
    d = ((x_query[:, None, :] - x_train[None, :, :]) ** 2).sum(axis=-1)
    return y_train[np.argmin(d, axis=1)]


# ----------------------------------------------------------------------------------------- helpers


def _scalar(value, what: str) -> float:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.size != 1:
        raise AssertionError(f"{what}: expected one number, got an array of shape {arr.shape}")
    if not np.issubdtype(arr.dtype, np.number):
        raise AssertionError(f"{what}: expected a number, got {type(value).__name__}")
    return float(arr.reshape(()))


def _int_labels(value, n: int, what: str) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    arr = np.asarray(value)
    if arr.shape != (n,):
        raise AssertionError(f"{what}: expected shape ({n},) (one label per query), got {arr.shape}")
    if not np.issubdtype(arr.dtype, np.integer):
        raise AssertionError(f"{what}: expected integer class labels, got dtype {arr.dtype}")
    return arr


# ----------------------------------------------------------------------------------------- checks


def check_top_k_error(top_k_error: Callable[..., Any]) -> None:
    """Check ``top_k_error(scores, labels, k)`` → the fraction of samples whose label is not in the top k.

    ``scores`` is ``(N, C)`` (higher = more likely), ``labels`` ``(N,)`` ints. Tested for k = 1, 5 and C on
    random scores (no ties), on an all-correct and an all-wrong case, and with k passed by keyword.
    """
    rng = np.random.default_rng(2012)
    n, c = 200, 20
    scores = rng.normal(size=(n, c))
    labels = rng.integers(0, c, size=n)
    for k in (1, 5, c):
        got = call_student_on_copies(top_k_error, scores, labels, k, what=f"top_k_error(scores, labels, k={k})")
        got = _scalar(got, f"top_k_error(..., k={k})")
        assert_close(got, _top_k_error(scores, labels, k), f"top_k_error on random scores with k={k}")
    # the true class always has the highest score: error 0 for every k
    perfect = scores.copy()
    perfect[np.arange(n), labels] = scores.max() + 1.0
    got = _scalar(call_student(top_k_error, perfect, labels, k=1, what="top_k_error(..., k=1)"), "top_k_error")
    assert_close(got, 0.0, "top_k_error when the true class always scores highest (expected 0)")
    # the true class always has the lowest score: wrong for every k < C
    worst = scores.copy()
    worst[np.arange(n), labels] = scores.min() - 1.0
    got = _scalar(call_student(top_k_error, worst, labels, k=5, what="top_k_error(..., k=5)"), "top_k_error")
    assert_close(got, 1.0, "top_k_error when the true class always scores lowest, k=5 (expected 1)")
    passed("top_k_error agrees with the reference for k = 1, 5 and C (the ILSVRC metric is k = 5).")


def check_per_class_accuracy(per_class_accuracy: Callable[..., Any]) -> None:
    """Check ``per_class_accuracy(y_true, y_pred, num_classes)`` → ``(num_classes,)``: element k is the fraction
    of the samples of class k that are predicted as k, NaN for a class with no samples."""
    rng = np.random.default_rng(1)
    num_classes, n = 6, 300
    y_true = rng.integers(0, num_classes, size=n)
    y_true[:num_classes] = np.arange(num_classes)  # every class occurs
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, num_classes, size=n))
    got = call_student_on_copies(per_class_accuracy, y_true, y_pred, num_classes,
                       what="per_class_accuracy(y_true, y_pred, num_classes)")
    assert_close(np.asarray(got, dtype=float), _per_class_accuracy(y_true, y_pred, num_classes),
                 "per_class_accuracy (element k = fraction of the samples of class k predicted as k)")
    # classes of different sizes, and a class that never occurs (its accuracy is undefined: NaN)
    y_true2 = np.array([0] * 8 + [1] * 2)
    y_pred2 = np.array([0] * 8 + [0] * 2)
    got = call_student(per_class_accuracy, y_true2, y_pred2, 3, what="per_class_accuracy")
    got = np.asarray(got, dtype=float)
    if got.shape != (3,):
        raise AssertionError(f"per_class_accuracy(..., num_classes=3): expected shape (3,), got {got.shape}")
    assert_close(got[:2], [1.0, 0.0], "per_class_accuracy with 8 samples of class 0 (all right) and "
                                      "2 of class 1 (all wrong)")
    if not np.isnan(got[2]):
        raise AssertionError(f"per_class_accuracy: class 2 has no samples, so its accuracy is undefined; "
                             f"expected NaN, got {got[2]!r}")
    passed("per_class_accuracy agrees with the reference.")


def check_nearest_neighbour_predict(nearest_neighbour_predict: Callable[..., Any]) -> None:
    """Check ``nearest_neighbour_predict(x_train, y_train, x_query)`` → the label of each query's nearest
    training sample (Euclidean distance)."""
    rng = np.random.default_rng(7)
    x_train = rng.normal(size=(60, 12))
    y_train = rng.integers(0, 5, size=60)
    x_query = rng.normal(size=(25, 12))
    got = call_student_on_copies(nearest_neighbour_predict, x_train, y_train, x_query,
                       what="nearest_neighbour_predict(x_train, y_train, x_query)")
    got = _int_labels(got, len(x_query), "nearest_neighbour_predict")
    assert_close(got, _nearest_neighbour_predict(x_train, y_train, x_query),
                 "nearest_neighbour_predict on random data (predicted labels)")
    # a training sample is its own nearest neighbour
    got = call_student(nearest_neighbour_predict, x_train, y_train, x_train[::3], what="nearest_neighbour_predict")
    got = _int_labels(got, len(x_train[::3]), "nearest_neighbour_predict")
    assert_close(got, y_train[::3], "nearest_neighbour_predict on training samples (each is its own neighbour)")
    # images: the function must accept (N, H, W) arrays too, by flattening them
    imgs = rng.integers(0, 256, size=(40, 6, 6)).astype(np.uint8)
    labels = rng.integers(0, 3, size=40)
    queries = rng.integers(0, 256, size=(10, 6, 6)).astype(np.uint8)
    got = call_student(nearest_neighbour_predict, imgs, labels, queries,
                       what="nearest_neighbour_predict on uint8 images of shape (N, 6, 6)")
    got = _int_labels(got, len(queries), "nearest_neighbour_predict on images")
    ref = _nearest_neighbour_predict(imgs.reshape(40, -1).astype(np.float64), labels,
                                     queries.reshape(10, -1).astype(np.float64))
    assert_close(got, ref, "nearest_neighbour_predict on uint8 images (flatten them and compute in float, "
                           "uint8 arithmetic wraps around)")
    passed("nearest_neighbour_predict agrees with the reference, on vectors and on uint8 images.")
