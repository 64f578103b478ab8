"""lecturelib.training: minibatches, accuracy, the NumPy MLP's backward pass, and both training loops."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn
from lecturelib.models import MLP, mlp, set_weights
from lecturelib.numpy_nn import init_std
from lecturelib.training import accuracy, evaluate_numpy, evaluate_torch, iterate_minibatches, train_numpy, train_torch


def torch_mlp(sizes, activation="relu", **kwargs):
    return mlp(sizes, activation, impl="lecturelib", **kwargs)


def blobs(n=120, d=4, k=3, seed=0, dtype=np.float64):
    """k well-separated Gaussian clusters in d dimensions: an easy classification problem."""
    rng = np.random.default_rng(seed)
    centres = 3 * rng.normal(size=(k, d))
    y = rng.integers(0, k, size=n)
    x = centres[y] + rng.normal(size=(n, d))
    return x.astype(dtype), y.astype(np.int64)


# ------------------------------------------------------------------------------------------------ batches

@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_minibatches_cover_every_sample_once(shuffle, backend):
    n, bs = 103, 10
    x = np.arange(n, dtype=np.float64)[:, None] * np.ones((1, 3))
    y = np.arange(n)
    if backend == "torch":
        x, y = torch.from_numpy(x), torch.from_numpy(y)
    batches = list(iterate_minibatches(x, y, bs, rng=0, shuffle=shuffle))
    assert [len(b[0]) for b in batches] == [10] * 10 + [3]
    seen = np.concatenate([np.asarray(yb) for _, yb in batches])
    assert sorted(seen.tolist()) == list(range(n))
    for xb, yb in batches:  # inputs and labels stay paired
        assert np.array_equal(np.asarray(xb)[:, 0], np.asarray(yb))
    if shuffle:
        assert seen.tolist() != list(range(n))
        again = np.concatenate([np.asarray(yb) for _, yb in iterate_minibatches(x, y, bs, rng=0)])
        assert np.array_equal(seen, again)  # same seed, same order
    else:
        assert seen.tolist() == list(range(n))


def test_minibatches_reject_bad_input():
    with pytest.raises(ValueError, match="same number"):
        list(iterate_minibatches(np.zeros((4, 2)), np.zeros(3), 2))
    with pytest.raises(ValueError, match="batch_size"):
        list(iterate_minibatches(np.zeros((4, 2)), np.zeros(4), 0))


def test_accuracy():
    scores = np.array([[0.1, 0.9], [2.0, -1.0], [0.0, 3.0], [5.0, 4.0]])
    labels = np.array([1, 0, 0, 1])
    assert accuracy(scores, labels) == 0.5
    assert accuracy(torch.from_numpy(scores), torch.from_numpy(labels)) == 0.5
    with pytest.raises(ValueError):
        accuracy(scores, labels[:3])


# ---------------------------------------------------------------------------------------------------- MLP

def test_init_std_rules():
    assert init_std(0.01, 784, 256) == 0.01
    assert np.isclose(init_std("lecun", 100, 7), 0.1)
    assert np.isclose(init_std("he", 50, 7), 0.2)
    assert np.isclose(init_std("glorot", 30, 70), np.sqrt(2 / 100))
    with pytest.raises(ValueError):
        init_std("bogus", 3, 3)
    m = MLP([2000, 500, 10], init=0.5, bias_init=0.5, rng=0)
    assert abs(m.params["W1"].std() - 0.5) < 0.01 and abs(m.params["b1"].std() - 0.5) < 0.05
    assert np.all(MLP([3, 4, 2], rng=0).params["b1"] == 0)


def test_mlp_shapes_and_dtype():
    m = MLP([6, 5, 4, 3], "tanh", rng=0, dtype=np.float32)
    assert {k: v.shape for k, v in m.params.items()} == {
        "W1": (6, 5), "b1": (5,), "W2": (5, 4), "b2": (4,), "W3": (4, 3), "b3": (3,)}
    assert m.num_params == 6 * 5 + 5 + 5 * 4 + 4 + 4 * 3 + 3
    x = np.ones((7, 6), dtype=np.float32)
    scores = m.forward(x)
    assert scores.shape == (7, 3) and scores.dtype == np.float32
    grads = m.backward(np.ones_like(scores))
    assert list(grads) == list(m.params) and all(grads[k].dtype == np.float32 for k in grads)
    assert sorted(m.deltas) == [1, 2, 3]


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_mlp_backward_equals_numerical_gradient(activation):
    x, y = blobs(n=6, d=5, k=3, seed=1)
    m = MLP([5, 4, 4, 3], activation, init=0.7, bias_init=0.3, rng=2, dtype=np.float64)
    _, grads = m.loss(x, y)
    for name, p in m.params.items():
        numeric = nnp.numerical_gradient(lambda _: nnp.softmax_cross_entropy(m.forward(x), y)[0], p)
        assert nnp.rel_error(grads[name], numeric) < 1e-7, name


def test_mlp_deltas_are_derivatives_of_the_loss_with_respect_to_u():
    x, y = blobs(n=4, d=3, k=2, seed=3)
    m = MLP([3, 5, 2], "sigmoid", init=0.3, rng=4, dtype=np.float64)
    m.loss(x, y)
    u1 = m.cache["u"][1].copy()

    def J_of_u1(u):  # forward from layer 1 on
        scores, _ = nnp.linear_forward(nnp.sigmoid(u), m.params["W2"], m.params["b2"])
        return nnp.softmax_cross_entropy(scores, y)[0]

    assert nnp.rel_error(m.deltas[1], nnp.numerical_gradient(J_of_u1, u1)) < 1e-7


def test_mlp_matches_torch_autograd():
    x, y = blobs(n=8, d=4, k=3, seed=5)
    m = MLP([4, 6, 3], "relu", init="he", bias_init=0.1, rng=6, dtype=np.float64)
    _, grads = m.loss(x, y)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in m.params.items()}
    h = torch.relu(torch.from_numpy(x) @ p["W1"] + p["b1"])
    F.cross_entropy(h @ p["W2"] + p["b2"], torch.from_numpy(y)).backward()
    for k in grads:
        assert nnp.rel_error(grads[k], p[k].grad.numpy()) < 1e-12, k


# ------------------------------------------------------------------------------------------------ training

def test_train_numpy_reduces_the_loss():
    x, y = blobs(n=150, seed=7, dtype=np.float32)
    m = MLP([4, 16, 3], "relu", rng=0)
    before, _ = evaluate_numpy(m, (x, y))
    hist = train_numpy(m, nnp.SGD(0.1), (x, y), epochs=20, batch_size=16, rng=1, val=(x, y),
                       progress=False, eval_train=True)
    after, acc = evaluate_numpy(m, (x, y))
    assert after < 0.5 * before and acc > 0.9
    assert len(hist["loss"]) == len(hist["val_acc"]) == len(hist["train_acc"]) == 20
    assert len(hist["step_loss"]) == 20 * 10
    assert hist["train_loss"][-1] == pytest.approx(after)


def test_train_numpy_full_batch_is_gradient_descent():
    x, y = blobs(n=20, seed=8)
    m1 = MLP([4, 5, 3], "tanh", rng=0, dtype=np.float64)
    m2 = MLP([4, 5, 3], "tanh", rng=0, dtype=np.float64)
    train_numpy(m1, nnp.SGD(0.3), (x, y), epochs=5, batch_size=len(x), shuffle=False, progress=False)
    for _ in range(5):
        _, grads = m2.loss(x, y)
        for k in m2.params:
            m2.params[k] -= 0.3 * grads[k]
    for k in m1.params:
        np.testing.assert_allclose(m1.params[k], m2.params[k], rtol=1e-12, atol=1e-14)


def test_train_torch_reduces_the_loss():
    torch.manual_seed(0)
    x, y = blobs(n=150, seed=9, dtype=np.float32)
    model = torch_mlp([4, 16, 3], "relu")
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    before, _ = evaluate_torch(model, (x, y))
    hist = train_torch(model, opt, (x, y), epochs=20, batch_size=16, rng=1, val=(x, y), progress=False)
    after, acc = evaluate_torch(model, (x, y))
    assert after < 0.5 * before and acc > 0.9
    assert len(hist["val_loss"]) == 20 and hist["val_loss"][-1] == pytest.approx(after)
    assert model.training


def test_train_torch_accepts_a_dataloader():
    x, y = blobs(n=64, seed=10, dtype=np.float32)
    ds = torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))
    loader = torch.utils.data.DataLoader(ds, batch_size=16, shuffle=False)
    model = torch_mlp([4, 8, 3], "tanh")
    hist = train_torch(model, torch.optim.SGD(model.parameters(), lr=0.1), loader, epochs=2, progress=False)
    assert len(hist["step_loss"]) == 8 and len(hist["loss"]) == 2
    loss, acc = evaluate_torch(model, loader)
    assert np.isfinite(loss) and 0 <= acc <= 1


def test_numpy_and_torch_loops_follow_the_same_trajectory():
    """Same parameters, same minibatches (same rng), float64: the two loops agree step by step."""
    x, y = blobs(n=50, seed=11)
    m = MLP([4, 6, 3], "relu", rng=3, dtype=np.float64)
    model = torch_mlp([4, 6, 3], "relu", dtype=torch.float64)
    set_weights(model, m.params)
    h_np = train_numpy(m, nnp.SGD(0.05), (x, y), epochs=2, batch_size=8, rng=4, progress=False)
    h_t = train_torch(model, torch.optim.SGD(model.parameters(), lr=0.05), (x, y), epochs=2, batch_size=8,
                      rng=4, loss_fn=tnn.softmax_cross_entropy, progress=False)
    np.testing.assert_allclose(h_np["step_loss"], h_t["step_loss"], rtol=1e-12)
    np.testing.assert_allclose(m.params["W2"], model[2].weight.detach().numpy(), rtol=1e-10)


def test_set_weights_rejects_wrong_shapes():
    m = MLP([4, 6, 3], rng=0)
    with pytest.raises(ValueError):
        set_weights(torch_mlp([4, 5, 3]), m.params)
    with pytest.raises(ValueError):
        set_weights(torch_mlp([4, 6, 6, 3]), m.params)


# ------------------------------------------------------------------------------------------------ bad input

def _numpy_setup():
    x, y = blobs(n=20, seed=12)
    return MLP([4, 5, 3], rng=0, dtype=np.float64), nnp.SGD(0.1), x, y


@pytest.mark.parametrize("call,error,match", [
    (lambda m, o, x, y: train_numpy(m, o, (x, y), 1, batch_size=0), ValueError, "batch_size: expected a positive int, got 0"),
    (lambda m, o, x, y: train_numpy(m, o, (x, y), 0), ValueError, "epochs: expected a positive int, got 0"),
    (lambda m, o, x, y: train_numpy(m, o, (x, y), 1.5), ValueError, "epochs: expected a positive int"),
    (lambda m, o, x, y: train_numpy(m, o, x, 1), TypeError, r"data must be a tuple \(x, y\)"),
    (lambda m, o, x, y: train_numpy(m, o, (x, y[:3]), 1), ValueError, "same number of samples, got 20 and 3"),
    (lambda m, o, x, y: train_numpy(m, o, (x[:0], y[:0]), 1), ValueError, "holds no samples"),
    (lambda m, o, x, y: train_numpy(m, torch.optim.SGD([torch.zeros(1)], lr=0.1), (x, y), 1), TypeError,
     "lecturelib.numpy_nn optimizer"),
    (lambda m, o, x, y: train_numpy("model", o, (x, y), 1), TypeError, "model must have params"),
    (lambda m, o, x, y: train_numpy(m, o, (x, y), 1, val=x), TypeError, r"val must be a tuple \(x, y\)"),
    (lambda m, o, x, y: train_numpy(m, o, (x, y), 1, loss_fn="ce"), TypeError, "loss_fn must be callable"),
    (lambda m, o, x, y: evaluate_numpy(m, x, y), TypeError, ""),
    (lambda m, o, x, y: evaluate_numpy(m, (x, y), batch_size=-1), ValueError, "batch_size"),
    (lambda m, o, x, y: train_torch(m, o, (x, y), 1), TypeError, "model must be a torch.nn.Module"),
    (lambda m, o, x, y: train_torch(torch_mlp([4, 3]), o, (x, y), 1), TypeError, "torch.optim optimizer"),
    (lambda m, o, x, y: evaluate_torch(torch_mlp([4, 3]), (x, y), batch_size=0), ValueError, "batch_size"),
], ids=["batch0", "epochs0", "epochs-float", "old-signature", "length", "empty", "torch-opt", "model", "val",
        "loss_fn", "evaluate-old-signature", "evaluate-batch", "torch-model", "torch-numpy-opt", "torch-eval-batch"])
def test_loops_reject_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call(*_numpy_setup())


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_nan_inputs_are_refused_before_training(backend):
    m, o, x, y = _numpy_setup()
    x = x.copy()
    x[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"contains NaN or inf \(first at index \(3, 1\)\)"):
        if backend == "numpy":
            train_numpy(m, o, (x, y), 1, progress=False)
        else:
            model = torch_mlp([4, 3], dtype=torch.float64)
            train_torch(model, torch.optim.SGD(model.parameters(), lr=0.1), (torch.from_numpy(x), y), 1,
                        progress=False)


@pytest.mark.parametrize("backend", ["numpy", "torch"])
def test_a_diverging_loss_stops_training_with_a_warning(backend):
    x, y = blobs(n=64, seed=13)
    x = x * 1e3                                   # a learning rate far too large for inputs of this scale
    if backend == "numpy":
        m = MLP([4, 16, 3], rng=0, dtype=np.float64)
        run = lambda: train_numpy(m, nnp.SGD(1e3), (x, y), 50, batch_size=8, rng=0, progress=False)  # noqa: E731
        params = lambda: [p.copy() for p in m.params.values()]  # noqa: E731
    else:
        torch.manual_seed(0)
        m = torch_mlp([4, 16, 3], dtype=torch.float64)
        run = lambda: train_torch(m, torch.optim.SGD(m.parameters(), lr=1e3), (x, y), 50, batch_size=8,  # noqa: E731
                                  rng=0, progress=False)
        params = lambda: [p.detach().clone().numpy() for p in m.parameters()]  # noqa: E731
    with pytest.warns(RuntimeWarning, match=r"the loss became (nan|inf) at epoch \d+, step \d+; training stopped"):
        hist = run()
    assert len(hist["loss"]) < 50 and all(np.isfinite(hist["step_loss"]))
    assert all(np.isfinite(p).all() for p in params())   # the diverging step was not applied


def test_train_numpy_accepts_a_wrapped_optimizer():
    """A schedule wrapping a numpy_nn optimizer (chapter 7's HoldThenDecay) is an optimizer: it has step()."""
    from lecturelib import numpy_nn as nnp
    from lecturelib.models import MLP

    class Halving:
        def __init__(self, opt):
            self.opt, self.calls = opt, 0

        def step(self, params, grads):
            self.calls += 1
            self.opt.step(params, grads)

    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((20, 4)).astype(np.float32), rng.integers(0, 3, 20)
    opt = Halving(nnp.SGD(0.1))
    train_numpy(MLP([4, 3], rng=0), opt, (x, y), 2, batch_size=10, progress=False)
    assert opt.calls == 4
