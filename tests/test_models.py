"""lecturelib.models: LeNet-5 in NumPy, in lecturelib.torch_nn and in torch.nn agree; summaries count right."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecturelib import numpy_nn as nnp
from lecturelib.models import copy_weights, get_weights, lenet5, mlp, set_weights, summary
from lecturelib.numpy_nn import AvgPool2d, Conv2d, Flatten, Linear, Sequential, Tanh
from lecturelib.training import train_numpy


def LeNet5(*args, **kwargs):
    return lenet5(*args, impl="numpy", **kwargs)


def lenet5_torch_nn(*args, **kwargs):
    return lenet5(*args, impl="lecturelib", **kwargs)


def lenet5_torch(*args, **kwargs):
    return lenet5(*args, impl="torch", **kwargs)

LENET5_PARAMS = 156 + 2416 + 48120 + 10164 + 850   # = 61,706 with every C3 map joined to every S2 map


def _data(n=6, size=28, seed=0, dtype=np.float64):
    rng = np.random.default_rng(seed)
    return rng.random((n, 1, size, size)).astype(dtype), rng.integers(0, 10, size=n)


def test_lenet5_shapes_and_parameter_count():
    model = LeNet5(rng=0)
    x, _ = _data(3, dtype=np.float32)
    outs = dict(model.forward(x, return_all=True))
    assert outs["conv1"].shape == (3, 6, 28, 28)
    assert outs["pool1"].shape == (3, 6, 14, 14)
    assert outs["conv2"].shape == (3, 16, 10, 10)
    assert outs["pool2"].shape == (3, 16, 5, 5)
    assert outs["fc1"].shape == (3, 120) and outs["fc2"].shape == (3, 84) and outs["fc3"].shape == (3, 10)
    assert outs["fc3"].dtype == np.float32
    assert model.num_params == LENET5_PARAMS == 61706
    for m in (lenet5_torch_nn(), lenet5_torch()):
        assert sum(p.numel() for p in m.parameters()) == LENET5_PARAMS
        assert m(torch.zeros(2, 1, 28, 28)).shape == (2, 10)
    # the original 32×32 input without padding has the same shapes after conv1
    assert LeNet5(input_size=32, pad1=0, rng=0).num_params == LENET5_PARAMS


@pytest.mark.parametrize("make", [lambda: LeNet5(rng=0), lenet5_torch_nn, lenet5_torch])
def test_summary(make, capsys):
    s = summary(make(), (1, 28, 28))
    printed = capsys.readouterr().out
    assert "61,706" in printed and "conv2" in printed
    assert s.total_params == LENET5_PARAMS
    rows = {r["name"]: r for r in s.rows}
    assert rows["conv1"]["output_shape"] == (6, 28, 28) and rows["conv1"]["neurons"] == 4704
    assert rows["conv1"]["params"] == 156 and rows["conv1"]["macs"] == 6 * 28 * 28 * 25
    assert rows["conv2"]["macs"] == 16 * 10 * 10 * 150
    assert rows["fc1"]["macs"] == 400 * 120 and rows["fc3"]["neurons"] == 10
    assert s.total_macs == 117600 + 240000 + 48000 + 10080 + 840


def test_summary_counts_a_shared_module_once():
    lin = torch.nn.Linear(4, 4)

    class Twice(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lin = lin

        def forward(self, x):
            return self.lin(self.lin(x))

    s = summary(Twice(), (4,), print_table=False)
    assert len(s.rows) == 2 and s.total_params == 20 and s.total_macs == 32


@pytest.mark.parametrize("activation,pool", [("relu", "max"), ("tanh", "avg")])
def test_three_forms_agree_float64(activation, pool):
    """Identical weights: identical scores, loss and gradients (float64) in the three implementations."""
    x, y = _data(5)
    ref = LeNet5(activation, pool, rng=1, dtype=np.float64)
    for p in ref.params.values():  # non-zero biases, so a bias mix-up would show
        if p.ndim == 1:
            p[...] = np.random.default_rng(p.size).normal(0, 0.1, p.shape)
    J, grads = ref.loss(x, y)
    scores = ref.forward(x)
    for make in (lenet5_torch_nn, lenet5_torch):
        model = make(activation, pool, dtype=torch.float64)
        copy_weights(ref, model)
        out = model(torch.from_numpy(x))
        loss = torch.nn.functional.cross_entropy(out, torch.from_numpy(y))
        loss.backward()
        assert nnp.rel_error(out.detach().numpy(), scores) < 1e-12
        assert abs(float(loss.detach()) - J) < 1e-12
        tg = get_weights(model, grads=True)
        assert list(tg) == list(grads)
        for k in grads:
            assert nnp.rel_error(tg[k], grads[k]) < 1e-10, k


def test_copy_weights_round_trip():
    a, b, c = LeNet5(rng=2, dtype=np.float64), lenet5_torch(dtype=torch.float64), lenet5_torch_nn(dtype=torch.float64)
    copy_weights(a, b)
    copy_weights(b, c)
    d = LeNet5(rng=3, dtype=np.float64)
    copy_weights(c, d)
    for k, v in get_weights(a).items():
        assert np.array_equal(v, d.params[k])
    assert b.fc1.weight.shape == (120, 400) and c.fc1.weight.shape == (400, 120)
    assert torch.equal(b.fc1.weight.T, c.fc1.weight)
    with pytest.raises(ValueError, match="shape"):
        set_weights(LeNet5(num_classes=5, rng=0), get_weights(a))
    with pytest.raises(ValueError, match="parameter arrays"):
        set_weights(a, dict(list(get_weights(a).items())[:4]))


def test_numpy_lenet_backward_vs_numerical_gradient():
    """Every parameter's gradient (a few entries each) and ∂J/∂x against central differences, tiny batch."""
    x, y = _data(2, seed=4)
    model = LeNet5("tanh", "avg", rng=5, dtype=np.float64)   # smooth everywhere: no kinks near the test points
    J, grads = model.loss(x, y)
    dx = model.backward(nnp.softmax_cross_entropy(model.forward(x), y)[1])
    rng = np.random.default_rng(6)
    h = 1e-6
    for name, p in model.params.items():
        for idx in [tuple(rng.integers(0, s) for s in p.shape) for _ in range(4)]:
            old = p[idx]
            p[idx] = old + h
            jp, _ = nnp.softmax_cross_entropy(model.forward(x), y)
            p[idx] = old - h
            jm, _ = nnp.softmax_cross_entropy(model.forward(x), y)
            p[idx] = old
            num = (jp - jm) / (2 * h)
            assert abs(num - grads[name][idx]) <= 1e-6 * max(1e-3, abs(num) + abs(grads[name][idx])), (name, idx)
    full = x.copy()

    def j_of_first(v):  # ∂J/∂x for the first sample's pixels
        full[:1] = v
        return nnp.softmax_cross_entropy(model.forward(full), y)[0]

    num_dx = nnp.numerical_gradient(j_of_first, x[:1].copy())
    assert np.abs(dx[:1] - num_dx).max() < 1e-6 * np.abs(num_dx).max()


def test_relu_max_lenet_gradient_check():
    """ReLU and max pooling too (random inputs keep ties and kinks away from ±h)."""
    x, y = _data(2, seed=7)
    model = LeNet5(rng=8, dtype=np.float64)
    _, grads = model.loss(x, y)
    for name in ("conv1.weight", "conv2.bias", "fc1.weight", "fc3.bias"):
        p = model.params[name]
        sub = p.reshape(-1)[:6]

        def f(v, p=p):
            saved = p.reshape(-1)[:6].copy()
            p.reshape(-1)[:6] = v
            J = nnp.softmax_cross_entropy(model.forward(x), y)[0]
            p.reshape(-1)[:6] = saved
            return J

        num = nnp.numerical_gradient(f, sub.copy())
        assert nnp.rel_error(grads[name].reshape(-1)[:6], num) < 1e-6, name


def test_sequential_trains_with_train_numpy():
    rng = np.random.default_rng(9)
    x = rng.normal(size=(64, 1, 8, 8)).astype(np.float32)
    y = (x[:, 0, :4].sum(axis=(1, 2)) > x[:, 0, 4:].sum(axis=(1, 2))).astype(np.int64)
    model = Sequential([("conv", Conv2d(1, 4, 3, pad=1)), ("act", Tanh()), ("pool", AvgPool2d(2, 2)),
                        ("flat", Flatten()), ("fc", Linear(64, 2))], rng=0)
    hist = train_numpy(model, nnp.Adam(1e-2), (x, y), epochs=30, batch_size=16, rng=0, progress=False)
    assert hist["loss"][-1] < 0.5 * hist["loss"][0]
    assert set(model.grads) == set(model.params) == {"conv.weight", "conv.bias", "fc.weight", "fc.bias"}


def test_naive_conv_layer_matches_im2col():
    x, _ = _data(2, size=9)
    a = Sequential([("c", Conv2d(1, 3, 3, stride=2, pad=1))], rng=0, dtype=np.float64)
    b = Sequential([("c", Conv2d(1, 3, 3, stride=2, pad=1, naive=True))], rng=0, dtype=np.float64)
    ua, ub = a.forward(x), b.forward(x)
    assert nnp.rel_error(ua, ub) < 1e-12
    du = np.random.default_rng(1).normal(size=ua.shape)
    a.backward(du)
    b.backward(du)
    ga, gb = a.grads, b.grads
    for k in ga:
        assert nnp.rel_error(ga[k], gb[k]) < 1e-12


@pytest.mark.parametrize("call,error,match", [
    (lambda: lenet5(activation="sigmoid"), ValueError, "activation: expected one of"),
    (lambda: lenet5(pool="median", impl="torch"), ValueError, "pool: expected one of"),
    (lambda: lenet5(impl="keras"), ValueError, r"impl: expected one of \['lecturelib', 'numpy', 'torch'\]"),
    (lambda: lenet5(impl="torch", rng=0), ValueError, "init and rng apply to impl='numpy'"),
    (lambda: lenet5(impl="torch", dtype=np.float64), TypeError, "torch.dtype"),
    (lambda: lenet5(dtype=np.int32), TypeError, "floating dtype"),
    (lambda: lenet5(device="cpu"), ValueError, "device"),
    (lambda: lenet5(input_size=8), ValueError, "too small for LeNet-5"),
    (lambda: lenet5(num_classes=0), ValueError, "num_classes: expected a positive int, got 0"),
    (lambda: mlp([784]), ValueError, r"at least \[D_in, D_out\]"),
    (lambda: mlp([784, 0, 10]), ValueError, r"sizes\[1\]: expected a positive int, got 0"),
    (lambda: mlp([4, 3], "swish"), ValueError, "activation: expected one of"),
    (lambda: mlp([4, 3], impl="torch", bias_init=0.1), ValueError, "bias_init applies to impl='numpy'"),
    (lambda: Conv2d(1, 2, 0), ValueError, r"kernel_size: expected positive values, got \(0, 0\)"),
    (lambda: Conv2d(1, 2, 3, stride=0), ValueError, "stride: expected positive"),
    (lambda: Conv2d(0, 2, 3), ValueError, "in_channels: expected a positive int"),
    (lambda: Conv2d(1, 2, 3, init="kaiming"), ValueError, "init: expected a number or one of"),
    (lambda: Linear(4, -1), ValueError, "out_features: expected a positive int"),
    (lambda: Sequential([]), ValueError, "at least one"),
    (lambda: Sequential([("a.b", Tanh())]), ValueError, "without '.'"),
    (lambda: Sequential([("a", Tanh()), ("a", Tanh())]), ValueError, "appears twice"),
    (lambda: Sequential([("fc", torch.nn.Linear(2, 2))]), TypeError, "must be a lecturelib.numpy_nn Layer, got Linear"),
    (lambda: Sequential([("fc", Linear(2, 2))]).backward(np.ones((1, 2))), ValueError,
     "Sequential.backward called before forward"),
    (lambda: Linear(2, 2).forward(np.ones((1, 2))), ValueError, "no parameter 'weight' yet"),
    (lambda: Linear(2, 2).init_params(0).backward(np.ones((1, 2))), ValueError, "Linear.backward called before forward"),
    (lambda: summary(object(), (1, 28, 28)), TypeError, "expected a lecturelib.numpy_nn Layer"),
    (lambda: summary(lenet5(), (1, 0, 28)), ValueError, "positive ints"),
    (lambda: get_weights("model"), TypeError, "expected a NumPy model"),
    (lambda: set_weights(lenet5(), [1, 2]), TypeError, "expected a dict"),
])
def test_bad_arguments(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_moved_names_still_resolve_with_a_deprecation_warning():
    import lecturelib.models as models_module
    import lecturelib.training as training_module

    with pytest.warns(DeprecationWarning, match=r"lenet5\(\.\.\., impl='numpy'\)"):
        old = models_module.LeNet5(rng=0)
    assert old.num_params == LENET5_PARAMS
    with pytest.warns(DeprecationWarning, match="lecturelib.models.MLP"):
        assert training_module.MLP is models_module.MLP
    with pytest.raises(AttributeError):
        training_module.no_such_name  # noqa: B018


def test_mlp_builder_three_forms_agree():
    x = np.random.default_rng(0).normal(size=(5, 4))
    ref = mlp([4, 6, 3], "tanh", rng=1, dtype=np.float64)
    for impl in ("lecturelib", "torch"):
        model = mlp([4, 6, 3], "tanh", impl=impl, dtype=torch.float64)
        copy_weights(ref, model)
        assert nnp.rel_error(model(torch.from_numpy(x)).detach().numpy(), ref.forward(x)) < 1e-12
