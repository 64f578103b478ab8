"""Checks for chapter 3, feed-forward networks: forward propagation that keeps every layer's ``u^l`` and
``z^l`` (Algorithm 1), the softmax Jacobian for a batch, and sigmoid + binary cross-entropy computed
stably."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_nn import identity, linear_forward, relu, sigmoid, softmax, softmax_jacobian, tanh
from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_forward_propagation", "check_sigmoid_bce", "check_softmax_jacobian_batch"]


def _forward_ref(X, Ws, bs, hs):
    zs, us = [X], []
    for W, b, h in zip(Ws, bs, hs):
        u, _ = linear_forward(zs[-1], W, b)
        us.append(u)
        zs.append(h(u))
    return us, zs


def _as_list(result, length, what):
    if not isinstance(result, (list, tuple)):
        got = type(result).__name__
        raise AssertionError(f"{what}: expected a list of {length} arrays, got {got}")  # noqa: TRY004
    if len(result) != length:
        raise AssertionError(f"{what}: expected a list of {length} arrays, got {len(result)}")
    return list(result)


def check_forward_propagation(forward_propagation: Callable[..., Any]) -> None:
    """``forward_propagation(X, Ws, bs, hs)`` → ``(us, zs)`` for a batch ``X`` (N, |U^0|).

    ``us = [u^1, …, u^L]`` and ``zs = [z^0, z^1, …, z^L]`` with ``z^0 = X``, ``u^l = z^{l−1} W^l + b^l``
    (row-wise ``(W^l)ᵀ z + b``) and ``z^l = h^l(u^l)``. Cases: networks of 1 to 4 layers mixing identity,
    sigmoid, tanh, ReLU and softmax; a batch of one sample. The inputs must not be modified in place.
    """
    rng = np.random.default_rng(30)
    acts = {"identity": identity, "sigmoid": sigmoid, "tanh": tanh, "relu": relu, "softmax": softmax}
    cases = [
        ([3, 2], ["identity"], 5),
        ([4, 6, 3], ["tanh", "softmax"], 7),
        ([2, 5, 5, 1], ["relu", "sigmoid", "identity"], 9),
        ([3, 4, 4, 4, 2], ["sigmoid", "relu", "tanh", "softmax"], 1),
    ]
    for k, (sizes, names, N) in enumerate(cases):
        X = rng.normal(size=(N, sizes[0]))
        Ws = [rng.normal(size=(sizes[l - 1], sizes[l])) for l in range(1, len(sizes))]
        bs = [rng.normal(size=sizes[l]) for l in range(1, len(sizes))]
        hs = [acts[name] for name in names]
        what = f"case {k} (layer sizes {sizes}, activations {names}, N={N})"
        result = call_student_on_copies(forward_propagation, X, Ws, bs, hs, what="forward_propagation", context=what)
        if not isinstance(result, (list, tuple)) or len(result) != 2:
            raise AssertionError(f"{what}: expected a pair (us, zs), got {type(result).__name__}")
        us, zs = result
        L = len(Ws)
        us = _as_list(us, L, f"{what}: us = [u^1, ..., u^L] (one array per layer)")
        zs = _as_list(zs, L + 1, f"{what}: zs = [z^0, z^1, ..., z^L] (the input included)")
        us_ref, zs_ref = _forward_ref(X, Ws, bs, hs)
        assert_close(zs[0], zs_ref[0], f"{what}: zs[0] must be the input X")
        for l in range(1, L + 1):
            assert_close(us[l - 1], us_ref[l - 1],
                         f"{what}: us[{l - 1}] = u^{l} = z^{l - 1} W^{l} + b^{l}", rtol=1e-7, atol=1e-10)
            assert_close(zs[l], zs_ref[l],
                         f"{what}: zs[{l}] = z^{l} = h^{l}(u^{l}) with h^{l} = {names[l - 1]}",
                         rtol=1e-7, atol=1e-10)
    passed(f"forward_propagation returns every u^l and z^l of Algorithm 1 ({len(cases)} networks)")


def check_softmax_jacobian_batch(softmax_jacobian_batch: Callable[..., Any]) -> None:
    """``softmax_jacobian_batch(U)`` → ``(N, K, K)`` array whose n-th slice is ``∂h_i/∂u_j = h_i(δ_ij − h_j)``
    of ``h = softmax(U[n])``. Includes scores of magnitude 1000 (the softmax must not overflow)."""
    rng = np.random.default_rng(31)
    cases = [rng.normal(size=(1, 2)), rng.normal(size=(4, 3)), 3 * rng.normal(size=(6, 5)),
             np.array([[1000.0, 999.0, -1000.0], [-1000.0, -1001.0, -999.5]]),
             np.zeros((2, 4))]
    for k, U in enumerate(cases):
        J = call_student_on_copies(softmax_jacobian_batch, U, what="softmax_jacobian_batch", context=f"case {k}")
        expected = np.stack([softmax_jacobian(u) for u in U])
        assert_close(J, expected,
                     f"case {k} (U of shape {U.shape}): the Jacobians ∂h_i/∂u_j, shape (N, K, K)",
                     rtol=1e-7, atol=1e-12)
    passed(f"softmax_jacobian_batch: h_i(δ_ij − h_j) for every sample "
           f"({len(cases)} batches, large scores included)")


def _bce_ref(u, t):
    """Stable mean binary cross-entropy of logits:
    ``−t ln σ(u) − (1 − t) ln(1 − σ(u)) = softplus(u) − t u``."""
    J = float(np.mean(np.logaddexp(0.0, u) - t * u))
    return J, (sigmoid(u) - t) / u.shape[0]


def check_sigmoid_bce(sigmoid_bce: Callable[..., Any]) -> None:
    """``sigmoid_bce(u, t)`` → ``(J, du)`` for scores ``u`` (N,) and targets ``t`` (N,) in [0, 1].

    ``J = −(1/N) Σ_n [t_n ln σ(u_n) + (1 − t_n) ln(1 − σ(u_n))]`` and ``du = ∂J/∂u = (σ(u) − t)/N``. The
    reference is the stable form ``softplus(u) − t u`` (checked against ``torch`` in the chapter); scores up
    to |u| = 1000 must give finite, correct values.
    """
    rng = np.random.default_rng(32)
    cases = [
        (rng.normal(size=5), rng.integers(0, 2, size=5).astype(np.float64)),
        (4 * rng.normal(size=12), rng.integers(0, 2, size=12).astype(np.float64)),
        (rng.normal(size=6), rng.uniform(0, 1, size=6)),  # soft targets
        (np.array([40.0, -40.0, 40.0, -40.0]), np.array([0.0, 1.0, 1.0, 0.0])),  # σ rounds to 0 or 1
        (np.array([1000.0, -1000.0, 750.0, -30.0, 0.0]), np.array([0.0, 0.0, 1.0, 1.0, 1.0])),
    ]
    for k, (u, t) in enumerate(cases):
        result = call_student_on_copies(sigmoid_bce, u, t, what="sigmoid_bce", context=f"case {k}")
        if not isinstance(result, (list, tuple)) or len(result) != 2:
            raise AssertionError(f"case {k}: expected a pair (J, du), got {type(result).__name__}")
        J, du = result
        J_ref, du_ref = _bce_ref(u, t)
        what = f"case {k} (u = {np.round(u, 2).tolist()}, t = {np.round(t, 2).tolist()})"
        if np.size(J) != 1:
            raise AssertionError(f"{what}: J must be a scalar (the batch mean), got shape {np.shape(J)}")
        assert_close(np.asarray(J, dtype=np.float64).reshape(()), J_ref,
                     f"{what}: J (mean binary cross-entropy)", rtol=1e-7, atol=1e-10)
        assert_close(du, du_ref, f"{what}: du = (σ(u) − t)/N", rtol=1e-7, atol=1e-12)
    passed(f"sigmoid_bce: finite, correct J and du = (σ(u) − t)/N, even for |u| = 1000 ({len(cases)} cases)")
