"""Spatial pyramid pooling: numpy_nn.spp and torch_nn.spp against PyTorch's adaptive pooling, the paper's
sliding windows, finite differences and gradcheck; k·M outputs for any input size; bad input."""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lecturelib.numpy_nn import numerical_gradient, rel_error
from lecturelib.numpy_nn.spp import spp_backward, spp_bins, spp_forward
from lecturelib.torch_nn.spp import SpatialPyramidPool, spatial_pyramid_pool

# (N, C, H, W, levels): sizes divisible and not divisible by the levels, non-square, H = max level, batch of 1
CASES = [
    (2, 3, 8, 8, (1, 2, 4)),
    (2, 2, 13, 13, (1, 2, 4)),          # SPP-net's conv5 size for a 224×224 input
    (1, 3, 10, 7, (1, 2, 4)),
    (2, 2, 9, 11, (1, 3, 6)),
    (1, 2, 4, 5, (1, 2, 4)),            # smallest input: 4 rows, four 1-row bins
    (2, 1, 7, 7, (3,)),                 # fig. 9.11's "pooling to a 3×3 grid"
    (1, 2, 6, 6, (2, 1)),               # levels in any order
]
IDS = [f"N{c[0]}C{c[1]}-{c[2]}x{c[3]}-L{'.'.join(map(str, c[4]))}" for c in CASES]


def _adaptive_reference(x, levels, mode):
    pool = F.adaptive_max_pool2d if mode == "max" else F.adaptive_avg_pool2d
    return torch.cat([pool(x, n).flatten(1) for n in levels], dim=1)


def _x(case, seed=0):
    N, C, H, W, _ = case
    return np.random.default_rng(seed).standard_normal((N, C, H, W))


def _separated(shape, seed):
    """Distinct values at least 0.01 apart, so that finite differences (h = 1e-5) never cross a tie."""
    rng = np.random.default_rng(seed)
    return rng.permutation(np.prod(shape)).reshape(shape) * 0.01 + rng.uniform(0, 1e-3, size=shape) - 1.0


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_matches_adaptive_pooling_forward_and_backward(case, mode):
    """bins="adaptive": numpy, torch_nn and torch's adaptive pooling agree, values and gradients (float64)."""
    levels = case[4]
    x = _x(case)
    out, cache = spp_forward(x, levels, mode)
    M = sum(n * n for n in levels)
    assert out.shape == (case[0], case[1] * M)
    dout = np.random.default_rng(1).standard_normal(out.shape)
    dx = spp_backward(dout, cache)
    for fn in (lambda t: _adaptive_reference(t, levels, mode), lambda t: spatial_pyramid_pool(t, levels, mode)):
        xt = torch.tensor(x, requires_grad=True)
        yt = fn(xt)
        yt.backward(torch.tensor(dout))
        assert rel_error(out, yt.detach().numpy()) < 1e-12
        assert rel_error(dx, xt.grad.numpy()) < 1e-12


FD_CASES = [c for c in CASES if c[2] * c[3] * c[0] * c[1] <= 400]   # finite differences cost 2 passes per pixel


@pytest.mark.parametrize("case", FD_CASES, ids=[IDS[CASES.index(c)] for c in FD_CASES])
@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("bins", ["adaptive", "sppnet"])
def test_backward_matches_finite_differences(case, mode, bins):
    levels = case[4]
    x = _separated(case[:4], seed=2)
    out, cache = spp_forward(x, levels, mode, bins)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    dx = spp_backward(dout, cache)
    num = numerical_gradient(lambda v: float(np.sum(spp_forward(v, levels, mode, bins)[0] * dout)), x.copy())
    np.testing.assert_allclose(dx, num, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("mode", ["max", "avg"])
@pytest.mark.parametrize("bins", ["adaptive", "sppnet"])
@pytest.mark.parametrize("shape,levels", [((1, 2, 6, 5), (1, 2, 4)), ((2, 1, 7, 9), (1, 3))])
def test_torch_nn_gradcheck(shape, levels, mode, bins):
    x = torch.tensor(np.random.default_rng(4).standard_normal(shape), requires_grad=True)
    assert torch.autograd.gradcheck(lambda t: spatial_pyramid_pool(t, levels, mode, bins), (x,))


@pytest.mark.parametrize("bins", ["adaptive", "sppnet"])
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_torch_nn_mirrors_numpy_for_both_binnings(mode, bins):
    x = np.random.default_rng(5).standard_normal((2, 3, 11, 10))
    out, cache = spp_forward(x, (1, 2, 4), mode, bins)
    dout = np.random.default_rng(6).standard_normal(out.shape)
    xt = torch.tensor(x, requires_grad=True)
    yt = spatial_pyramid_pool(xt, (1, 2, 4), mode, bins)
    yt.backward(torch.tensor(dout))
    assert rel_error(out, yt.detach().numpy()) < 1e-12
    assert rel_error(spp_backward(dout, cache), xt.grad.numpy()) < 1e-12


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
