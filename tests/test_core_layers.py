"""Linear layer, losses and activations: what the generic specs (layer_catalog.py) cannot express — gradcheck,
the modules, numerical stability, the gradient-check helpers and bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn

def test_torch_nn_gradcheck():
    rng = np.random.default_rng(0)
    z, W, b = (torch.tensor(rng.standard_normal(s), requires_grad=True) for s in [(3, 4), (4, 2), (2,)])
    assert torch.autograd.gradcheck(tnn.linear, (z, W, b))
    u = torch.tensor(rng.standard_normal((5, 3)), requires_grad=True)
    labels = torch.tensor([0, 2, 1, 1, 0])
    assert torch.autograd.gradcheck(lambda u: tnn.softmax_cross_entropy(u, labels), (u,))


def test_linear_module_matches_functional():
    torch.manual_seed(0)
    m = tnn.Linear(4, 3, dtype=torch.float64)
    z = torch.randn(2, 4, dtype=torch.float64)
    assert torch.allclose(m(z), z @ m.weight + m.bias)
    assert m.weight.shape == (4, 3)


def test_softmax_is_stable_and_normalised():
    u = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]])
    h = nnp.softmax(u)
    assert np.all(np.isfinite(h))
    np.testing.assert_allclose(h.sum(axis=1), 1.0)
    np.testing.assert_allclose(h[0], nnp.softmax(np.array([0.0, 1.0, 2.0])), rtol=1e-12)
    assert nnp.sigmoid(np.array([-1000.0, 1000.0])).tolist() == [0.0, 1.0]


def test_softmax_jacobian_matches_finite_differences_and_autograd():
    u = np.array([0.3, -1.2, 2.0, 0.5])
    J = nnp.softmax_jacobian(u)
    for i in range(4):
        num = nnp.numerical_gradient(lambda x, i=i: nnp.softmax(x)[i], u.copy())
        assert nnp.rel_error(num, J[i]) < 1e-7
    auto = torch.autograd.functional.jacobian(lambda x: torch.softmax(x, 0), torch.tensor(u))
    assert nnp.rel_error(auto.numpy(), J) < 1e-7


def test_sce_equals_torch_value_with_extreme_scores():
    u = np.array([[1e4, 0.0, -1e4], [0.0, 0.0, 0.0]])
    J, _ = nnp.softmax_cross_entropy(u, np.array([1, 2]))
    ref = F.cross_entropy(torch.tensor(u), torch.tensor([1, 2])).item()
    assert np.isfinite(J) and abs(J - ref) < 1e-9


def test_rel_error_and_numerical_gradient():
    assert nnp.rel_error(np.array([1.0]), np.array([1.0])) == 0.0
    assert nnp.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(nnp.numerical_gradient(lambda v: np.sum(v ** 3), x), 3 * x ** 2, rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored after perturbation


def test_sgd_step_matches_torch():
    rng = np.random.default_rng(1)
    w0 = rng.standard_normal((3, 2))
    params = {"w": w0.copy()}
    opt = nnp.SGD(0.1)
    tw = torch.tensor(w0, requires_grad=True)
    topt = torch.optim.SGD([tw], lr=0.1)
    for _ in range(5):
        g = 2 * params["w"]
        opt.step(params, {"w": g})
        topt.zero_grad()
        (tw ** 2).sum().backward()
        topt.step()
    np.testing.assert_allclose(params["w"], tw.detach().numpy(), rtol=1e-12)


# --- bad input: ValueError that names what was expected and what came -----------------------------------

@pytest.mark.parametrize("call,match", [
    (lambda: nnp.linear_forward(np.ones((2, 3)), np.ones((4, 5)), np.ones(5)), r"3 features.*expects 4"),
    (lambda: nnp.linear_forward(np.ones((2, 4)), np.ones((4, 5)), np.ones(3)), r"b has 3 entries.*5 outputs"),
    (lambda: nnp.linear_forward(np.ones(4), np.ones((4, 5)), np.ones(5)), r"z: expected 2 dimensions.*\(4,\)"),
    (lambda: nnp.linear_forward(np.ones((2, 4), dtype=int), np.ones((4, 5)), np.ones(5)), r"floating-point.*int"),
    (lambda: nnp.softmax_cross_entropy(np.ones((3, 4)), np.array([0.0, 1.0, 2.0])), r"integer class indices"),
    (lambda: nnp.softmax_cross_entropy(np.ones((3, 4)), np.array([0, 1, 4])), r"\[0, 3\].*\[0, 4\]"),
    (lambda: nnp.softmax_cross_entropy(np.ones((3, 4)), np.array([0, -1, 2])), r"\[0, 3\].*\[-1, 2\]"),
    (lambda: nnp.softmax_cross_entropy(np.ones((3, 4)), np.array([0, 1])), r"shape \(3,\).*\(2,\)"),
    (lambda: nnp.mse_loss(np.ones((3, 2)), np.ones((3, 4))), r"same shape.*\(3, 2\).*\(3, 4\)"),
    (lambda: nnp.linear_backward(np.ones((2, 2)), (np.ones((2, 4)), np.ones((4, 5)))), r"\(2, 5\)"),
    (lambda: tnn.linear(torch.ones(2, 3), torch.ones(4, 5), torch.ones(5)), r"3 features.*expects 4"),
    (lambda: tnn.softmax_cross_entropy(torch.ones(3, 4), torch.tensor([0, 1, 9])), r"\[0, 3\]"),
    (lambda: tnn.linear(np.ones((2, 4)), torch.ones(4, 5), torch.ones(5)), r"torch.Tensor"),
    (lambda: nnp.SGD(0.1).step({"w": np.ones(3)}, {"w": np.ones(2)}), r"shape"),
    (lambda: nnp.SGD(-1), r"positive"),
])
def test_bad_input_raises_clear_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
