"""Checks for chapter 8, optimization: one step of the momentum method, one step of Adam (whose bias correction
the student derives), and a learning-rate schedule with linear warm-up and cosine decay.

Notation as the book's: learning rate ε (the lecture's optimisation slides write ρ), stabilising constant ε_s,
momentum μ, loss J."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import math

import numpy as np

from .. import numpy_nn as nnp
from ._core import assert_close, call_student, call_student_on_copies, passed

__all__ = ["check_momentum_step", "check_adam_step", "check_warmup_cosine_lr"]


def _pair_or_triple(result, n, names, what):
    if not isinstance(result, (tuple, list)) or len(result) != n:
        got = type(result).__name__ + (f" of length {len(result)}" if isinstance(result, (tuple, list)) else "")
        raise AssertionError(f"{what}: expected a tuple ({', '.join(names)}), got {got}")
    return result


def _quadratic(rng, shape):
    """A random convex quadratic J(w) = ½ wᵀAw + bᵀw on arrays of ``shape``: returns its gradient function."""
    d = int(np.prod(shape))
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    A = Q @ np.diag(np.geomspace(1.0, 20.0, d)) @ Q.T
    b = rng.standard_normal(d)
    return lambda w: (A @ w.ravel() + b).reshape(shape)


def check_momentum_step(momentum_step: Callable[..., Any]) -> None:
    """``momentum_step(w, dw_prev, grad, lr, mu)`` → ``(w_new, dw_new)``, the lecture's momentum method::

        Δw^{(t+1)} = μ Δw^{(t)} − ε ∇J(w^{(t)}),     w^{(t+1)} = w^{(t)} + Δw^{(t+1)}

    Runs 15 steps on random quadratics (vector and matrix parameters, several ε and μ, starting from
    Δw = 0) and compares every step with :class:`lecturelib.numpy_nn.Momentum`. The inputs must not be
    modified in place.
    """
    rng = np.random.default_rng(80)
    cases = [((3,), 0.05, 0.9), ((2, 3), 0.02, 0.5), ((4,), 0.1, 0.0), ((5,), 0.01, 0.99)]
    for k, (shape, lr, mu) in enumerate(cases):
        grad_fn = _quadratic(rng, shape)
        w = rng.standard_normal(shape)
        dw = np.zeros(shape)
        ref = nnp.Momentum(lr, momentum=mu)
        ref_params = {"w": w.copy()}
        for step in range(15):
            g = grad_fn(w)
            what = f"case {k} (shape {shape}, lr={lr}, mu={mu}), step {step + 1}"
            w_new, dw_new = _pair_or_triple(
                call_student_on_copies(momentum_step, w, dw, g, lr, mu, what="momentum_step", context=what),
                2, ("w_new", "dw_new"), what)
            ref.step(ref_params, {"w": g})
            assert_close(dw_new, ref.state["w"]["dw"], f"{what}: dw_new = mu * dw_prev - lr * grad", rtol=1e-9)
            assert_close(w_new, ref_params["w"], f"{what}: w_new = w + dw_new", rtol=1e-9)
            w, dw = np.asarray(w_new, dtype=np.float64), np.asarray(dw_new, dtype=np.float64)
    passed("momentum_step follows Δw ← μΔw − ε∇J(w), w ← w + Δw (4 runs of 15 steps, as numpy_nn.Momentum)")


def check_adam_step(adam_step: Callable[..., Any]) -> None:
    """``adam_step(w, m, v, t, grad, lr, beta1=0.9, beta2=0.999, eps=1e-8)`` → ``(w_new, m_new, v_new)``.

    ``t`` counts steps from 1. Runs 12 steps from ``m = v = 0`` with random gradients of widely different
    sizes per element (so that the per-element scaling matters), with default and non-default β₁, β₂, ε_s,
    and compares every step with :class:`lecturelib.numpy_nn.Adam` (which equals ``torch.optim.Adam``).
    """
    rng = np.random.default_rng(81)
    cases = [((4,), 0.1, None), ((2, 3), 0.01, (0.8, 0.99, 1e-6)), ((6,), 0.5, (0.0, 0.9, 1e-8))]
    for k, (shape, lr, hyper) in enumerate(cases):
        w = rng.standard_normal(shape)
        m, v = np.zeros(shape), np.zeros(shape)
        scale = 10.0 ** rng.uniform(-3, 2, size=shape)       # gradients from 1e-3 to 1e2 in size
        if hyper is None:
            ref = nnp.Adam(lr)
            kwargs = {}
            label = f"lr={lr}, default betas and eps"
        else:
            b1, b2, eps = hyper
            ref = nnp.Adam(lr, beta1=b1, beta2=b2, eps=eps)
            kwargs = {"beta1": b1, "beta2": b2, "eps": eps}
            label = f"lr={lr}, beta1={b1}, beta2={b2}, eps={eps}"
        ref_params = {"w": w.copy()}
        for t in range(1, 13):
            g = scale * rng.standard_normal(shape)
            what = f"case {k} (shape {shape}, {label}), step t={t}"
            w_new, m_new, v_new = _pair_or_triple(
                call_student_on_copies(adam_step, w, m, v, t, g, lr, what="adam_step", context=what, **kwargs),
                3, ("w_new", "m_new", "v_new"), what)
            ref.step(ref_params, {"w": g})
            st = ref.state["w"]
            assert_close(m_new, st["m"], f"{what}: m_new = beta1 m + (1 − beta1) g", rtol=1e-9)
            assert_close(v_new, st["v"], f"{what}: v_new = beta2 v + (1 − beta2) g²", rtol=1e-9)
            assert_close(w_new, ref_params["w"],
                         f"{what}: w_new = w − lr m̂ / (√v̂ + eps) with the bias-corrected averages m̂, v̂ (if every "
                         "gradient so far had been the same g, they must give m̂ = g and v̂ = g² at every t)", rtol=1e-9)
            w, m, v = (np.asarray(a, dtype=np.float64) for a in (w_new, m_new, v_new))
    passed("adam_step matches numpy_nn.Adam (= torch.optim.Adam) over 3 runs of 12 steps, bias correction included")


def _warmup_cosine_ref(t, total_steps, lr_max, warmup_steps, lr_min):
    if t < warmup_steps:
        return lr_max * (t + 1) / warmup_steps
    progress = (t - warmup_steps) / (total_steps - warmup_steps)
    return lr_min + 0.5 * (lr_max - lr_min) * (1.0 + math.cos(math.pi * progress))


def check_warmup_cosine_lr(warmup_cosine_lr: Callable[..., Any]) -> None:
    """``warmup_cosine_lr(t, total_steps, lr_max, warmup_steps, lr_min=0.0)`` → the learning rate of step t::

        ε(t) = ε_max (t + 1) / T_w                                        for 0 ≤ t < T_w
        ε(t) = ε_min + ½ (ε_max − ε_min) (1 + cos(π (t − T_w) / (T − T_w)))   for T_w ≤ t ≤ T

    Compares every t from 0 to T for several (T, ε_max, T_w, ε_min), including no warm-up (T_w = 0).
    """
    cases = [(100, 0.1, 10, 0.0), (50, 1.0, 5, 0.01), (20, 0.3, 0, 0.0), (7, 2.0, 1, 0.5)]
    for total, lr_max, warmup, lr_min in cases:
        got = []
        for t in range(total + 1):
            value = call_student(warmup_cosine_lr, t, total, lr_max, warmup, lr_min, what="warmup_cosine_lr")
            if np.ndim(value) != 0:
                raise AssertionError(f"warmup_cosine_lr(t={t}, ...) must return a number, got shape {np.shape(value)}")
            got.append(float(value))
        expected = [_warmup_cosine_ref(t, total, lr_max, warmup, lr_min) for t in range(total + 1)]
        assert_close(np.array(got), np.array(expected),
                     f"warmup_cosine_lr over t = 0..{total} (T={total}, lr_max={lr_max}, warmup_steps={warmup}, "
                     f"lr_min={lr_min}); index = t", rtol=1e-9, atol=1e-12)
    passed("warmup_cosine_lr: linear warm-up to ε_max, then cosine decay to ε_min (4 schedules, every step)")
