"""One meaning of ``rng`` across the library, and the seed offset that make test's perturbed run uses."""

import numpy as np
import pytest
import torch

import lecturelib
from lecturelib import augment
from lecturelib import numpy_nn as nnp
from lecturelib.numpy_nn import Sequential
from lecturelib.numpy_nn import Linear as NumpyLinear
from lecturelib.models import MLP
from lecturelib.training import iterate_minibatches


def _draws():
    """One draw of every library function whose ``rng`` defaults to None."""
    x = np.arange(2 * 3 * 8 * 8, dtype=np.float64).reshape(2, 3, 8, 8)
    y = np.arange(10)
    return [
        MLP([4, 3, 2]).params["W1"],
        Sequential([("fc", NumpyLinear(4, 2))]).params["fc.weight"],
        np.concatenate([yb for _, yb in iterate_minibatches(y, y, 3)]),
        nnp.dropout_forward(np.ones((4, 5)), 0.5)[0],
        augment.random_crop(x, 6),
        augment.horizontal_flip(x),
        augment.pca_color_augment(x / x.max()),
    ]


def test_rng_none_is_reproducible_after_set_seed():
    lecturelib.set_seed(0)
    first = _draws()
    lecturelib.set_seed(0)
    second = _draws()
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    lecturelib.set_seed(1)
    third = _draws()
    assert any(not np.array_equal(a, b) for a, b in zip(first, third))


def test_rng_none_draws_from_one_stream():
    lecturelib.set_seed(0)
    a = MLP([4, 3, 2]).params["W1"]
    b = MLP([4, 3, 2]).params["W1"]   # the next draws of the same generator, not a restart
    assert not np.array_equal(a, b)


def test_seed_offset_shifts_every_seed(monkeypatch):
    lecturelib.set_seed(3)
    base_np, base_torch, base_int = lecturelib.rng().random(3), torch.rand(3), lecturelib.rng(3).random(3)
    monkeypatch.setenv("LECTURELIB_SEED_OFFSET", "1")
    assert lecturelib.seed_offset() == 1
    lecturelib.set_seed(2)                               # 2 + 1 = the unperturbed seed 3
    np.testing.assert_array_equal(lecturelib.rng().random(3), base_np)
    assert torch.equal(torch.rand(3), base_torch)
    np.testing.assert_array_equal(lecturelib.rng(2).random(3), base_int)
    monkeypatch.setenv("LECTURELIB_SEED_OFFSET", "x")
    with pytest.raises(ValueError, match="LECTURELIB_SEED_OFFSET"):
        lecturelib.seed_offset()


@pytest.mark.parametrize("bad", ["1", 1.5, True, -1], ids=["str", "float", "bool", "negative"])
def test_bad_rng_is_named(bad):
    with pytest.raises(ValueError, match="rng"):
        lecturelib.as_generator(bad)


def test_torch_threads_only_when_asked(monkeypatch):
    before = torch.get_num_threads()
    monkeypatch.delenv("LECTURELIB_TORCH_THREADS", raising=False)
    lecturelib.set_seed(0)
    assert torch.get_num_threads() == before
    monkeypatch.setenv("LECTURELIB_TORCH_THREADS", "1")
    lecturelib.set_seed(0)
    assert torch.get_num_threads() == 1
    torch.set_num_threads(before)
