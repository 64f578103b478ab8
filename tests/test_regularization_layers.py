"""Dropout, batch normalization and LRN: the behaviour the generic specs (layer_catalog.py) cannot express —
random masks, running statistics, the formula itself, gradcheck and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import lecturelib
from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn

# --- dropout in training ----------------------------------------------------------------------------------

def test_numpy_dropout_training_semantics():
    p = 0.3
    x = np.random.default_rng(0).standard_normal((400, 500)) + 3.0   # no zeros in x
    out, mask = nnp.dropout_forward(x, p, rng=np.random.default_rng(1))
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - p), rtol=1e-15)     # inverted scaling
    np.testing.assert_array_equal(mask, kept / (1 - p))
    # 200 000 Bernoulli(0.7) draws: the kept fraction has std ≈ 0.001, so 0.01 is a 10σ bound
    assert abs(kept.mean() - (1 - p)) < 0.01
    dout = np.random.default_rng(2).standard_normal(x.shape)
    dx = nnp.dropout_backward(dout, mask)
    np.testing.assert_array_equal(dx, dout * (kept / (1 - p)))                 # backward uses the same mask
    # expectation preserved: for x ≡ 1 the mean output has std √(p/(1−p)/M) ≈ 0.0015 → 0.01 is > 6σ
    ones = np.ones((400, 500))
    assert abs(nnp.dropout_forward(ones, p, rng=np.random.default_rng(3))[0].mean() - 1.0) < 0.01
    # determinism given the generator's seed (or an int seed); p = 0 keeps everything
    a = nnp.dropout_forward(x[:5], 0.5, rng=np.random.default_rng(7))[0]
    np.testing.assert_array_equal(a, nnp.dropout_forward(x[:5], 0.5, rng=np.random.default_rng(7))[0])
    np.testing.assert_array_equal(a, nnp.dropout_forward(x[:5], 0.5, rng=7)[0])
    np.testing.assert_array_equal(nnp.dropout_forward(x, 0.0, rng=0)[0], x)
    lecturelib.set_seed(5)
    b = nnp.dropout_forward(x[:5], 0.5)[0]          # rng=None: the library's generator, seeded by set_seed
    lecturelib.set_seed(5)
    np.testing.assert_array_equal(b, nnp.dropout_forward(x[:5], 0.5)[0])


def test_torch_nn_dropout_training_semantics():
    p = 0.4
    x = (torch.randn(300, 400, dtype=torch.float64, generator=torch.Generator().manual_seed(0)) + 3.0)
    x.requires_grad_(True)
    torch.manual_seed(0)
    out = tnn.dropout(x, p)
    kept = out.detach() != 0
    assert torch.allclose(out.detach()[kept], x.detach()[kept] / (1 - p), rtol=1e-15, atol=0)
    assert abs(kept.double().mean().item() - (1 - p)) < 0.01                   # 120 000 draws: std ≈ 0.0014
    dout = torch.randn_like(x)
    out.backward(dout)
    assert torch.equal(x.grad, dout * (kept.to(dout.dtype) / (1 - p)))
    torch.manual_seed(0)
    assert torch.equal(tnn.dropout(x, p), out)                                # torch.manual_seed governs it
    assert abs(tnn.dropout(torch.ones(300, 400), p).mean().item() - 1.0) < 0.01
    m = tnn.Dropout(p)
    assert m(x).ne(0).sum() < x.numel()
    m.eval()
    assert torch.equal(m(x), x)


# --- batch normalization: running statistics --------------------------------------------------------------

@pytest.mark.parametrize("shape", [(6, 4), (4, 3, 3, 2)], ids=["2d", "4d"])
def test_batchnorm_running_statistics_match_torch(shape):
    rng = np.random.default_rng(3)
    C = shape[1]
    xs = [2 + 3 * rng.standard_normal(shape) for _ in range(3)]
    gamma, beta = rng.uniform(0.5, 2, C), rng.standard_normal(C)
    rm, rv = np.zeros(C), np.ones(C)
    trm, trv = torch.zeros(C, dtype=torch.float64), torch.ones(C, dtype=torch.float64)
    ours_rm, ours_rv = trm.clone(), trv.clone()
    tg, tb = torch.tensor(gamma), torch.tensor(beta)
    for x in xs:
        rm_before, rv_before = rm.copy(), rv.copy()
        nnp.batchnorm_forward(x, gamma, beta, rm, rv, train=True, momentum=0.3)
        F.batch_norm(torch.tensor(x), trm, trv, tg, tb, training=True, momentum=0.3)
        tnn.batch_norm(torch.tensor(x), tg, tb, ours_rm, ours_rv, train=True, momentum=0.3)
        for ours in (rm, ours_rm.numpy()):
            assert nnp.rel_error(ours, trm.numpy()) < 1e-12
        for ours in (rv, ours_rv.numpy()):
            assert nnp.rel_error(ours, trv.numpy()) < 1e-12
        # the running variance uses the unbiased batch variance (ddof=1)
        axes = (0,) if x.ndim == 2 else (0, 2, 3)
        np.testing.assert_allclose(rv, 0.7 * rv_before + 0.3 * x.var(axis=axes, ddof=1), rtol=1e-12)
        np.testing.assert_allclose(rm, 0.7 * rm_before + 0.3 * x.mean(axis=axes), rtol=1e-12)
    frozen = rm.copy(), rv.copy()
    nnp.batchnorm_forward(xs[0], gamma, beta, rm, rv, train=False)
    np.testing.assert_array_equal(rm, frozen[0])
    np.testing.assert_array_equal(rv, frozen[1])


def test_batchnorm_normalises_and_module_matches_torch():
    x = 2 + 3 * np.random.default_rng(4).standard_normal((8, 3, 4, 4))
    y, _ = nnp.batchnorm_forward(x, np.ones(3), np.zeros(3), None, None)
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-5)
    for ref_cls, shape in [(torch.nn.BatchNorm1d, (6, 3)), (torch.nn.BatchNorm2d, (5, 3, 2, 2))]:
        torch.manual_seed(0)
        ours, ref = tnn.BatchNorm(3, momentum=0.2, dtype=torch.float64), ref_cls(3, momentum=0.2).double()
        with torch.no_grad():
            ours.weight.uniform_(0.5, 2)
            ours.bias.normal_()
        ref.load_state_dict(ours.state_dict(), strict=False)
        for _ in range(2):
            xt = torch.randn(shape, dtype=torch.float64) * 2 + 1
            assert torch.allclose(ours(xt), ref(xt), rtol=1e-10, atol=1e-12)
        assert torch.allclose(ours.running_mean, ref.running_mean, rtol=1e-12)
        assert torch.allclose(ours.running_var, ref.running_var, rtol=1e-12)
        ours.eval()
        ref.eval()
        xt = torch.randn(shape, dtype=torch.float64)
        ours(xt).sum().backward()
        ref(xt).sum().backward()
        assert torch.allclose(ours(xt), ref(xt), rtol=1e-10, atol=1e-12)
        assert torch.allclose(ours.weight.grad, ref.weight.grad, rtol=1e-10)
        assert set(ours.state_dict()) <= set(ref.state_dict())


# --- LRN: the formula itself, including even n --------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 2, 4, 5])
def test_lrn_equals_the_lecture_formula(n):
    x = np.random.default_rng(5).standard_normal((1, 6, 2, 2))
    k, alpha, beta = 2.0, 0.3, 0.75
    C = x.shape[1]
    expected = np.empty_like(x)
    for i in range(C):
        js = range(max(0, i - n // 2), min(C - 1, i + n // 2) + 1)
        expected[:, i] = x[:, i] / (k + alpha * sum(x[:, j] ** 2 for j in js)) ** beta
    out, _ = nnp.lrn_forward(x, n=n, k=k, alpha=alpha, beta=beta)
    assert nnp.rel_error(out, expected) < 1e-14


# --- gradcheck for every new torch_nn function ------------------------------------------------------------

def test_torch_nn_gradcheck():
    rng = np.random.default_rng(6)

    def t(shape, lo=None, hi=None):
        a = rng.uniform(lo, hi, shape) if lo is not None else rng.standard_normal(shape)
        return torch.tensor(a, requires_grad=True)

    def fixed_mask_dropout(x):
        with torch.random.fork_rng():
            torch.manual_seed(0)           # the same mask on every call gradcheck makes
            return tnn.dropout(x, 0.4)
    assert torch.autograd.gradcheck(fixed_mask_dropout, (t((3, 5)),))
    assert torch.autograd.gradcheck(lambda x: tnn.dropout(x, 0.4, train=False) * 1, (t((3, 5)),))
    for shape in [(5, 3), (3, 2, 2, 3)]:
        C = shape[1]
        for train in (True, False):
            rm, rv = torch.tensor(rng.standard_normal(C)), torch.tensor(rng.uniform(0.5, 2, C))
            assert torch.autograd.gradcheck(
                lambda x, g, b, train=train, rm=rm, rv=rv: tnn.batch_norm(x, g, b, rm, rv, train=train),
                (t(shape), t(C, 0.5, 2), t(C)))
    assert torch.autograd.gradcheck(lambda x: tnn.lrn(x, n=3, k=1.0, alpha=0.5, beta=0.75), (t((2, 5, 2, 2)),))
    assert torch.autograd.gradcheck(tnn.LRN(n=5, k=2.0, alpha=1e-2), (t((1, 6, 2, 2)) * 1,))


# --- bad input ---------------------------------------------------------------------------------------------

_x4 = np.ones((2, 3, 2, 2))


@pytest.mark.parametrize("call,match", [
    (lambda: nnp.dropout_forward(np.ones(3), 1.0), r"p .*\[0, 1\).*1\.0"),
    (lambda: nnp.dropout_forward(np.ones(3), -0.1), r"\[0, 1\)"),
    (lambda: nnp.dropout_forward(np.ones(3), "0.5"), r"\[0, 1\)"),
    (lambda: nnp.dropout_forward(np.ones(3, dtype=int), 0.5), r"floating-point"),
    (lambda: nnp.dropout_forward(np.ones(3), 0.5, rng="seed"), r"Generator"),
    (lambda: nnp.dropout_backward(np.ones(2), np.ones(3)), r"shape"),
    (lambda: tnn.dropout(torch.ones(3), 1.0), r"\[0, 1\)"),
    (lambda: tnn.dropout(np.ones(3), 0.5), r"torch.Tensor"),
    (lambda: tnn.Dropout(1.5), r"\[0, 1\)"),
    (lambda: nnp.batchnorm_forward(np.ones((2, 3, 4)), np.ones(3), np.zeros(3), None, None), r"2 or 4 dim"),
    (lambda: nnp.batchnorm_forward(_x4, np.ones(2), np.zeros(3), None, None), r"gamma.*\(3,\).*\(2,\)"),
    (lambda: nnp.batchnorm_forward(_x4, np.ones(3), np.zeros(3), np.zeros(4), np.ones(3)), r"running_mean"),
    (lambda: nnp.batchnorm_forward(_x4, np.ones(3), np.zeros(3), None, None, train=False), r"running"),
    (lambda: nnp.batchnorm_forward(_x4, np.ones(3), np.zeros(3), np.zeros(3), None), r"both"),
    (lambda: nnp.batchnorm_forward(np.ones((1, 3)), np.ones(3), np.zeros(3), None, None), r"more than one"),
    (lambda: nnp.batchnorm_forward(_x4, np.ones(3), np.zeros(3), None, None, momentum=2), r"momentum"),
    (lambda: nnp.batchnorm_forward(_x4, np.ones(3), np.zeros(3), None, None, eps=0), r"eps"),
    (lambda: nnp.batchnorm_backward(np.ones((2, 3)), nnp.batchnorm_forward(_x4, np.ones(3), np.zeros(3),
                                                                           None, None)[1]), r"shape"),
    (lambda: tnn.batch_norm(torch.ones(2, 3, 4), torch.ones(3), torch.zeros(3), None, None), r"2 or 4 dim"),
    (lambda: tnn.batch_norm(torch.ones(4, 3), torch.ones(2), torch.zeros(3), None, None), r"gamma"),
    (lambda: tnn.BatchNorm(3)(torch.ones(4, 2)), r"\(3,\)"),
    (lambda: nnp.lrn_forward(np.ones((2, 3, 4))), r"4 dim"),
    (lambda: nnp.lrn_forward(_x4, n=0), r"positive int"),
    (lambda: nnp.lrn_forward(_x4, n=2.5), r"positive int"),
    (lambda: nnp.lrn_forward(_x4, k=0), r"k must be"),
    (lambda: nnp.lrn_forward(_x4, alpha=-1), r"alpha"),
    (lambda: nnp.lrn_backward(np.ones((2, 3)), nnp.lrn_forward(_x4)[1]), r"shape"),
    (lambda: tnn.lrn(torch.ones(2, 3), n=3), r"4 dim"),
    (lambda: tnn.LRN(n=-1), r"positive int"),
])
def test_bad_input_raises_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
