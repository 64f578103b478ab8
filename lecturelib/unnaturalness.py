"""Saliency from the unnaturalness of CNN features (chapter 15), after Kato & Harada (2015) in a linear form.

Kato and Harada model the "natural" statistics of a CNN's feature maps f_{y,x} (a vector of C channels at each
position) with 2-D LSTMs that predict each feature from its context on the left, right, top and bottom; the
squared prediction error at a position — its *unnaturalness* — is a saliency map. Here each direction's
predictor is linear, from the one neighbour in that direction, fitted by least squares over all positions of
the image (ridge λ):

    μ^left_{y,x} = A_left f_{y,x−1} + c_left,  …,  u_{y,x} = mean over available directions d of ‖f_{y,x} − μ^d_{y,x}‖².

A pop-out scene (:func:`popout_scene`) has one odd bar among distractors; its "fixations" are drawn mostly on
the odd item and partly with a centre bias, as human fixations are. :func:`shuffled_auc` scores a map against
the fixations of its image (positives) and those of *other* images (negatives), which cancels any centre bias.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._random import as_generator

__all__ = ["popout_scene", "random_conv_features", "fit_direction", "unnaturalness", "centre_bias",
           "auc", "shuffled_auc", "blur"]


def popout_scene(size: int = 28, grid: int = 4, rng: Any = None, centre_fraction: float = 0.3,
                 n_fix: int = 8) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A grid × grid array of bars on a black image (size × size); all bars share one orientation except the odd
    one (turned by 90°), whose cell is uniform over the grid. Positions and brightness are jittered.

    Returns ``(image (size, size) float32 in [0, 1], odd-item mask (size, size) bool, fixations (n_fix, 2) int
    (row, col))``: each fixation lands on the odd item (± 1 px) with probability 1 − centre_fraction, else at a
    centre-biased position N(centre, (size/6)²) — the centre bias of human fixation data.
    """
    g = as_generator(rng)
    cell = size // grid
    image = np.zeros((size, size), dtype=np.float32)
    mask = np.zeros((size, size), dtype=bool)
    base = g.uniform(0, np.pi)
    odd = int(g.integers(grid * grid))
    half = cell / 2 - 1.0
    ys, xs = np.mgrid[0:size, 0:size] + 0.5
    centre_odd = None
    for k in range(grid * grid):
        r, c = divmod(k, grid)
        cy = r * cell + cell / 2 + g.uniform(-0.5, 0.5)
        cx = c * cell + cell / 2 + g.uniform(-0.5, 0.5)
        th = base + (np.pi / 2 if k == odd else 0.0) + g.normal(0, 0.05)
        ux, uy = np.cos(th), np.sin(th)
        along = (xs - cx) * ux + (ys - cy) * uy
        across = -(xs - cx) * uy + (ys - cy) * ux
        bar = (np.abs(along) <= half) & (np.abs(across) <= 0.7)
        image[bar] = np.maximum(image[bar], g.uniform(0.7, 1.0))
        if k == odd:
            mask |= bar
            centre_odd = (cy, cx)
    fix = []
    for _ in range(n_fix):
        if g.random() < centre_fraction:
            p = g.normal(size / 2, size / 6, size=2)
        else:
            p = np.array(centre_odd) + g.normal(0, 1.0, size=2)
        fix.append(np.clip(np.floor(p), 0, size - 1))
    return image, mask, np.asarray(fix, dtype=int)


def random_conv_features(images: np.ndarray, n_filters: int = 16, size: int = 5, rng: Any = None) -> np.ndarray:
    """relu(conv) of (N, H, W) images with random N(0, 1/size²) filters, zero padding 'same': (N, C, H, W)."""
    import torch
    import torch.nn.functional as F

    g = as_generator(rng)
    images = np.asarray(images, dtype=np.float32)
    if images.ndim != 3:
        raise ValueError(f"images: expected (N, H, W), got shape {images.shape}")
    w = g.normal(0, 1.0 / size, size=(n_filters, 1, size, size)).astype(np.float32)
    with torch.no_grad():
        out = F.conv2d(torch.from_numpy(images)[:, None], torch.from_numpy(w), padding=size // 2)
    return np.maximum(out.numpy(), 0.0).astype(np.float64)


_SHIFTS = {"left": (0, 1), "right": (0, -1), "up": (1, 0), "down": (-1, 0)}


def _pairs(F: np.ndarray, direction: str) -> tuple[np.ndarray, np.ndarray, tuple[slice, slice]]:
    """(targets (P, C), neighbours (P, C), the slice of positions that have a neighbour in that direction)."""
    dy, dx = _SHIFTS[direction]
    C, H, W = F.shape
    ty = slice(max(dy, 0), H + min(dy, 0))
    tx = slice(max(dx, 0), W + min(dx, 0))
    ny = slice(max(-dy, 0), H + min(-dy, 0))
    nx = slice(max(-dx, 0), W + min(-dx, 0))
    target = F[:, ty, tx].reshape(C, -1).T
    neighbour = F[:, ny, nx].reshape(C, -1).T
    return target, neighbour, (ty, tx)


def fit_direction(F: np.ndarray, direction: str, lam: float = 1e-3) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares predictor of f_{y,x} from its neighbour in ``direction`` ("left": f_{y,x−1}, "right":
    f_{y,x+1}, "up": f_{y−1,x}, "down": f_{y+1,x}) over all positions of F (C, H, W): ``(A (C, C), c (C,))``
    minimising Σ ‖f − (A f_nb + c)‖² + λ‖A‖²_F."""
    if direction not in _SHIFTS:
        raise ValueError(f"direction: expected one of {sorted(_SHIFTS)}, got {direction!r}")
    target, nb, _ = _pairs(np.asarray(F, dtype=np.float64), direction)
    X = np.hstack([nb, np.ones((len(nb), 1))])
    reg = lam * np.eye(X.shape[1])
    reg[-1, -1] = 0.0
    sol = np.linalg.solve(X.T @ X + reg, X.T @ target)              # (C + 1, C)
    return sol[:-1].T, sol[-1]


def unnaturalness(F: np.ndarray, lam: float = 1e-3) -> np.ndarray:
    """Per-position unnaturalness (H, W) of features F (C, H, W): the mean over the directions with a neighbour
    of the squared residual ‖f_{y,x} − μ^d_{y,x}‖² of that direction's least-squares predictor."""
    F = np.asarray(F, dtype=np.float64)
    if F.ndim != 3:
        raise ValueError(f"F: expected features (C, H, W), got shape {F.shape}")
    C, H, W = F.shape
    total, count = np.zeros((H, W)), np.zeros((H, W))
    for d in _SHIFTS:
        A, c = fit_direction(F, d, lam)
        target, nb, (ty, tx) = _pairs(F, d)
        r = ((target - (nb @ A.T + c)) ** 2).sum(axis=1)
        total[ty, tx] += r.reshape(total[ty, tx].shape)
        count[ty, tx] += 1
    return total / count


def blur(s: np.ndarray, sigma: float = 1.0) -> np.ndarray:
    """A Gaussian-smoothed map (as saliency benchmarks smooth every model's map)."""
    from scipy.ndimage import gaussian_filter

    return gaussian_filter(np.asarray(s, dtype=np.float64), sigma)


def centre_bias(shape: tuple[int, int], sigma_fraction: float = 1 / 6) -> np.ndarray:
    """The centre-bias baseline: a Gaussian bump at the image centre, σ = sigma_fraction · side."""
    H, W = shape
    ys, xs = np.mgrid[0:H, 0:W] + 0.5
    s = sigma_fraction * np.array([H, W])
    return np.exp(-((ys - H / 2) ** 2 / (2 * s[0] ** 2) + (xs - W / 2) ** 2 / (2 * s[1] ** 2)))


def auc(positives: np.ndarray, negatives: np.ndarray) -> float:
    """Area under the ROC curve of scores: P(pos > neg) + ½ P(pos = neg) (the Mann–Whitney statistic)."""
    p, n = np.asarray(positives, dtype=np.float64).ravel(), np.asarray(negatives, dtype=np.float64).ravel()
    if len(p) == 0 or len(n) == 0:
        raise ValueError("auc: need at least one positive and one negative score")
    allv = np.concatenate([p, n])
    order = np.argsort(allv, kind="mergesort")
    ranks = np.empty(len(allv))
    sorted_v = allv[order]
    i = 0
    while i < len(allv):                                           # average ranks for ties
        j = i
        while j + 1 < len(allv) and sorted_v[j + 1] == sorted_v[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    return float((ranks[:len(p)].sum() - len(p) * (len(p) + 1) / 2) / (len(p) * len(n)))


def shuffled_auc(saliency: np.ndarray, fixations: np.ndarray, other_fixations: np.ndarray) -> float:
    """Shuffled AUC: the map's values at this image's fixations (positives, (K, 2) row/col) against its values
    at fixations taken from *other* images (negatives). A map that is only a centre bias scores ≈ 0.5, because
    the negatives share the fixations' centre bias."""
    s = np.asarray(saliency, dtype=np.float64)
    f, o = np.asarray(fixations, dtype=int), np.asarray(other_fixations, dtype=int)
    if s.ndim != 2 or f.ndim != 2 or f.shape[1] != 2 or o.ndim != 2 or o.shape[1] != 2:
        raise ValueError(f"expected a map (H, W) and fixations (K, 2); got {s.shape}, {f.shape}, {o.shape}")
    return auc(s[f[:, 0], f[:, 1]], s[o[:, 0], o[:, 1]])
