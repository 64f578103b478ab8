"""The lecturelib.torch_nn-based layers of lecturelib.models equal their torch.nn namesakes (float64)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from lecturelib.models import _lecturelib_layers as lll
from lecturelib.models._layers import layer_set
from lecturelib.models._shapes import window_output_size
from lecturelib.models.blocks import BasicBlock, Bottleneck, PadShortcut, PlainBlock

TOL = 1e-12   # float64: the two implementations sum in different orders, so agreement is to round-off


def _rel_err(a: torch.Tensor, b: torch.Tensor) -> float:
    a, b = a.detach(), b.detach()
    return float((a - b).abs().max() / b.abs().max().clamp_min(1e-30))


def _same_forward_backward(ours: nn.Module, ref: nn.Module, x: torch.Tensor) -> None:
    """Equal outputs, input gradients and parameter gradients for a random upstream gradient."""
    ours.load_state_dict(ref.state_dict())
    xa, xb = x.clone().requires_grad_(), x.clone().requires_grad_()
    ya, yb = ours(xa), ref(xb)
    assert ya.shape == yb.shape
    assert _rel_err(ya, yb) < TOL
    g = torch.randn(yb.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    ya.backward(g)
    yb.backward(g)
    assert _rel_err(xa.grad, xb.grad) < TOL
    for (name, pa), (_, pb) in zip(ours.named_parameters(), ref.named_parameters()):
        assert _rel_err(pa.grad, pb.grad) < TOL, name


def _x(*shape, seed=0):
    return torch.randn(*shape, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))


POOLS = [  # (kernel, stride, padding, ceil_mode, size): GoogLeNet's, ResNet's and AlexNet's poolings
    (3, 2, 0, True, 112), (3, 2, 0, True, 13), (3, 1, 1, True, 14), (2, 2, 0, True, 7), (3, 2, 1, False, 112),
    (3, 2, 1, False, 15), (3, 2, 0, False, 55), (2, 2, 0, False, 7)]


@pytest.mark.parametrize("kernel,stride,padding,ceil_mode,size", POOLS,
                         ids=[f"k{k}-s{s}-p{p}-{'ceil' if c else 'floor'}-{n}" for k, s, p, c, n in POOLS])
def test_max_pool_matches_torch(kernel, stride, padding, ceil_mode, size):
    ref = nn.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
    ours = lll.MaxPool2d(kernel, stride, padding, ceil_mode=ceil_mode)
    x = _x(2, 3, size, size)
    assert window_output_size(size, kernel, stride, padding, ceil_mode) == ref(x).shape[-1]
    _same_forward_backward(ours, ref, x)


ADAPTIVE = [(14, 4), (7, 7), (7, 1), (13, 6), (12, 6), (6, 6), (5, 7)]


@pytest.mark.parametrize("size,out", ADAPTIVE, ids=[f"{s}to{o}" for s, o in ADAPTIVE])
def test_adaptive_avg_pool_matches_torch(size, out):
    _same_forward_backward(lll.AdaptiveAvgPool2d(out), nn.AdaptiveAvgPool2d(out), _x(2, 3, size, size))


CONVS = [  # (in, out, kernel, stride, padding, groups, bias)
    (4, 6, 3, 1, 1, 1, True), (4, 6, 5, 1, 2, 2, True), (8, 4, 3, 2, 1, 4, True), (3, 5, 1, 2, 0, 1, False),
    (6, 6, 3, 1, 1, 2, False)]


@pytest.mark.parametrize("conf", CONVS, ids=[f"{i}to{o}-k{k}-s{s}-p{p}-g{g}-{'bias' if b else 'nobias'}"
                                             for i, o, k, s, p, g, b in CONVS])
def test_conv_matches_torch(conf):
    i, o, k, s, p, g, b = conf
    ref = nn.Conv2d(i, o, k, s, p, groups=g, bias=b).double()
    ours = lll.Conv2d(i, o, k, s, p, groups=g, bias=b).double()
    assert [(n, t.shape) for n, t in ours.state_dict().items()] == \
        [(n, t.shape) for n, t in ref.state_dict().items()]
    _same_forward_backward(ours, ref, _x(2, i, 9, 9))


def test_grouped_conv_is_two_separate_convolutions():
    """Group g of the output sees only group g of the input: changing the first half leaves the second."""
    conv = lll.Conv2d(4, 6, 3, padding=1, groups=2).double()
    x = _x(1, 4, 5, 5)
    y = conv(x)
    x2 = x.clone()
    x2[:, :2] += 1.0
    y2 = conv(x2)
    assert not torch.allclose(y2[:, :3], y[:, :3]) and torch.equal(y2[:, 3:], y[:, 3:])


def test_linear_matches_torch_and_keeps_torch_layout():
    ref, ours = nn.Linear(7, 3).double(), lll.Linear(7, 3).double()
    assert ours.weight.shape == ref.weight.shape == (3, 7)
    _same_forward_backward(ours, ref, _x(4, 7))


@pytest.mark.parametrize("train", [True, False], ids=["train", "eval"])
def test_batch_norm_matches_torch_with_buffers(train):
    ref, ours = nn.BatchNorm2d(3, eps=1e-3).double(), lll.BatchNorm2d(3, eps=1e-3).double()
    with torch.no_grad():  # non-trivial γ, β and running statistics
        ref.weight.copy_(torch.tensor([0.5, 1.5, -1.0]))
        ref.bias.copy_(torch.tensor([0.1, -0.2, 0.3]))
        ref.running_mean.copy_(torch.tensor([0.2, -0.1, 0.05]))
        ref.running_var.copy_(torch.tensor([0.8, 1.3, 2.0]))
    ref.train(train)
    ours.train(train)
    assert list(ours.state_dict()) == list(ref.state_dict())
    _same_forward_backward(ours, ref, _x(4, 3, 5, 5))
    for name in ("running_mean", "running_var"):
        assert _rel_err(getattr(ours, name), getattr(ref, name)) < TOL
    assert int(ours.num_batches_tracked) == int(ref.num_batches_tracked) == int(train)


def test_lrn_of_both_layer_sets_is_alexnets_formula():
    """``b_i = a_i / (k + α Σ_{|j−i| ≤ 2} a_j²)^β`` with the paper's n = 5, k = 2, α = 1e-4, β = 0.75."""
    a = 30 * _x(2, 7, 3, 3)   # large activations, so that the α term matters
    sq = torch.nn.functional.pad(a * a, (0, 0, 0, 0, 2, 2))
    expected = a / (2.0 + 1e-4 * sum(sq[:, d:d + 7] for d in range(5))) ** 0.75
    assert _rel_err(expected, a / 2.0 ** 0.75) > 1e-3
    for impl in ("torch", "lecturelib"):
        assert _rel_err(layer_set(impl).lrn(5, 2.0, 1e-4, 0.75)(a), expected) < TOL, impl


def test_pad_shortcut_subsamples_and_adds_zero_channels():
    x = _x(2, 4, 6, 6)
    y = PadShortcut(4, 8, 2)(x)
    assert y.shape == (2, 8, 3, 3)
    assert torch.equal(y[:, 2:6], x[:, :, ::2, ::2])
    assert not y[:, :2].any() and not y[:, 6:].any()


@pytest.mark.parametrize("impl", ["torch", "lecturelib"])
def test_blocks_add_the_shortcut(impl):
    """With bn2's γ = β = 0 the residual branch is 0: the basic block gives relu(x), the plain block 0."""
    x = _x(2, 8, 6, 6)
    basic, plain = BasicBlock(8, 8, impl=impl).double().eval(), PlainBlock(8, 8, impl=impl).double().eval()
    for block in (basic, plain):
        with torch.no_grad():
            block.bn2.weight.zero_()
    assert torch.equal(basic(x), torch.relu(x))
    assert not plain(x).any()
    assert basic.downsample is None


@pytest.mark.parametrize("impl", ["torch", "lecturelib"])
def test_block_shapes_and_projections(impl):
    x = _x(2, 16, 8, 8)
    down = BasicBlock(16, 32, stride=2, impl=impl).double()
    assert down(x).shape == (2, 32, 4, 4)
    assert list(dict(down.named_parameters())) == [
        "conv1.weight", "bn1.weight", "bn1.bias", "conv2.weight", "bn2.weight", "bn2.bias",
        "downsample.0.weight", "downsample.1.weight", "downsample.1.bias"]
    pad = BasicBlock(16, 32, stride=2, shortcut="pad", impl=impl)
    assert sum(p.numel() for p in pad.parameters()) + 16 * 32 + 2 * 32 == \
        sum(p.numel() for p in down.parameters())
    bottleneck = Bottleneck(16, 8, stride=2, impl=impl).double()
    assert bottleneck(x).shape == (2, 32, 4, 4)
    assert bottleneck.conv2.stride in (2, (2, 2))       # ResNet v1.5: the stride on the 3×3 convolution
    assert Bottleneck(32, 8, impl=impl).downsample is None


@pytest.mark.parametrize("in_channels,out_channels,stride,train",
                         [(6, 6, 1, True), (4, 8, 2, True), (6, 6, 1, False), (4, 8, 2, False)],
                         ids=["identity-train", "projection-train", "identity-eval", "projection-eval"])
def test_numpy_residual_block_matches_autograd(in_channels, out_channels, stride, train):
    """The NumPy block's forward, backward and running statistics equal BasicBlock's under autograd."""
    from lecturelib.numpy_nn import residual_block_backward, residual_block_forward

    torch.manual_seed(0)
    block = BasicBlock(in_channels, out_channels, stride).double().train(train)
    with torch.no_grad():
        for name, t in block.state_dict().items():
            if t.is_floating_point() and t.ndim == 1:   # γ, β and running statistics away from 1 and 0
                t.copy_(0.5 + torch.rand(t.shape, dtype=t.dtype) if name.endswith(("weight", "var"))
                        else 0.1 * torch.randn(t.shape, dtype=t.dtype))
    state = {k: t.detach().numpy().copy() for k, t in block.state_dict().items()}
    params = {k: state[k] for k, _ in block.named_parameters()}
    buffers = {k: v for k, v in state.items() if "running" in k}
    x = _x(3, in_channels, 8, 8)
    upstream = _x(3, out_channels, 8 // stride, 8 // stride, seed=1)
    xt = x.clone().requires_grad_()
    y_ref = block(xt)
    y_ref.backward(upstream)
    y, cache = residual_block_forward(x.numpy(), params, buffers, stride, train)
    dx, grads = residual_block_backward(upstream.numpy(), cache)
    assert _rel_err(torch.from_numpy(y), y_ref) < TOL
    assert _rel_err(torch.from_numpy(dx), xt.grad) < TOL
    assert set(grads) == set(params)
    for name, p in block.named_parameters():
        assert _rel_err(torch.from_numpy(grads[name]), p.grad) < TOL, name
    for name, v in buffers.items():
        assert _rel_err(torch.from_numpy(v), block.state_dict()[name]) < TOL, name
    assert (block.downsample is None) == (in_channels == out_channels)


def test_numpy_residual_block_refuses_an_identity_that_cannot_fit():
    from lecturelib.numpy_nn import residual_block_forward

    block = BasicBlock(4, 8, 2)
    params = {k: t.detach().numpy() for k, t in block.named_parameters() if not k.startswith("downsample")}
    with pytest.raises(ValueError, match="identity shortcut"):
        residual_block_forward(np.zeros((1, 4, 6, 6)), params, {}, stride=2)
