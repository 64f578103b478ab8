"""Convolution and pooling beyond the generic specs (layer_catalog.py): the naive cache, memory layouts,
im2col/col2im, gradcheck, max-pooling ties, the modules and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from layer_catalog import CONV_SPECS, conv_id

from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn

def test_fast_backward_accepts_the_naive_cache():
    spec = CONV_SPECS[6]
    inputs = spec.inputs()
    out, cache = nnp.conv2d_forward_naive(**inputs, **spec.kwargs)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    for a, b in zip(nnp.conv2d_backward(dout, cache), nnp.conv2d_backward_naive(dout, cache)):
        assert nnp.rel_error(a, b) < 1e-12


def test_non_contiguous_inputs_give_the_same_results():
    """The strided views read any memory layout: channels-last, flipped and sliced arrays and tensors."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 7, 6, 3)).transpose(0, 3, 1, 2)[:, :, ::-1]  # NHWC memory, flipped rows
    w, b = rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    xc = np.ascontiguousarray(x)
    close = {"rtol": 1e-13, "atol": 1e-13}  # sums may run in another order
    np.testing.assert_allclose(nnp.conv2d_forward(x, w, b, 2, 1)[0], nnp.conv2d_forward(xc, w, b, 2, 1)[0], **close)
    np.testing.assert_array_equal(nnp.maxpool2d_forward(x, 2, 1)[0], nnp.maxpool2d_forward(xc, 2, 1)[0])
    np.testing.assert_allclose(nnp.avgpool2d_forward(x, 3, 2)[0], nnp.avgpool2d_forward(xc, 3, 2)[0], **close)
    tx = torch.tensor(xc).to(memory_format=torch.channels_last)[:, :, 1:]
    assert not tx.is_contiguous()
    tw, tb = torch.tensor(w), torch.tensor(b)
    assert torch.allclose(tnn.conv2d(tx, tw, tb, 2, 1), tnn.conv2d(tx.contiguous(), tw, tb, 2, 1), **close)
    assert torch.equal(tnn.max_pool2d(tx, 2, 1), tnn.max_pool2d(tx.contiguous(), 2, 1))
    assert torch.allclose(tnn.avg_pool2d(tx, 3, 2), tnn.avg_pool2d(tx.contiguous(), 3, 2), **close)


@pytest.mark.parametrize("kernel,stride,pad", [(3, 1, 0), ((2, 3), (2, 1), (1, 2)), (4, 3, 2)])
def test_col2im_is_the_adjoint_of_im2col(kernel, stride, pad):
    """<im2col(x), c> = <x, col2im(c)>, and every column of im2col is one receptive field."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 3, 7, 8))
    cols = nnp.im2col(x, kernel, stride, pad)
    c = rng.standard_normal(cols.shape)
    assert np.isclose(np.sum(cols * c), np.sum(x * nnp.col2im(c, x.shape, kernel, stride, pad)), rtol=1e-12)
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    ph, pw = (pad, pad) if isinstance(pad, int) else pad
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    W_out = (8 + 2 * pw - kw) // sw + 1
    H_out = cols.shape[1] // (2 * W_out)
    sample, i, j = 1, H_out - 1, 1  # column of (sample, i, j)
    col = cols[:, (sample * H_out + i) * W_out + j]
    np.testing.assert_array_equal(col, xp[sample, :, sh * i:sh * i + kh, sw * j:sw * j + kw].ravel())


# --- torch_nn: gradcheck, modules ------------------------------------------------------------------------

def _t(rng, *shape):
    return torch.tensor(rng.standard_normal(shape), requires_grad=True)


@pytest.mark.parametrize("case", [(1, 2, 5, 4, 2, 3, 3, 2, 1), (2, 1, 5, 4, 2, 3, 2, (2, 1), (1, 2)),
                                  (1, 2, 3, 2, 2, 5, 3, 1, 2)], ids=conv_id)
def test_torch_nn_conv2d_gradcheck(case):
    N, C, H, W, Fo, HH, WW, s, p = case
    rng = np.random.default_rng(0)
    x, w, b = _t(rng, N, C, H, W), _t(rng, Fo, C, HH, WW), _t(rng, Fo)
    assert torch.autograd.gradcheck(lambda x, w, b: tnn.conv2d(x, w, b, s, p), (x, w, b))


@pytest.mark.parametrize("fn", [tnn.max_pool2d, tnn.avg_pool2d], ids=lambda f: f.__name__)
@pytest.mark.parametrize("size,stride", [(2, 2), (3, 2), ((3, 2), (1, 2))])
def test_torch_nn_pool_gradcheck(fn, size, stride):
    x = _t(np.random.default_rng(0), 2, 2, 7, 6)
    assert torch.autograd.gradcheck(lambda x: fn(x, size, stride), (x,))


def test_conv2d_module_matches_function_and_torch_init():
    torch.manual_seed(0)
    m = tnn.Conv2d(3, 5, (3, 2), stride=(2, 1), pad=1, dtype=torch.float64)
    assert m.weight.shape == (5, 3, 3, 2) and m.bias.shape == (5,)
    bound = 1 / np.sqrt(3 * 3 * 2)  # torch.nn.Conv2d's U(−1/√fan_in, 1/√fan_in)
    assert m.weight.abs().max() <= bound and m.bias.abs().max() <= bound
    assert m.weight.std() > 0.4 * bound  # not all zeros or tiny
    x = torch.randn(2, 3, 7, 6, dtype=torch.float64)
    y = m(x)
    assert torch.equal(y, tnn.conv2d(x, m.weight, m.bias, (2, 1), 1))
    assert torch.allclose(y, F.conv2d(x, m.weight, m.bias, stride=(2, 1), padding=1), rtol=1e-12, atol=1e-12)
    ref = torch.nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=1)
    assert [p.shape for p in m.parameters()] == [p.shape for p in ref.parameters()]


def test_pool_and_flatten_modules_match_functions():
    x = torch.randn(2, 3, 7, 9)
    assert torch.equal(tnn.MaxPool2d(3, 2)(x), tnn.max_pool2d(x, 3, 2))
    assert torch.equal(tnn.AvgPool2d((2, 3), 1)(x), tnn.avg_pool2d(x, (2, 3), 1))
    assert torch.equal(tnn.MaxPool2d()(x), F.max_pool2d(x, 2, 2))
    assert tnn.Flatten()(x).shape == (2, 3 * 7 * 9)
    assert torch.equal(tnn.Flatten()(x), x.reshape(2, -1))


def test_lenet_block_of_modules_matches_torch_builtins():
    """Conv → ReLU → MaxPool → Flatten with lecturelib's modules equals torch.nn's, forward and backward."""
    torch.manual_seed(0)
    ours = torch.nn.Sequential(tnn.Conv2d(1, 4, 5, pad=2), torch.nn.ReLU(), tnn.MaxPool2d(2, 2), tnn.Flatten())
    ref = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 5, padding=2), torch.nn.ReLU(), torch.nn.MaxPool2d(2, 2),
                              torch.nn.Flatten())
    ours = ours.double()
    ref = ref.double()
    ref[0].load_state_dict(ours[0].state_dict())
    x = torch.randn(3, 1, 12, 10, dtype=torch.float64)
    y1, y2 = ours(x), ref(x)
    assert torch.allclose(y1, y2, rtol=1e-12, atol=1e-12)
    y1.square().sum().backward()
    y2.square().sum().backward()
    for p1, p2 in zip(ours.parameters(), ref.parameters()):
        assert torch.allclose(p1.grad, p2.grad, rtol=1e-10, atol=1e-12)


# --- max-pooling ties --------------------------------------------------------------------------------------

@pytest.mark.parametrize("size,stride", [(2, 2), (3, 2), (2, 1), ((2, 3), (1, 2))])
def test_maxpool_ties_route_the_gradient_to_one_input_like_pytorch(size, stride):
    """Many ties (values in {0, 1, 2}, and a constant channel): exactly one input per window gets δ, and it is
    the one PyTorch picks (the first maximum in row-major order)."""
    rng = np.random.default_rng(0)
    x = rng.integers(0, 3, (2, 2, 7, 8)).astype(np.float64)
    x[1, 1] = 1.0  # every window of this channel is one big tie
    out, cache = nnp.maxpool2d_forward(x, size, stride)
    # one window at a time: dout = 1 at window (n, c, i, j) only
    for idx in [(0, 0, 0, 0), (1, 1, 0, 0), (1, 1, out.shape[2] - 1, out.shape[3] - 1), (0, 1, 1, 2)]:
        dout = np.zeros_like(out)
        dout[idx] = 1.0
        dx = nnp.maxpool2d_backward(dout, cache)
        assert np.count_nonzero(dx) == 1 and dx.sum() == 1.0
    dout = rng.integers(-9, 10, out.shape).astype(np.float64)  # integers: sums are exact in any order
    dx = nnp.maxpool2d_backward(dout, cache)
    xt = torch.tensor(x, requires_grad=True)
    F.max_pool2d(xt, size, stride).backward(torch.tensor(dout))
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    xt.grad = None
    tnn.max_pool2d(xt, size, stride).backward(torch.tensor(dout))
    np.testing.assert_array_equal(dx, xt.grad.numpy())
    # the constant channel with non-overlapping-in-rows 2×2/2 windows: δ lands on each window's top-left pixel
    if size == stride == 2:
        expected = np.zeros((7, 8))
        expected[0:6:2, 0:8:2] = dout[1, 1]
        np.testing.assert_array_equal(dx[1, 1], expected)


# --- bad input: ValueError that names what was expected and what came -----------------------------------

X, W3, B4 = np.ones((2, 3, 8, 8)), np.ones((4, 3, 3, 3)), np.ones(4)


@pytest.mark.parametrize("conv", [nnp.conv2d_forward, nnp.conv2d_forward_naive], ids=["im2col", "naive"])
@pytest.mark.parametrize("args,kwargs,match", [
    ((X, np.ones((4, 2, 3, 3)), B4), {}, r"x has 3 channels \(shape \(2, 3, 8, 8\)\).*w expects 2"),
    ((np.ones((1, 1, 4, 5)), np.ones((1, 1, 7, 3)), np.ones(1)), {"pad": 1},
     r"kernel 7×3.*\(1, 1, 7, 3\).*padded input 6×7.*\(1, 1, 4, 5\)"),
    ((np.ones((1, 1, 4, 5)), np.ones((1, 1, 3, 6)), np.ones(1)), {}, r"kernel 3×6.*padded input 4×5"),
    ((np.ones((3, 8, 8)), W3, B4), {}, r"x: expected 4 dimensions.*\(3, 8, 8\)"),
    ((X, np.ones((4, 3, 3)), B4), {}, r"w: expected 4 dimensions"),
    ((X.astype(int), W3, B4), {}, r"floating-point.*int"),
    ((X.astype(np.float32), W3, B4), {}, r"one dtype.*x float32, w float64"),
    ((X, W3, np.ones(5)), {}, r"b has 5 entries.*4 filters"),
    ((X, W3, B4), {"stride": 0}, r"stride: expected positive"),
    ((X, W3, B4), {"pad": -1}, r"pad: expected non-negative"),
    ((X, W3, B4), {"stride": 1.5}, r"stride: expected an int or a pair"),
    ((X, W3, B4), {"pad": (1, 2, 3)}, r"pad: expected an int or a pair"),
])
def test_conv_bad_input_raises_clear_value_error(conv, args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        conv(*args, **kwargs)


@pytest.mark.parametrize("call,match", [
    (lambda: nnp.conv2d_backward(np.ones((2, 4, 5, 5)), nnp.conv2d_forward(X, W3, B4)[1]), r"\(2, 4, 6, 6\)"),
    (lambda: nnp.conv2d_backward_naive(np.ones((2, 4, 6)), nnp.conv2d_forward(X, W3, B4)[1]), r"4 dimensions"),
    (lambda: nnp.maxpool2d_forward(np.ones((1, 1, 4, 5)), 5), r"window 5×5.*input 4×5.*\(1, 1, 4, 5\)"),
    (lambda: nnp.avgpool2d_forward(np.ones((1, 1, 4, 5)), (2, 6), 1), r"window 2×6.*input 4×5"),
    (lambda: nnp.maxpool2d_forward(np.ones((4, 5)), 2), r"x: expected 4 dimensions.*\(4, 5\)"),
    (lambda: nnp.avgpool2d_forward(np.ones((1, 1, 4, 4), dtype=np.int64)), r"floating-point"),
    (lambda: nnp.maxpool2d_forward(np.ones((1, 1, 4, 4)), 2, 0), r"stride: expected positive"),
    (lambda: nnp.maxpool2d_backward(np.ones((1, 1, 3, 3)), nnp.maxpool2d_forward(np.ones((1, 1, 4, 4)))[1]),
     r"\(1, 1, 2, 2\).*\(1, 1, 3, 3\)"),
    (lambda: tnn.conv2d(torch.ones(2, 3, 8, 8), torch.ones(4, 2, 3, 3), torch.ones(4)), r"3 channels.*expects 2"),
    (lambda: tnn.conv2d(torch.ones(1, 1, 4, 4), torch.ones(1, 1, 5, 5), torch.ones(1)), r"does not fit"),
    (lambda: tnn.conv2d(np.ones((2, 3, 8, 8)), torch.ones(4, 3, 3, 3), torch.ones(4)), r"torch.Tensor"),
    (lambda: tnn.conv2d(torch.ones(2, 3, 8, 8, dtype=torch.int64), torch.ones(4, 3, 3, 3), torch.ones(4)),
     r"floating-point"),
    (lambda: tnn.max_pool2d(torch.ones(1, 1, 2, 3), 3), r"window 3×3.*input 2×3"),
    (lambda: tnn.avg_pool2d(torch.ones(2, 3), 2), r"4 dimensions"),
    (lambda: tnn.Conv2d(3, 4, 3)(torch.ones(1, 2, 5, 5)), r"2 channels.*expects 3"),
])
def test_bad_input_raises_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
