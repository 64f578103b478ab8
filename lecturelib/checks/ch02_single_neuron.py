"""Checks for chapter 2, single-neuron models: the perceptron update, the logistic-regression gradient and a
hand-set two-layer sign network for XOR (排他的論理和)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import assert_close, call_student, call_student_on_copies, passed

__all__ = ["check_logistic_loss_grad", "check_perceptron_update", "check_xor_weights"]


def _sgn(u):
    return np.sign(u)


def _perceptron_update_ref(w, b, x, t, lr):
    """One step of the perceptron rule: on a mistake (``t (wᵀx + b) ≤ 0``) ``w ← w + ε t x``, ``b ← b + ε t``."""
    if t * (w @ x + b) <= 0:
        return w + lr * t * x, b + lr * t
    return w.copy(), b


def _split_pair(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise AssertionError(f"{what}: expected a pair (w_new, b_new), got {type(result).__name__}"
                             + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else ""))
    return result


def check_perceptron_update(perceptron_update: Callable[..., Any]) -> None:
    """``perceptron_update(w, b, x, t, lr)`` → ``(w_new, b_new)`` must follow the perceptron rule (learning rate ε = lr).

    Cases: a misclassified sample of each class, a correctly classified one (no change), a sample exactly
    on the boundary (``wᵀx + b = 0`` counts as a mistake), and the very first step from ``w = 0, b = 0``.
    The inputs must not be modified in place.
    """
    rng = np.random.default_rng(20)
    cases = []
    for _ in range(8):  # random cases: about half of them are mistakes
        w = rng.normal(size=3)
        x = rng.normal(size=3)
        cases.append((w, float(rng.normal()), x, float(rng.choice([-1.0, 1.0])), float(rng.uniform(0.1, 2.0))))
    w = np.array([1.0, -2.0])
    cases.append((w, 0.5, np.array([2.0, 1.0]), -1.0, 0.5))    # u = 0.5 > 0 but t = -1: mistake
    cases.append((w, 0.5, np.array([-2.0, 1.0]), 1.0, 1.0))    # u = -3.5 < 0 but t = +1: mistake
    cases.append((w, 0.5, np.array([3.0, 1.0]), 1.0, 1.0))     # u = 1.5, t = +1: correct, no change
    cases.append((w, 0.0, np.array([2.0, 1.0]), 1.0, 1.0))     # u = 0 exactly: on the boundary, a mistake
    cases.append((np.zeros(2), 0.0, np.array([0.3, -0.7]), -1.0, 1.0))  # the first step from zero

    for k, (w, b, x, t, lr) in enumerate(cases):
        what = f"case {k} (w={np.round(w, 3).tolist()}, b={b:.3g}, x={np.round(x, 3).tolist()}, t={t:+g}, lr={lr:.3g})"
        w_new, b_new = _split_pair(call_student_on_copies(perceptron_update, w, b, x, t, lr,
                                                          what="perceptron_update", context=what), what)
        w_ref, b_ref = _perceptron_update_ref(w, b, x, t, lr)
        mistake = t * (w @ x + b) <= 0
        tag = "a mistake, so w and b must change" if mistake else "classified correctly, so nothing changes"
        assert_close(w_new, w_ref, f"{what}, {tag}: w_new")
        assert_close(b_new, b_ref, f"{what}, {tag}: b_new")
    passed(f"perceptron_update follows w ← w + ε t x, b ← b + ε t on mistakes ({len(cases)} cases)")


def _logistic_loss_grad_ref(w, b, X, t):
    u = X @ w + b
    y = 1.0 / (1.0 + np.exp(-u))
    J = float(np.mean(np.logaddexp(0.0, -u) * t + np.logaddexp(0.0, u) * (1 - t)))
    N = X.shape[0]
    return J, X.T @ (y - t) / N, float(np.sum(y - t) / N)


def _logistic_grad_hint(w, b, X, t, dw, db, N):
    """Name a common slip in the derivation when the student's gradient matches it (else an empty string)."""
    u = X @ w + b
    y = 1.0 / (1.0 + np.exp(-u))
    try:
        dw = np.asarray(dw, dtype=np.float64).reshape(-1)
        db = float(np.asarray(db, dtype=np.float64).reshape(-1)[0])
    except (TypeError, ValueError, IndexError):
        return ""
    if dw.shape != w.shape:
        return ""
    slips = [
        ("the mean's 1/N is missing: J averages over the N samples, so does its gradient",
         X.T @ (y - t), np.sum(y - t)),
        ("the sign is flipped: ∂J_i/∂u_i = y_i − t_i, not t_i − y_i", -X.T @ (y - t) / N, -np.sum(y - t) / N),
        ("σ'(u) = y(1 − y) should cancel against the derivative of the logarithm: ∂J_i/∂u_i simplifies to "
         "y_i − t_i, with no extra factor y_i(1 − y_i)",
         X.T @ ((y - t) * y * (1 - y)) / N, np.sum((y - t) * y * (1 - y)) / N),
    ]
    for message, dw_slip, db_slip in slips:
        if np.allclose(dw, dw_slip, rtol=1e-6, atol=1e-10) and np.isclose(db, db_slip, rtol=1e-6, atol=1e-10):
            return f" — it looks as if {message}"
    return (" — compare your dw with numerical_gradient applied to your own J, one component at a time, to "
            "find which partial derivative is wrong")


def check_logistic_loss_grad(logistic_loss_grad: Callable[..., Any]) -> None:
    """``logistic_loss_grad(w, b, X, t)`` → ``(J, dw, db)``: mean cross-entropy and its gradient.

    ``J = −(1/N) Σ_i [t_i ln y_i + (1 − t_i) ln(1 − y_i)]`` with ``y_i = σ(wᵀx_i + b)``;
    ``∂J/∂w = (1/N) Σ_i (y_i − t_i) x_i``, ``∂J/∂b = (1/N) Σ_i (y_i − t_i)``.
    """
    rng = np.random.default_rng(21)
    for k, (N, D) in enumerate([(1, 2), (7, 3), (25, 2), (40, 5)]):
        X = rng.normal(size=(N, D))
        t = rng.integers(0, 2, size=N).astype(np.float64)
        w = rng.normal(size=D)
        b = float(rng.normal())
        result = call_student_on_copies(logistic_loss_grad, w, b, X, t, what="logistic_loss_grad",
                                        context=f"case {k}")
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise AssertionError(f"logistic_loss_grad must return a triple (J, dw, db), got {type(result).__name__}")
        J, dw, db = result
        J_ref, dw_ref, db_ref = _logistic_loss_grad_ref(w, b, X, t)
        what = f"case {k} (N={N}, D={D})"
        assert_close(np.asarray(J, dtype=np.float64).reshape(()) if np.size(J) == 1 else J, J_ref,
                     f"{what}: J (the mean cross-entropy, a scalar)", rtol=1e-6)
        try:
            assert_close(dw, dw_ref, f"{what}: dw = ∂J/∂w", rtol=1e-6)
            assert_close(np.asarray(db, dtype=np.float64).reshape(()) if np.size(db) == 1 else db, db_ref,
                         f"{what}: db = ∂J/∂b, a scalar", rtol=1e-6)
        except AssertionError as exc:
            hint = _logistic_grad_hint(w, b, X, t, dw, db, N)
            raise AssertionError(f"{exc}{hint}") from None
    passed("logistic_loss_grad: cross-entropy and its gradient (y − t) x match the reference (4 cases)")


_XOR_INPUTS = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])


def check_xor_weights(xor_weights: Callable[..., Any]) -> None:
    """``xor_weights()`` → ``(W1, b1, w2, b2)`` of the sign network
    ``z = sgn((W1)ᵀx + b1)``, ``y = sgn(w2ᵀz + b2)`` on x ∈ {0, 1}², outputs ±1.

    Hidden unit one (or two; either order) must compute x1 AND NOT x2, the other NOT x1 AND x2, the output
    their OR, so that y is XOR. No unit input may be exactly 0 (sgn(0) = 0 is neither class).
    """
    result = call_student(xor_weights, what="xor_weights")
    if not isinstance(result, (tuple, list)) or len(result) != 4:
        raise AssertionError(f"xor_weights must return (W1, b1, w2, b2), got {type(result).__name__}")
    W1, b1, w2, b2 = (np.asarray(a, dtype=np.float64) for a in result)
    if W1.shape != (2, 2):
        raise AssertionError(f"W1: expected shape (2, 2) = (inputs, hidden units), got {W1.shape}")
    if b1.shape != (2,):
        raise AssertionError(f"b1: expected shape (2,), got {b1.shape}")
    if w2.shape != (2,):
        raise AssertionError(f"w2: expected shape (2,), got {w2.shape}")
    if b2.size != 1:
        raise AssertionError(f"b2: expected a scalar, got shape {b2.shape}")
    b2 = float(b2.reshape(()))

    u1 = _XOR_INPUTS @ W1 + b1
    if np.any(u1 == 0):
        i, j = (int(v) for v in np.argwhere(u1 == 0)[0])
        raise AssertionError(f"hidden unit {j} has input exactly 0 at x = {_XOR_INPUTS[i].tolist()}; "
                             "sgn(0) = 0 belongs to neither class — move the line off the point")
    z = _sgn(u1)
    x1, x2 = _XOR_INPUTS[:, 0] > 0, _XOR_INPUTS[:, 1] > 0
    a_not_b = np.where(x1 & ~x2, 1.0, -1.0)
    not_a_b = np.where(~x1 & x2, 1.0, -1.0)
    for first, second in ((a_not_b, not_a_b), (not_a_b, a_not_b)):
        if np.array_equal(z[:, 0], first) and np.array_equal(z[:, 1], second):
            break
    else:
        raise AssertionError(
            "the hidden units must compute x1 AND NOT x2 and NOT x1 AND x2 (either order); on the inputs "
            f"{_XOR_INPUTS.astype(int).tolist()} they give {z[:, 0].astype(int).tolist()} and "
            f"{z[:, 1].astype(int).tolist()}, expected {a_not_b.astype(int).tolist()} and "
            f"{not_a_b.astype(int).tolist()}")
    u2 = z @ w2 + b2
    if np.any(u2 == 0):
        i = int(np.argwhere(u2 == 0)[0][0])
        raise AssertionError(f"the output unit has input exactly 0 at x = {_XOR_INPUTS[i].tolist()}")
    y = _sgn(u2)
    expected = np.where(x1 ^ x2, 1.0, -1.0)
    assert_close(y, expected, "output y = sgn(w2ᵀz + b2) on x = (0,0), (0,1), (1,0), (1,1) (XOR in ±1)")
    passed("xor_weights: hidden units x1∧¬x2 and ¬x1∧x2, output their OR — the network computes XOR")
