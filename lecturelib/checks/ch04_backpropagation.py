"""Checks for chapter 4, backpropagation: one step of the δ recursion, and backpropagation through a
two-layer network returning every gradient."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..numpy_nn import linear_backward, relu_grad, sigmoid_grad, softmax_cross_entropy, tanh_grad
from ..models import MLP
from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_backprop_two_layer", "check_delta_backward"]


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
