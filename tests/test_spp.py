"""Spatial pyramid pooling beyond the generic specs (layer_catalog.py: numpy_nn.spp, torch_nn.spp and PyTorch's
pooling, values, gradients, finite differences): the paper's sliding windows, gradcheck, k·M outputs for any
input size, output order, ties, dtypes and bad input."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lecturelib.numpy_nn.spp import spp_backward, spp_bins, spp_forward
from lecturelib.torch_nn.spp import SpatialPyramidPool, spatial_pyramid_pool

# (N, C, H, W, levels): sizes divisible and not divisible by the levels, non-square, H = max level, batch of 1
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("bins", ["adaptive", "sppnet"])
@pytest.mark.parametrize("shape,levels", [((1, 2, 6, 5), (1, 2, 4)), ((2, 1, 7, 9), (1, 3))])
def test_torch_nn_gradcheck(shape, levels, mode, bins):
    x = torch.tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: spatial_pyramid_pool(t, levels, mode, bins), (x,))


@pytest.mark.parametrize("size", [8, 12, 13, 16, 20])
def test_sppnet_bins_are_the_papers_sliding_windows(size):
    """bins="sppnet" is max pooling with window ⌈a/n⌉ and stride ⌊a/n⌋ (its first n windows), as in the paper."""
    x = torch.tensor(np.random.default_rng(7).standard_normal((2, 3, size, size)))
    for n in (1, 2, 3, 4, 6):
        win, step = math.ceil(size / n), size // n
        ref = F.max_pool2d(x, win, step)[:, :, :n, :n].flatten(1)
        ours = spatial_pyramid_pool(x, (n,), "max", "sppnet")
        assert torch.equal(ours, ref), (size, n)
        # …and it agrees with the adaptive bins exactly when n divides the size
        same = torch.equal(ours, spatial_pyramid_pool(x, (n,), "max", "adaptive"))
        if size % n == 0:
            assert same


def test_sppnet_bins_can_differ_from_adaptive_bins():
    assert spp_bins(10, 10, (4,), "adaptive")[-1][1:] == ((7, 10), (7, 10))
    assert spp_bins(10, 10, (4,), "sppnet")[-1][1:] == ((6, 9), (6, 9))   # row and column 9 in no bin
    x = np.zeros((1, 1, 10, 10))
    x[0, 0, 9, 9] = 5.0
    out_a, _ = spp_forward(x, (4,), "max", "adaptive")
    out_s, cache = spp_forward(x, (4,), "max", "sppnet")
    assert out_a.max() == 5.0 and out_s.max() == 0.0
    assert spp_backward(np.ones_like(out_s), cache)[0, 0, 9, 9] == 0.0


@pytest.mark.parametrize("H,W", [(4, 4), (5, 9), (13, 13), (28, 28), (40, 33), (64, 17)])
def test_any_input_size_gives_k_times_M_outputs(H, W):
    k, levels = 6, (1, 2, 4)
    M = sum(n * n for n in levels)
    x = torch.randn(3, k, H, W, generator=torch.Generator().manual_seed(0))
    layer = SpatialPyramidPool(levels)
    assert layer(x).shape == (3, k * M) == (3, layer.output_size(k))
    assert spp_forward(x.numpy(), levels)[0].shape == (3, k * M)
    for bins in ("adaptive", "sppnet"):   # every pixel of a bin lies inside the map; adaptive bins tile it
        covered = np.zeros((H, W), dtype=int)
        for n, (r0, r1), (c0, c1) in spp_bins(H, W, levels, bins):
            assert 0 <= r0 < r1 <= H and 0 <= c0 < c1 <= W
            if bins == "adaptive" and n == levels[-1]:
                covered[r0:r1, c0:c1] += 1
        if bins == "adaptive":
            assert covered.min() >= 1


def test_output_order_level_by_level():
    x = np.arange(2 * 4 * 4, dtype=np.float64).reshape(1, 2, 4, 4)
    out, _ = spp_forward(x, (1, 2))
    # level 1: channel maxima; level 2: channel 0's 2×2 grid, then channel 1's
    np.testing.assert_array_equal(out[0], [15, 31, 5, 7, 13, 15, 21, 23, 29, 31])


def test_ties_go_to_the_first_maximum():
    x = np.ones((1, 1, 4, 4))
    out, cache = spp_forward(x, (1, 2))
    dx = spp_backward(np.ones_like(out), cache)
    expected = np.zeros((4, 4))
    expected[0, 0] += 1                                     # level 1
    expected[[0, 0, 2, 2], [0, 2, 0, 2]] += 1               # level 2: first pixel of each 2×2 bin
    np.testing.assert_array_equal(dx[0, 0], expected)
    xt = torch.ones(1, 1, 4, 4, dtype=torch.float64, requires_grad=True)
    spatial_pyramid_pool(xt, (1, 2)).sum().backward()
    np.testing.assert_array_equal(xt.grad[0, 0].numpy(), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_kept(dtype):
    x = np.random.default_rng(8).standard_normal((2, 2, 9, 9)).astype(dtype)
    out, cache = spp_forward(x)
    assert out.dtype == dtype and spp_backward(np.ones_like(out), cache).dtype == dtype
    xt = torch.tensor(x)
    assert spatial_pyramid_pool(xt).dtype == xt.dtype


@pytest.mark.parametrize("kwargs,message", [
    ({"x": np.zeros((1, 2, 3, 8))}, "H, W ≥ 4"),
    ({"x": np.zeros((2, 8, 8))}, "4 dimensions"),
    ({"x": np.zeros((1, 1, 8, 8), dtype=np.int64)}, "floating"),
    ({"levels": (1, 0)}, "positive ints"),
    ({"levels": ()}, "positive ints"),
    ({"mode": "sum"}, "mode"),
    ({"bins": "fixed"}, "bins"),
])
def test_bad_input_raises_value_error(kwargs, message):
    args = {"x": np.zeros((1, 1, 8, 8)), "levels": (1, 2, 4), "mode": "max", "bins": "adaptive"} | kwargs
    with pytest.raises(ValueError, match=message):
        spp_forward(args["x"], args["levels"], args["mode"], args["bins"])
    if args["x"].ndim == 4 and args["x"].dtype == np.float64:
        with pytest.raises(ValueError, match=message):
            spatial_pyramid_pool(torch.tensor(args["x"]), args["levels"], args["mode"], args["bins"])


def test_backward_checks_dout_shape():
    out, cache = spp_forward(np.zeros((2, 3, 8, 8)))
    with pytest.raises(ValueError, match=r"\(2, 63\)"):
        spp_backward(np.zeros((2, 62)), cache)


def test_module_in_a_network_accepts_two_input_sizes():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3), torch.nn.ReLU(), SpatialPyramidPool((1, 2, 4)),
                              torch.nn.Linear(4 * 21, 10))
    for size in (28, 40):
        assert net(torch.randn(2, 1, size, size)).shape == (2, 10)
    assert "levels=(1, 2, 4)" in repr(net)
