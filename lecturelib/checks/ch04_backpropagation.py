"""Checks for chapter 4, backpropagation: one step of the δ recursion, backpropagation through a
two-layer network returning every gradient, and a gradient checker that finds the wrong gradients of a buggy
backward pass."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_nn import linear_backward, relu_grad, sigmoid, sigmoid_grad, softmax_cross_entropy, tanh, tanh_grad
from ..models import MLP
from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_backprop_two_layer", "check_delta_backward", "check_wrong_gradients"]


def _delta_ref(delta_next, W_next, u, h_grad):
    """δ^l = h'(u^l) ⊙ (W^{l+1} δ^{l+1}), row by row; the product with W^{l+1} is linear_backward's ∂J/∂z."""
    dz, _, _ = linear_backward(delta_next, (np.zeros_like(u), W_next))
    return h_grad(u) * dz


def check_delta_backward(delta_backward: Callable[..., Any]) -> None:
    """``delta_backward(delta_next, W_next, u, h_grad)`` → ``δ^l`` (N, D_l).

    ``delta_next`` is ``δ^{l+1}`` (N, D_{l+1}), ``W_next`` is ``W^{l+1}`` (D_l, D_{l+1}), ``u`` is ``u^l``
    (N, D_l) and ``h_grad`` the derivative ``h^l'`` (element-wise). Per sample (one row)
    ``δ^l = h'(u^l) ⊙ (W^{l+1} δ^{l+1})``. Cases: sigmoid, tanh and ReLU; non-square weights (a transposed
    product fails); one sample; the inputs must not be modified in place.
    """
    rng = np.random.default_rng(40)
    cases = [("sigmoid", sigmoid_grad, 4, 5, 3), ("tanh", tanh_grad, 6, 3, 7), ("relu", relu_grad, 5, 8, 2),
             ("sigmoid", sigmoid_grad, 1, 4, 4)]
    for k, (name, h_grad, N, D, D_next) in enumerate(cases):
        delta_next = rng.normal(size=(N, D_next))
        W_next = rng.normal(size=(D, D_next))
        u = 2 * rng.normal(size=(N, D))
        what = f"case {k} (h = {name}, δ^(l+1) {delta_next.shape}, W^(l+1) {W_next.shape}, u^l {u.shape})"
        delta = call_student_on_copies(delta_backward, delta_next, W_next, u, h_grad, what="delta_backward",
                                       context=what)
        assert_close(delta, _delta_ref(delta_next, W_next, u, h_grad),
                     f"{what}: δ^l = h'(u^l) ⊙ (W^(l+1) δ^(l+1)), shape (N, D_l)", rtol=1e-9, atol=1e-12)
    passed(f"delta_backward: δ^l = h'(u^l) ⊙ (W^(l+1) δ^(l+1)) for {len(cases)} layers (sigmoid, tanh, ReLU)")


def check_backprop_two_layer(backprop_two_layer: Callable[..., Any]) -> None:
    """``backprop_two_layer(x, labels, W1, b1, W2, b2)`` → ``{"W1": ∂J/∂W^1, "b1": …, "W2": …, "b2": …}``.

    The network: ``u^1 = (W^1)^T x + b^1``, ``z^1 = σ(u^1)`` (sigmoid), ``u^2 = (W^2)^T z^1 + b^2``, and
    ``J`` the mean softmax cross-entropy of the scores ``u^2`` against integer ``labels``; ``x`` (N, D_0)
    holds the samples as rows. The reference is :class:`lecturelib.training.MLP` with the same parameters
    (itself checked against finite differences and torch autograd in the chapter).
    """
    rng = np.random.default_rng(41)
    cases = [(5, 4, 3, 6), (7, 10, 5, 4), (1, 3, 2, 2), (16, 6, 8, 10)]
    for k, (N, D0, D1, K) in enumerate(cases):
        x = rng.normal(size=(N, D0))
        labels = rng.integers(0, K, size=N)
        ref = MLP([D0, D1, K], activation="sigmoid", init=1.0, bias_init=0.5, rng=rng, dtype=np.float64)
        args = (x, labels, ref.params["W1"], ref.params["b1"], ref.params["W2"], ref.params["b2"])
        what = f"case {k} (x {x.shape}, W1 {args[2].shape}, W2 {args[4].shape})"
        grads = call_student_on_copies(backprop_two_layer, *args, what="backprop_two_layer", context=what)
        if not isinstance(grads, dict):
            raise AssertionError(f"{what}: expected a dict {{'W1': …, 'b1': …, 'W2': …, 'b2': …}}, "
                                 f"got {type(grads).__name__}")
        missing = sorted({"W1", "b1", "W2", "b2"} - set(grads))
        if missing:
            raise AssertionError(f"{what}: the returned dict lacks the keys {missing}")
        _, expected = ref.loss(x, labels, softmax_cross_entropy)
        for name in ("W2", "b2", "W1", "b1"):
            assert_close(grads[name], expected[name], f"{what}: gradient ∂J/∂{name}", rtol=1e-7, atol=1e-10)
    passed(f"backprop_two_layer: ∂J/∂W^1, ∂J/∂b^1, ∂J/∂W^2, ∂J/∂b^2 match for {len(cases)} networks")


# ------------------------------------------------------------------------------- gradient checking

def _two_layer(act: str, seed: int, N: int = 16, D0: int = 6, D1: int = 5, K: int = 4):
    """A small network u^1 = x W^1 + b^1, z^1 = h(u^1), u^2 = z^1 W^2 + b^2, J = mean cross-entropy + (λ/2)‖W‖²."""
    rng = np.random.default_rng(seed)
    h, h_grad = {"sigmoid": (sigmoid, sigmoid_grad), "tanh": (tanh, tanh_grad)}[act]
    x = rng.normal(size=(N, D0))
    labels = rng.integers(0, K, size=N)
    params = {"W1": rng.normal(0, 0.7, size=(D0, D1)), "b1": rng.normal(0, 0.5, size=D1),
              "W2": rng.normal(0, 0.7, size=(D1, K)), "b2": rng.normal(0, 0.5, size=K)}

    def loss(p, lam=0.0):
        dtype = p["W1"].dtype
        z1 = h(x.astype(dtype) @ p["W1"] + p["b1"])
        J, _ = softmax_cross_entropy(z1 @ p["W2"] + p["b2"], labels)
        return float(J) + 0.5 * lam * float(np.sum(p["W1"] ** 2) + np.sum(p["W2"] ** 2))

    def backward(p, bug=None, lam=0.0):
        u1 = x @ p["W1"] + p["b1"]
        z1 = h(u1)
        _, d2 = softmax_cross_entropy(z1 @ p["W2"] + p["b2"], labels)        # δ^2 / N
        d1 = (h_grad(z1) if bug == "h'(z) for h'(u)" else h_grad(u1)) * (d2 @ p["W2"].T)
        g = {"W1": x.T @ d1, "b1": d1.sum(axis=0), "W2": z1.T @ d2, "b2": d2.sum(axis=0)}
        if bug == "b2 averaged twice":
            g["b2"] = d2.mean(axis=0)
        if bug == "W2 from u1":
            g["W2"] = u1.T @ d2
        if bug == "last sample dropped from W1":
            g["W1"] = x[:-1].T @ d1[:-1]
        if lam:                                                                # the penalty's gradient λW
            g["W1"] = g["W1"] + lam * p["W1"]
            g["W2"] = g["W2"] + lam * p["W2"]
        return g

    return params, loss, backward


def check_wrong_gradients(wrong_gradients: Callable[..., Any]) -> None:
    """``wrong_gradients(loss, grads, params)`` → the names (a set, list or tuple) of the wrong gradients.

    ``params`` maps names to arrays (float64 or float32), ``loss(params)`` is the scalar J computed in the
    parameters' precision and ``grads`` maps the same names to the gradients a (possibly buggy) backward pass
    claims. Cases: correct gradients (nothing to report), bugs that spoil one or two gradients by factors, a
    bug that changes ∂J/∂W^1 by a few per cent, a forgotten weight-decay term that changes ∂J/∂W by about
    less than 0.1 % — and float32 networks, where finite differences with a float64 step size are useless.
    """
    lam_small = 2e-5
    cases = [
        ("sigmoid", 50, "float64", None, 0.0, set()),
        ("tanh", 51, "float64", "h'(z) for h'(u)", 0.0, {"W1", "b1"}),
        ("sigmoid", 52, "float64", "b2 averaged twice", 0.0, {"b2"}),
        ("tanh", 53, "float64", "W2 from u1", 0.0, {"W2"}),
        ("sigmoid", 54, "float64", "last sample dropped from W1", 0.0, {"W1"}),
        ("tanh", 55, "float64", "weight decay forgotten", lam_small, {"W1", "W2"}),
        ("tanh", 56, "float64", None, lam_small, set()),
        ("sigmoid", 57, "float32", None, 0.0, set()),
        ("tanh", 58, "float32", "b2 averaged twice", 0.0, {"b2"}),
    ]
    for k, (act, seed, dtype, bug, lam, expected) in enumerate(cases):
        params, loss, backward = _two_layer(act, seed)
        params = {name: p.astype(dtype) for name, p in params.items()}
        exact = {name: p.astype(np.float64) for name, p in params.items()}     # the point the gradient is taken at
        grads = backward(exact, bug=None if bug == "weight decay forgotten" else bug, lam=lam if bug != "weight decay forgotten" else 0.0)
        grads = {name: g.astype(dtype) for name, g in grads.items()}
        what = (f"case {k} ({act} network in {dtype}, J = mean cross-entropy"
                f"{f' + (λ/2)‖W‖² with λ = {lam:g}' if lam else ''}, "
                f"{'a backward pass with a bug' if bug else 'a correct backward pass'})")
        found = call_student_on_copies(wrong_gradients, lambda p, _loss=loss, _lam=lam: _loss(p, _lam), grads, params,
                                       what="wrong_gradients", context=what)
        if isinstance(found, str) or not isinstance(found, (set, frozenset, list, tuple)):
            raise AssertionError(f"{what}: expected a set (or list) of parameter names such as {{'W1', 'b1'}}, "
                                 f"got {type(found).__name__} {found!r}")
        found = set(found)
        if found != expected:
            hint = ""
            if expected and not found:
                hint = (" — the bug went unnoticed: is your threshold on the relative error too loose for a "
                        "bug that changes a gradient by a small fraction?")
            elif found - expected and dtype == "float32":
                hint = (" — correct gradients were flagged in float32: finite differences of a float32 loss with "
                        "a small step are dominated by round-off; evaluate the loss in float64")
            elif found - expected:
                hint = (" — correct gradients were flagged: check the step size, the precision and how you "
                        "measure the relative error (of the whole array, not of tiny single elements)")
            raise AssertionError(f"{what}: the wrong gradients are {sorted(expected) or 'none'}, "
                                 f"you reported {sorted(found) or 'none'}{hint}")
    passed(f"wrong_gradients: found the wrong gradients (or none) in all {len(cases)} cases, float64 and float32")
