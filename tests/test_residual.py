"""The residual block y = h(F(x) + S(x)): NumPy Sequential nesting, its torch_nn twin (gradcheck), parameter names
shared with the twin, and bad input. Values and gradients against autograd are in the generic specs
(layer_catalog.RESIDUAL)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn
from lecturelib.models import copy_weights, summary


def _numpy_net(dtype=np.float64):
    block = nnp.Residual(nnp.Sequential([("conv1", nnp.Conv2d(2, 4, 3, 2, 1)), ("relu", nnp.ReLU()),
                                         ("conv2", nnp.Conv2d(4, 4, 3, 1, 1))]), shortcut=nnp.Conv2d(2, 4, 1, 2))
    return nnp.Sequential([("stem", nnp.Conv2d(1, 2, 3, 1, 1)), ("block1", block), ("flatten", nnp.Flatten()),
                           ("fc", nnp.Linear(4 * 3 * 3, 3))], rng=0, dtype=dtype)


def _torch_net():
    from torch import nn
    block = tnn.Residual(nn.Sequential(tnn.Conv2d(2, 4, 3, 2, 1), nn.ReLU(), tnn.Conv2d(4, 4, 3, 1, 1)),
                         shortcut=tnn.Conv2d(2, 4, 1, 2))
    return nn.Sequential(tnn.Conv2d(1, 2, 3, 1, 1), block, tnn.Flatten(), tnn.Linear(36, 3)).double()


def test_nested_blocks_train_end_to_end_like_their_torch_twin():
    """A NumPy network with a nested residual block and its torch_nn twin: same scores, loss and gradients."""
    net, twin = _numpy_net(), _torch_net()
    assert list(net.params)[2:6] == ["block1.branch.conv1.weight", "block1.branch.conv1.bias",
                                     "block1.branch.conv2.weight", "block1.branch.conv2.bias"]
    copy_weights(net, twin)
    x = np.random.default_rng(1).normal(size=(3, 1, 6, 6))
    y = np.array([0, 2, 1])
    J, grads = net.loss(x, y)
    scores = twin(torch.from_numpy(x))
    loss = torch.nn.functional.cross_entropy(scores, torch.from_numpy(y))
    loss.backward()
    assert abs(loss.item() - J) < 1e-12
    for (name, g), p in zip(grads.items(), twin.parameters()):
        g_twin = p.grad.numpy()
        assert nnp.rel_error(g, g_twin) < 1e-10, name


def test_torch_nn_residual_gradcheck():
    torch.manual_seed(0)
    block = tnn.Residual(torch.nn.Sequential(tnn.Conv2d(2, 2, 3, 1, 1), torch.nn.Tanh()), activation=None).double()
    x = torch.randn(2, 2, 4, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(block, (x,))


def test_identity_shortcut_passes_the_gradient_through():
    """With F ≡ 0 (zero weights) and no activation, y = x and ∂J/∂x = δ: the identity path carries all of it."""
    block = nnp.Residual(nnp.Conv2d(2, 2, 3, 1, 1), activation=None).init_params(0, np.float64)
    block.params["branch.weight"][...] = 0
    x = np.random.default_rng(2).normal(size=(1, 2, 4, 4))
    assert np.array_equal(block.forward(x), x)
    dout = np.random.default_rng(3).normal(size=x.shape)
    assert np.array_equal(block.backward(dout), dout)


def test_summary_counts_a_block_as_one_row():
    s = summary(_numpy_net(np.float32), (1, 6, 6), print_table=False)
    rows = {r["name"]: r for r in s.rows}
    assert rows["block1"]["params"] == (2 * 4 * 9 + 4) + (4 * 4 * 9 + 4) + (2 * 4 + 4)
    assert rows["block1"]["macs"] == 4 * 3 * 3 * (2 * 9 + 4 * 9 + 2)
    assert s.total_params == sum(p.numel() for p in _torch_net().parameters())


@pytest.mark.parametrize("call,error,match", [
    (lambda: nnp.Residual(nnp.Conv2d(2, 4, 3, 1, 1)).init_params(0).forward(np.ones((1, 2, 4, 4), np.float32)),
     ValueError, r"the branch gives \(1, 4, 4, 4\) but the shortcut \(1, 2, 4, 4\); use a projection"),
    (lambda: nnp.Residual("conv"), TypeError, "branch must be a lecturelib.numpy_nn Layer"),
    (lambda: nnp.Residual(nnp.ReLU(), shortcut=torch.nn.Identity()), TypeError, "shortcut must be"),
    (lambda: nnp.Residual(nnp.ReLU()).backward(np.ones(3)), ValueError, "Residual.backward called before forward"),
    (lambda: tnn.Residual(tnn.Conv2d(2, 4, 3, 1, 1))(torch.ones(1, 2, 4, 4)), ValueError, "projection shortcut"),
    (lambda: tnn.Residual(nnp.ReLU()), TypeError, "branch must be a torch.nn.Module"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()
