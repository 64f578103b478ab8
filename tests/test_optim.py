"""Optimizers: each trajectory equals torch.optim's with the same settings (float64, ill-conditioned quadratic)."""

import numpy as np
import pytest
import torch

from lecturelib import numpy_nn as nnp

STEPS = 20


def _problem():
    """J(w) = Σ_k ½ w_k^T A_k w_k + b_k^T w_k over three parameter arrays; A_k SPD with condition number 100."""
    rng = np.random.default_rng(0)
    shapes = {"W1": (3, 4), "b1": (5,), "W2": (2, 3)}
    A, b, w0 = {}, {}, {}
    for name, shape in shapes.items():
        d = int(np.prod(shape))
        Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
        A[name] = Q @ np.diag(np.geomspace(1.0, 100.0, d)) @ Q.T
        b[name] = rng.standard_normal(d)
        w0[name] = rng.standard_normal(shape)
    return A, b, w0


def _grad_numpy(A, b, params):
    return {k: (A[k] @ p.ravel() + b[k]).reshape(p.shape) for k, p in params.items()}


CASES = [
    ("SGD", lambda: nnp.SGD(0.01), lambda ps: torch.optim.SGD(ps, lr=0.01)),
    ("Momentum", lambda: nnp.Momentum(0.01, momentum=0.9),
     lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.9)),
    ("Nesterov", lambda: nnp.Nesterov(0.01, momentum=0.8),
     lambda ps: torch.optim.SGD(ps, lr=0.01, momentum=0.8, nesterov=True)),
    ("AdaGrad", lambda: nnp.AdaGrad(0.3, eps=1e-10), lambda ps: torch.optim.Adagrad(ps, lr=0.3, eps=1e-10)),
    ("RMSProp", lambda: nnp.RMSProp(0.01, beta=0.9, eps=1e-8),
     lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-8)),
    ("RMSProp-default", lambda: nnp.RMSProp(0.01), lambda ps: torch.optim.RMSprop(ps, lr=0.01)),
    ("Adam", lambda: nnp.Adam(0.05, beta1=0.8, beta2=0.99, eps=1e-8),
     lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-8)),
    ("Adam-default", lambda: nnp.Adam(0.05), lambda ps: torch.optim.Adam(ps, lr=0.05)),
]


@pytest.mark.parametrize("name,make_ours,make_torch", CASES, ids=[c[0] for c in CASES])
def test_trajectory_equals_torch_optim(name, make_ours, make_torch):
    A, b, w0 = _problem()
    params = {k: v.copy() for k, v in w0.items()}
    tparams = {k: torch.tensor(v, requires_grad=True) for k, v in w0.items()}
    tA = {k: torch.tensor(v) for k, v in A.items()}
    tb = {k: torch.tensor(v) for k, v in b.items()}
    opt, topt = make_ours(), make_torch(list(tparams.values()))
    moved = 0.0
    for step in range(STEPS):
        opt.step(params, _grad_numpy(A, b, params))
        topt.zero_grad()
        J = sum(0.5 * p.reshape(-1) @ tA[k] @ p.reshape(-1) + tb[k] @ p.reshape(-1) for k, p in tparams.items())
        J.backward()
        topt.step()
        for k, p in params.items():
            err = nnp.rel_error(p, tparams[k].detach().numpy())
            assert err < 1e-10, f"{name}: {k} differs from torch.optim after step {step + 1}: rel error {err:.1e}"
            moved = max(moved, np.abs(p - w0[k]).max())
    assert moved > 0.1  # the comparison is not between two parameters that stayed put


def test_nesterov_lecture_form_equals_look_ahead_form():
    """Lecture: Δw_{t+1} = γΔw_t − η∇J(w_t + γΔw_t), w_{t+1} = w_t + Δw_{t+1}. The optimizer stores
    the look-ahead point w̃_t = w_t + γΔw_t and is handed ∇J(w̃_t)."""
    A, b, w0 = _problem()
    lr, gamma = 0.01, 0.9
    w = {k: v.copy() for k, v in w0.items()}             # lecture form
    dw = {k: np.zeros_like(v) for k, v in w0.items()}
    params = {k: v.copy() for k, v in w0.items()}        # look-ahead form (w̃_0 = w_0 since Δw_0 = 0)
    opt = nnp.Nesterov(lr, momentum=gamma)
    for _ in range(STEPS):
        g_ahead = _grad_numpy(A, b, {k: v + gamma * dw[k] for k, v in w.items()})
        for k, g in g_ahead.items():
            dw[k] = gamma * dw[k] - lr * g
            w[k] = w[k] + dw[k]
        opt.step(params, _grad_numpy(A, b, params))
        for k, p in params.items():
            assert nnp.rel_error(p, w[k] + gamma * dw[k]) < 1e-10
    # and the lecture's iterate itself is recovered from the optimizer's state: w = w̃ − γΔw
    for k, p in params.items():
        assert nnp.rel_error(p - gamma * opt.state[k]["dw"], w[k]) < 1e-10


def test_momentum_zero_is_sgd_and_state_is_per_parameter():
    A, b, w0 = _problem()
    p1 = {k: v.copy() for k, v in w0.items()}
    p2 = {k: v.copy() for k, v in w0.items()}
    o1, o2 = nnp.Momentum(0.01, momentum=0.0), nnp.SGD(0.01)
    for _ in range(5):
        o1.step(p1, _grad_numpy(A, b, p1))
        o2.step(p2, _grad_numpy(A, b, p2))
    for k, v in p1.items():
        np.testing.assert_allclose(v, p2[k], rtol=1e-13)
    adam = nnp.Adam(0.1)
    adam.step({"a": np.ones(2)}, {"a": np.ones(2)})
    adam.step({"a": np.ones(2), "c": np.ones(3)}, {"a": np.ones(2), "c": np.ones(3)})
    assert adam.state["a"]["t"] == 2 and adam.state["c"]["t"] == 1


@pytest.mark.parametrize("make,match", [
    (lambda: nnp.Momentum(0.1, momentum=1.0), r"momentum must be in \[0, 1\)"),
    (lambda: nnp.Momentum(0.1, momentum=-0.1), r"momentum"),
    (lambda: nnp.Nesterov(0.0), r"positive"),
    (lambda: nnp.Nesterov(0.1, momentum=1.5), r"momentum"),
    (lambda: nnp.AdaGrad(0.1, eps=0), r"eps must be positive"),
    (lambda: nnp.AdaGrad(-0.1), r"positive"),
    (lambda: nnp.RMSProp(0.1, beta=1.0), r"beta must be in"),
    (lambda: nnp.RMSProp(0.1, eps=-1e-8), r"eps"),
    (lambda: nnp.Adam(0.1, beta1=1.0), r"beta1"),
    (lambda: nnp.Adam(0.1, beta2=-0.5), r"beta2"),
    (lambda: nnp.Adam(0.1, eps=0.0), r"eps"),
    (lambda: nnp.Adam(float("nan")), r"positive"),
    (lambda: nnp.Adam(0.1).step({"w": np.ones(3)}, {"w": np.ones(4)}), r"shape"),
    (lambda: nnp.RMSProp(0.1).step({"w": np.ones(3)}, {}), r"missing"),
])
def test_bad_hyper_parameters_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make()


@pytest.mark.parametrize("make,error,match", [
    (lambda: nnp.SGD("0.1"), TypeError, r"lr: expected a number, got str '0.1'"),
    (lambda: nnp.Adam(None), TypeError, r"lr: expected a number, got NoneType"),
    (lambda: nnp.Momentum(0.1, momentum="0.9"), TypeError, r"momentum: expected a number, got str"),
    (lambda: nnp.RMSProp(0.1, beta=True), TypeError, r"beta: expected a number, got bool"),
    (lambda: nnp.AdaGrad(0.1, eps=[1e-8]), TypeError, r"eps: expected a number, got list"),
    (lambda: nnp.SGD(float("inf")), ValueError, r"positive finite"),
    (lambda: nnp.SGD(0.1).step([np.ones(2)], {"w": np.ones(2)}), TypeError, r"params: expected a dict"),
    (lambda: nnp.SGD(0.1).step({"w": np.ones(2)}, None), TypeError, r"grads: expected a dict"),
    (lambda: nnp.SGD(0.1).step({"w": [1.0, 2.0]}, {"w": np.ones(2)}), TypeError, r"'w'.*floating-point NumPy array"),
    (lambda: nnp.SGD(0.1).step({"w": np.ones(2, dtype=int)}, {"w": np.ones(2)}), TypeError, r"int64"),
], ids=["sgd-str", "adam-none", "momentum-str", "rmsprop-bool", "adagrad-list", "sgd-inf", "params-list",
        "grads-none", "param-list", "param-int"])
def test_wrong_types_raise_type_error_naming_what_came(make, error, match):
    with pytest.raises(error, match=match):
        make()


def test_nesterov_is_a_momentum_method():
    assert issubclass(nnp.Nesterov, nnp.Momentum)
    assert nnp.Nesterov(0.1, momentum=0.5).momentum == 0.5
