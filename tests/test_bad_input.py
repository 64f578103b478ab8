"""The bad inputs listed in issue 8, each with the clear error it now gets (layers, contracts, augment).

The loops' bad input is in test_training.py, the optimizers' in test_optim.py, the models' in test_models.py,
the data loader's in test_data.py, checks.assert_close's in test_checks_core.py.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lecturelib import augment
from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn
from lecturelib._contracts import check_linear

X = np.ones((2, 3, 8, 8))


@pytest.mark.parametrize("call,error,match", [
    (lambda: nnp.im2col([[1]], 2), ValueError, r"x: expected an array, got a list"),
    (lambda: nnp.im2col(X, 9), ValueError, r"kernel 9×9 does not fit the padded input 8×8"),
    (lambda: nnp.im2col(X, 3, stride=0), ValueError, r"stride: expected positive values, got \(0, 0\)"),
    (lambda: nnp.im2col(X, 3, pad=-1), ValueError, r"pad: expected non-negative"),
    (lambda: nnp.col2im(np.ones((27, 5)), X.shape, 3), ValueError, r"cols must have shape \(27, 72\)"),
    (lambda: nnp.col2im(np.ones((27, 72)), (2, 3, 8), 3), ValueError, r"x_shape: expected \(N, C, H, W\)"),
    (lambda: nnp.conv_output_size(8, -3), ValueError, r"kernel must be an int ≥ 1, got -3"),
    (lambda: nnp.conv_output_size(8, 3, 0), ValueError, r"stride must be an int ≥ 1, got 0"),
    (lambda: nnp.conv_output_size(4, 7, 1, 1), ValueError, r"kernel 7 does not fit the padded input"),
    (lambda: tnn.Conv2d(3, 4, 0), ValueError, r"kernel_size: expected positive values, got \(0, 0\)"),
    (lambda: tnn.Conv2d(3, 4, 3, stride=0), ValueError, r"stride: expected positive"),
    (lambda: tnn.Linear(0, 4), ValueError, r"in_features: expected a positive int, got 0"),
    (lambda: nnp.Conv2d(1, 2, 0), ValueError, r"kernel_size: expected positive values"),
    (lambda: tnn.softmax_cross_entropy(torch.ones(3, 4), np.array([0, 1, 2])), ValueError,
     r"labels: expected a torch.Tensor, got ndarray"),
    (lambda: tnn.linear(torch.ones(2, 3), torch.ones(3, 4, dtype=torch.float64), torch.ones(4)), ValueError,
     r"z, W, b must share one dtype; got z torch.float32, W torch.float64, b torch.float32"),
    (lambda: nnp.linear_forward(np.ones((2, 3), np.float32), np.ones((3, 4)), np.ones(4, np.float32)), ValueError,
     r"z, W, b must share one dtype; got z float32, W float64, b float32"),
    (lambda: tnn.linear(torch.ones(2, 3), torch.ones(3, 4, device="meta"), torch.ones(4)), ValueError,
     r"z, W, b must be on one device; got z cpu, W meta, b cpu"),
    (lambda: augment.random_crop(torch.ones(2, 1, 8, 8), 4), ValueError,
     r"x: expected a NumPy array \(convert a tensor with .cpu\(\).numpy\(\)\), got Tensor"),
    (lambda: augment.rgb_pca(torch.ones(2, 3, 4, 4)), ValueError, r"expected a NumPy array"),
    (lambda: augment.mean_normalize(torch.ones(2, 1, 4, 4)), ValueError, r"expected a NumPy array"),
], ids=["im2col-list", "im2col-kernel-too-large", "im2col-stride0", "im2col-pad", "col2im-cols-shape",
        "col2im-x_shape", "conv_output_size-negative-kernel", "conv_output_size-stride0",
        "conv_output_size-too-large", "torch_nn-Conv2d-kernel0", "torch_nn-Conv2d-stride0", "torch_nn-Linear-0",
        "numpy_nn-Conv2d-kernel0", "sce-numpy-labels", "torch_nn-linear-dtype", "numpy_nn-linear-dtype",
        "torch_nn-linear-device", "augment-crop-tensor", "augment-pca-tensor", "augment-mean-tensor"])
def test_bad_input_gets_a_clear_error(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_the_twins_raise_the_same_message():
    for np_call, t_call in [
        (lambda: nnp.conv2d_forward(X, np.ones((4, 2, 3, 3)), np.ones(4)),
         lambda: tnn.conv2d(torch.ones(2, 3, 8, 8, dtype=torch.float64), torch.ones(4, 2, 3, 3, dtype=torch.float64),
                            torch.ones(4, dtype=torch.float64))),
        (lambda: nnp.maxpool2d_forward(np.ones((1, 1, 2, 3)), 3),
         lambda: tnn.max_pool2d(torch.ones(1, 1, 2, 3), 3)),
        (lambda: nnp.lrn_forward(np.ones((1, 3, 2, 2)), n=0), lambda: tnn.lrn(torch.ones(1, 3, 2, 2), n=0)),
        (lambda: nnp.spp_forward(np.ones((1, 1, 3, 3)), (1, 4)),
         lambda: tnn.spatial_pyramid_pool(torch.ones(1, 1, 3, 3), (1, 4))),
    ]:
        with pytest.raises(ValueError) as a:
            np_call()
        with pytest.raises(ValueError) as b:
            t_call()
        assert str(a.value).replace("torch.", "") == str(b.value).replace("torch.", "")


def test_validation_runs_once_per_input(monkeypatch):
    """torch_nn.max_pool2d used to check x twice (as a tensor, then in the shared pooling check)."""
    import lecturelib._contracts as contracts

    calls = []
    original = contracts.check_array
    monkeypatch.setattr(contracts, "check_array", lambda x, name, **kw: calls.append(name) or original(x, name, **kw))
    tnn.max_pool2d(torch.ones(1, 1, 4, 4), 2)
    nnp.maxpool2d_forward(np.ones((1, 1, 4, 4)), 2)
    assert calls == ["x", "x"]
    calls.clear()
    check_linear(torch.ones(2, 3), torch.ones(3, 4), torch.ones(4), tensor=True)
    assert calls == ["z", "W", "b"]


@pytest.mark.parametrize("backend", ["numpy", "torch_nn"])
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_accepts_an_empty_batch_like_conv(backend, kind):
    if backend == "numpy":
        fwd = getattr(nnp, f"{kind}pool2d_forward")
        out, cache = fwd(np.ones((0, 2, 4, 4)), 2, 2)
        assert out.shape == (0, 2, 2, 2)
        assert getattr(nnp, f"{kind}pool2d_backward")(np.ones((0, 2, 2, 2)), cache).shape == (0, 2, 4, 4)
    else:
        x = torch.ones(0, 2, 4, 4, requires_grad=True)
        out = getattr(tnn, f"{kind}_pool2d")(x, 2, 2)
        assert out.shape == (0, 2, 2, 2)
        out.sum().backward()
        assert x.grad.shape == (0, 2, 4, 4)


def test_batchnorm_keeps_float32_with_float64_gamma():
    x = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    y, cache = nnp.batchnorm_forward(x, np.ones(3), np.zeros(3), None, None)
    assert y.dtype == np.float32
    assert nnp.batchnorm_backward(np.ones_like(y), cache)[0].dtype == np.float32


def test_no_private_imports_between_the_twins():
    import pathlib
    import re

    folder = pathlib.Path(tnn.__file__).parent
    for path in folder.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"from \.\.numpy_nn", text), path.name
