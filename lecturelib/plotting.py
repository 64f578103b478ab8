"""Small plotting helpers the chapters share: grids of images, one example per class, labelled bars.

Every function draws with matplotlib's object-oriented API, returns the :class:`~matplotlib.figure.Figure`
it made (so a chapter can add to it, save it or close it) and never calls ``plt.show()`` itself — the
chapter's cell does that, which keeps the notebook's stored output a PNG and no ``<Figure ...>`` text.

Images may be NumPy arrays or torch tensors, in any of the layouts the course uses:

* ``(N, H, W)`` — greyscale (Fashion-MNIST as loaded);
* ``(N, H, W, 3)`` or ``(N, H, W, 4)`` — colour, channels last (photographs);
* ``(N, 1, H, W)`` or ``(N, 3, H, W)`` — NCHW, as fed to a convolutional network.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:  # matplotlib is imported lazily, when a function draws
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["as_image_batch", "bar_chart", "examples_per_class", "show_image_grid"]


def _to_numpy(x) -> np.ndarray:
    if hasattr(x, "detach"):  # torch.Tensor, without importing torch
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def as_image_batch(images: Any) -> np.ndarray:
    """Return ``images`` as an array ``(N, H, W)`` (greyscale) or ``(N, H, W, C)`` with C in {3, 4}.

    Accepts ``(N, H, W)``, ``(N, H, W, C)`` with C in {1, 3, 4}, ``(N, C, H, W)`` with C in {1, 3}, or a single
    image ``(H, W)`` / ``(H, W, 3)``. A channel axis of size 1 is dropped. Raises ``ValueError`` for anything else.
    """
    x = _to_numpy(images)
    if x.ndim == 2:
        return x[None]
    if x.ndim == 3:
        if x.shape[-1] in (3, 4) and x.shape[0] > 4:
            # (H, W, C): a single colour image (a batch of images only 3 or 4 pixels wide is not a use case)
            return x[None]
        return x
    if x.ndim == 4:
        if x.shape[-1] in (1, 3, 4) and x.shape[1] not in (1, 3):  # (N, H, W, C)
            return x[..., 0] if x.shape[-1] == 1 else x
        if x.shape[1] in (1, 3):  # (N, C, H, W)
            x = np.moveaxis(x, 1, -1)
            return x[..., 0] if x.shape[-1] == 1 else x
    raise ValueError(
        "images: expected (N, H, W), (N, H, W, C) with C in 1/3/4, or (N, C, H, W) with C in 1/3; "
        f"got shape {x.shape}"
    )


def examples_per_class(x: np.ndarray, y: np.ndarray, per_class: int, num_classes: int | None = None,
                       seed: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Pick ``per_class`` examples of every class, ordered class by class.

    Returns ``(images, labels)``: ``images = x[idx]`` and ``labels = y[idx]`` where ``idx`` lists
    ``per_class`` indices of class 0, then of class 1, and so on — ready for
    ``show_image_grid(images, ncols=per_class)``, which then draws one row per class. With ``seed=None`` the
    first examples of each class in data-set order are taken; otherwise a reproducible random choice
    (``numpy.random.default_rng(seed)``). Raises ``ValueError`` if a class has fewer than ``per_class`` examples.
    """
    y = _to_numpy(y).astype(np.int64, copy=False)
    if y.ndim != 1 or len(y) != len(x):
        raise ValueError(f"y: expected labels of shape ({len(x)},), got {y.shape}")
    if isinstance(per_class, bool) or not isinstance(per_class, (int, np.integer)) or per_class < 1:
        raise ValueError(f"per_class: expected a positive int, got {per_class!r}")
    num_classes = int(y.max()) + 1 if num_classes is None else int(num_classes)
    rng = None if seed is None else np.random.default_rng(seed)
    chosen = []
    for k in range(num_classes):
        members = np.flatnonzero(y == k)
        if len(members) < per_class:
            raise ValueError(f"class {k} has {len(members)} examples, fewer than per_class={per_class}")
        chosen.append(members[:per_class] if rng is None else np.sort(rng.choice(members, per_class, replace=False)))
    idx = np.concatenate(chosen)
    return x[idx], y[idx]


def show_image_grid(images: Any, labels: Sequence[Any] | np.ndarray | None = None,
                    class_names: Sequence[str] | None = None, ncols: int = 8, *,
                    row_labels: Sequence[str] | None = None, title: str | None = None, cmap: str = "gray",
                    vmin: float | None = None, vmax: float | None = None, scale: float = 1.1,
                    colorbar: bool = False) -> Figure:
    """Draw ``images`` on a grid with ``ncols`` columns and return the figure.

    Args:
        images: a batch in any layout :func:`as_image_batch` accepts (NumPy or torch).
        labels: optional, one per image; shown above each image. Ints are turned into names through
            ``class_names`` when given; strings are shown as they are.
        class_names: optional sequence mapping a label to its name.
        ncols: images per row; the number of rows is ``ceil(N / ncols)``.
        row_labels: optional, one text per row, written to the left of the row (e.g. the class of a row of
            examples from :func:`examples_per_class`). Ints are mapped through ``class_names``.
        title: optional figure title.
        cmap, vmin, vmax: colour map and range for greyscale images. By default uint8 images are drawn on
            0..255 and float images on their own [min, max] over the whole batch, so brightness is comparable
            between cells (pass ``vmin``/``vmax`` to fix it).
        scale: size of one cell in inches.
        colorbar: add one colour bar for the whole grid (greyscale only).
    """
    import matplotlib.pyplot as plt

    x = as_image_batch(images)
    n = len(x)
    if n == 0:
        raise ValueError("images: the batch is empty")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols: expected a positive int, got {ncols!r}")
    ncols = min(int(ncols), n)
    nrows = math.ceil(n / ncols)

    def name(label):
        if class_names is not None and isinstance(label, (int, np.integer)):
            return str(class_names[int(label)])
        return str(label)

    if labels is not None:
        labels = list(_to_numpy(labels).tolist()) if not isinstance(labels, (list, tuple)) else list(labels)
        if len(labels) != n:
            raise ValueError(f"labels: expected {n} labels (one per image), got {len(labels)}")
    if row_labels is not None:
        row_labels = list(_to_numpy(row_labels).tolist()) if not isinstance(row_labels, (list, tuple)) \
            else list(row_labels)
        if len(row_labels) != nrows:
            raise ValueError(f"row_labels: expected {nrows} labels (one per row), got {len(row_labels)}")

    grey = x.ndim == 3
    if grey:
        if vmin is None:
            vmin = 0 if x.dtype == np.uint8 else float(np.min(x))
        if vmax is None:
            vmax = 255 if x.dtype == np.uint8 else float(np.max(x))
        if vmax <= vmin:
            vmax = vmin + 1.0

    title_room = 0.25 * scale if labels is not None else 0.0
    left_room = 1.1 if row_labels is not None else 0.0
    fig_w = ncols * scale + left_room + (0.6 if colorbar and grey else 0.0)
    fig_h = nrows * (scale + title_room) + (0.4 if title else 0.0)
    fig, axes = plt.subplots(nrows, ncols, figsize=(fig_w, fig_h), squeeze=False)
    im = None
    for i, ax in enumerate(axes.flat):
        ax.set_xticks([])
        ax.set_yticks([])
        if i >= n:
            ax.axis("off")
            continue
        if grey:
            im = ax.imshow(x[i], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
        else:
            img = x[i]
            if img.dtype != np.uint8:
                img = np.clip(img, 0.0, 1.0)
            ax.imshow(img, interpolation="nearest")
        if labels is not None:
            ax.set_title(name(labels[i]), fontsize=8, pad=2)
        for spine in ax.spines.values():
            spine.set_visible(False)
    if row_labels is not None:
        for r, label in enumerate(row_labels):
            axes[r, 0].set_ylabel(name(label), rotation=0, ha="right", va="center", fontsize=9, labelpad=6)
    if title:
        fig.suptitle(title)
    fig.tight_layout(pad=0.3, h_pad=0.2, w_pad=0.2)
    if colorbar and grey and im is not None:
        fig.colorbar(im, ax=axes.ravel().tolist(), fraction=0.02, pad=0.01)
    return fig


def bar_chart(values: Sequence[float] | np.ndarray, names: Sequence[Any], *, ax: Axes | None = None,
              highlight: int | Sequence[int] | None = None, fmt: str = "{:.3f}", xlabel: str | None = None,
              ylabel: str | None = None, title: str | None = None, color: str = "#8c8c8c",
              highlight_color: str = "#d62728", horizontal: bool = True) -> Figure:
    """A labelled bar chart: one bar per value, its value printed at the bar's end; returns the figure.

    ``highlight`` is an index or a list of indices drawn in ``highlight_color``. With ``horizontal=True``
    (default) the first value is drawn at the top, so a table reads in the same order as its chart.
    """
    import matplotlib.pyplot as plt

    values = _to_numpy(values).astype(float)
    names = [str(s) for s in names]
    if values.ndim != 1 or len(values) != len(names):
        raise ValueError(f"values and names: expected equal lengths, got {values.shape} and {len(names)}")
    if ax is None:
        fig, ax = plt.subplots(figsize=(7, 0.45 * len(values) + 1.0) if horizontal else (7, 4))
    else:
        fig = ax.figure
    hi = set() if highlight is None else {int(highlight)} if np.ndim(highlight) == 0 else set(map(int, highlight))
    colors = [highlight_color if i in hi else color for i in range(len(values))]
    pos = np.arange(len(values))
    if horizontal:
        bars = ax.barh(pos, values, color=colors)
        ax.set_yticks(pos, names)
        ax.invert_yaxis()
        ax.set_xlim(0, values.max() * 1.18 if values.max() > 0 else 1)
    else:
        bars = ax.bar(pos, values, color=colors)
        ax.set_xticks(pos, names)
        ax.set_ylim(0, values.max() * 1.15 if values.max() > 0 else 1)
    ax.bar_label(bars, labels=[fmt.format(v) for v in values], padding=3, fontsize=9)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
