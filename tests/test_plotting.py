"""Quick tests of lecturelib.plotting (Agg backend: no display needed)."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch

from lecturelib.plotting import as_image_batch, bar_chart, examples_per_class, show_image_grid


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.mark.parametrize(
    "shape, expected",
    [
        ((5, 28, 28), (5, 28, 28)),  # greyscale batch
        ((5, 1, 28, 28), (5, 28, 28)),  # NCHW, one channel
        ((5, 3, 16, 16), (5, 16, 16, 3)),  # NCHW colour
        ((5, 16, 16, 3), (5, 16, 16, 3)),  # NHWC colour
        ((28, 28), (1, 28, 28)),  # one greyscale image
        ((60, 50, 3), (1, 60, 50, 3)),  # one colour photograph
    ],
)
def test_as_image_batch_layouts(shape, expected):
    assert as_image_batch(np.zeros(shape)).shape == expected


def test_as_image_batch_keeps_values_and_accepts_tensors():
    x = torch.arange(2 * 3 * 4 * 5, dtype=torch.float32).reshape(2, 3, 4, 5)
    out = as_image_batch(x)
    np.testing.assert_array_equal(out, np.moveaxis(x.numpy(), 1, -1))


def test_as_image_batch_rejects_bad_shapes():
    with pytest.raises(ValueError, match="expected"):
        as_image_batch(np.zeros((2, 5, 8, 8)))  # 5 channels
    with pytest.raises(ValueError, match="expected"):
        as_image_batch(np.zeros(7))


def test_show_image_grid_layout_and_titles():
    x = np.random.default_rng(0).integers(0, 256, size=(10, 28, 28), dtype=np.uint8)
    y = np.arange(10) % 3
    fig = show_image_grid(x, labels=y, class_names=["a", "b", "c"], ncols=4)
    axes = fig.axes
    assert len(axes) == 12  # 3 rows of 4; the last two cells are blank
    assert [ax.get_title() for ax in axes[:4]] == ["a", "b", "c", "a"]
    assert not axes[-1].axison and axes[0].images, "blank cells are hidden, used cells hold an image"
    # uint8 images are drawn on the fixed range 0..255
    assert axes[0].images[0].get_clim() == (0, 255)


def test_show_image_grid_row_labels_and_nchw_tensor():
    x = torch.rand(6, 1, 8, 8)
    fig = show_image_grid(x, ncols=3, row_labels=[0, 1], class_names=["zero", "one"])
    assert len(fig.axes) == 6
    assert fig.axes[0].get_ylabel() == "zero" and fig.axes[3].get_ylabel() == "one"
    lo, hi = fig.axes[0].images[0].get_clim()
    assert lo == pytest.approx(float(x.min())) and hi == pytest.approx(float(x.max()))


def test_show_image_grid_checks_label_counts():
    x = np.zeros((4, 8, 8))
    with pytest.raises(ValueError, match="one per image"):
        show_image_grid(x, labels=[0, 1])
    with pytest.raises(ValueError, match="one per row"):
        show_image_grid(x, ncols=2, row_labels=["r"])


def test_examples_per_class_orders_by_class():
    y = np.array([2, 0, 1, 0, 2, 1, 0, 1, 2])
    x = np.arange(len(y))[:, None, None] * np.ones((1, 2, 2))
    xs, ys = examples_per_class(x, y, per_class=2)
    np.testing.assert_array_equal(ys, [0, 0, 1, 1, 2, 2])
    np.testing.assert_array_equal(xs[:, 0, 0], [1, 3, 2, 5, 0, 4])  # the first two of each class
    xs2, ys2 = examples_per_class(x, y, per_class=2, seed=1)
    np.testing.assert_array_equal(ys2, [0, 0, 1, 1, 2, 2])
    assert all(y[int(i)] == k for i, k in zip(xs2[:, 0, 0], ys2))
    with pytest.raises(ValueError, match="fewer than"):
        examples_per_class(x, y, per_class=4)


def test_bar_chart_labels_values():
    fig = bar_chart([0.3, 0.15], ["old", "new"], highlight=1, fmt="{:.2f}")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["0.30", "0.15"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["old", "new"]
    colors = [p.get_facecolor() for p in ax.patches]
    assert colors[0] != colors[1]
