"""Linear regions of small ReLU networks on a 2-D input (chapter 15).

A ReLU network is piecewise linear: inside a set of inputs where every hidden unit keeps its on/off state (one
*activation pattern*), the network is one affine map. Each such set is a convex polyhedron (the intersection of
the half-spaces ``u^l_k > 0`` or ``≤ 0`` that the pattern prescribes), so the number of distinct activation
patterns met in a box equals the number of (activation) linear regions that meet it.

A network here is a list of ``(W, b)`` pairs in the lectures' orientation: ``W^l`` is ``(|U^{l-1}|, |U^l|)``,
``u^l = (W^l)^T z^{l-1} + b^l`` per sample, ``z^l = relu(u^l)``; only the hidden layers matter for the regions.

* :func:`random_relu_net` — He-initialised weights, Gaussian biases;
* :func:`tent_net` — Montúfar et al.'s construction: each layer folds each input coordinate in two (a tent map),
  so L layers of 2·n₀ units cut the unit square into (2^L)^n₀ regions;
* :func:`activation_patterns`, :func:`count_regions_grid` — distinct patterns on a fine grid (a lower bound on the
  regions meeting the box: a region smaller than the grid step can be missed);
* :func:`count_regions_arrangement` — exact for one hidden layer: n lines in general position cut the plane into
  1 + n + C(n, 2) regions, a convex box into 1 + (lines crossing it) + (crossings inside it);
* :func:`montufar_bound` — the lower bound on the maximal number of regions of Montúfar et al. (2014).
"""

from __future__ import annotations

from math import comb, floor
from typing import Any

import numpy as np

from ._random import as_generator

__all__ = ["Layers", "random_relu_net", "tent_net", "hidden_preactivations", "activation_patterns", "grid",
           "count_regions_grid", "region_image", "count_regions_arrangement", "montufar_bound",
           "max_regions_one_layer"]

Layers = list  # list[tuple[np.ndarray, np.ndarray]]: (W (d_in, d_out), b (d_out,)) per hidden layer


def _check_layers(layers: Any, n_in: int | None = None) -> list[tuple[np.ndarray, np.ndarray]]:
    if not isinstance(layers, (list, tuple)) or not layers:
        raise ValueError(f"layers: expected a non-empty list of (W, b) pairs, got {type(layers).__name__}")
    out = []
    d = n_in
    for i, pair in enumerate(layers):
        if len(pair) != 2:
            raise ValueError(f"layers[{i}]: expected a pair (W, b), got {len(pair)} items")
        W, b = np.asarray(pair[0], dtype=np.float64), np.asarray(pair[1], dtype=np.float64)
        if W.ndim != 2 or b.shape != (W.shape[1],):
            raise ValueError(f"layers[{i}]: expected W (d_in, d_out) and b (d_out,), got {W.shape} and {b.shape}")
        if d is not None and W.shape[0] != d:
            raise ValueError(f"layers[{i}]: W has {W.shape[0]} input rows, the previous layer gives {d}")
        d = W.shape[1]
        out.append((W, b))
    return out


def random_relu_net(widths: list[int] | tuple[int, ...], n_in: int = 2, bias_std: float = 0.5,
                    rng: Any = None) -> list[tuple[np.ndarray, np.ndarray]]:
    """Hidden layers of the given widths for an ``n_in``-dimensional input: W ~ N(0, 2/d_in) (He), b ~ N(0, bias_std²)."""
    if not widths or any(int(w) < 1 for w in widths):
        raise ValueError(f"widths: expected positive layer widths, got {widths}")
    g = as_generator(rng)
    layers, d = [], n_in
    for w in widths:
        layers.append((g.normal(0.0, np.sqrt(2.0 / d), size=(d, int(w))), g.normal(0.0, bias_std, size=int(w))))
        d = int(w)
    return layers


def tent_net(depth: int, n_in: int = 2) -> list[tuple[np.ndarray, np.ndarray]]:
    """Montúfar et al.'s folding network on [0, 1]^n_in: ``depth`` layers of 2·n_in ReLUs.

    Layer 1 computes, per coordinate x, the units relu(x) and relu(x − ½); every later layer first forms the tent
    map t(x) = 2 relu(x) − 4 relu(x − ½) of the previous pair (its weights absorb this combination) and splits it
    the same way. t maps both halves of [0, 1] onto [0, 1], so after L layers each coordinate is folded into 2^L
    intervals with different activation patterns: (2^L)^n_in regions in the unit cube with 2·n_in·L units.
    """
    if int(depth) < 1:
        raise ValueError(f"depth: expected at least one layer, got {depth}")
    eye = np.eye(n_in)
    first_w = np.concatenate([eye, eye], axis=1)                  # (n_in, 2 n_in): units [x, x] then biases 0, −½
    b = np.concatenate([np.zeros(n_in), -0.5 * np.ones(n_in)])
    layers = [(first_w, b.copy())]
    fold = np.concatenate([2 * eye, -4 * eye], axis=0)            # (2 n_in, n_in): t = 2 z_a − 4 z_b
    for _ in range(int(depth) - 1):
        layers.append((fold @ first_w, b.copy()))
    return layers


def hidden_preactivations(layers: Any, x: np.ndarray) -> list[np.ndarray]:
    """u^l for every hidden layer, each (N, |U^l|), for inputs x (N, n_in)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"x: expected inputs (N, n_in), got shape {x.shape}")
    layers = _check_layers(layers, x.shape[1])
    us, z = [], x
    for W, b in layers:
        u = z @ W + b
        us.append(u)
        z = np.maximum(u, 0.0)
    return us


def activation_patterns(layers: Any, x: np.ndarray) -> np.ndarray:
    """The on/off state of every hidden unit, (N, total units) bool: unit k of layer l is on where u^l_k > 0."""
    return np.concatenate([u > 0 for u in hidden_preactivations(layers, x)], axis=1)


def grid(lim: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0), resolution: int = 400) -> np.ndarray:
    """Cell centres of a resolution × resolution grid on [x0, x1] × [y0, y1], (resolution², 2), row-major in y."""
    x0, x1, y0, y1 = lim
    xs = x0 + (np.arange(resolution) + 0.5) * (x1 - x0) / resolution
    ys = y0 + (np.arange(resolution) + 0.5) * (y1 - y0) / resolution
    gx, gy = np.meshgrid(xs, ys)
    return np.stack([gx.ravel(), gy.ravel()], axis=1)


def _pattern_ids(patterns: np.ndarray) -> np.ndarray:
    packed = np.ascontiguousarray(np.packbits(patterns, axis=1))
    keys = packed.view(np.dtype((np.void, packed.shape[1]))).ravel()   # one opaque key per row: a fast unique
    _, ids = np.unique(keys, return_inverse=True)
    return ids.ravel()


def count_regions_grid(layers: Any, lim: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0),
                       resolution: int = 400) -> int:
    """Number of distinct activation patterns at the cell centres of a fine grid on the box ``lim``.

    Every pattern's region is convex, so this counts the linear regions meeting the box — except regions that
    no grid point falls in: a lower bound that converges to the count as the grid is refined.
    """
    return int(_pattern_ids(activation_patterns(layers, grid(lim, resolution))).max() + 1)


def region_image(layers: Any, lim: tuple[float, float, float, float] = (-1.0, 1.0, -1.0, 1.0),
                 resolution: int = 400) -> np.ndarray:
    """(resolution, resolution) int map: the index of each grid point's activation pattern (for drawing)."""
    return _pattern_ids(activation_patterns(layers, grid(lim, resolution))).reshape(resolution, resolution)


def count_regions_arrangement(W: np.ndarray, b: np.ndarray,
                              lim: tuple[float, float, float, float] | None = None) -> int:
    """Exact number of regions of one hidden layer on a 2-D input (lines in general position).

    Unit k is on where w_k · x + b_k > 0, so its boundary is the line w_k · x + b_k = 0. With ``lim=None``: the
    regions of the whole plane, 1 + n + (pairs of non-parallel lines). With a box: 1 + (lines crossing the
    open box) + (crossings inside it) — each line adds one region plus one per earlier line it crosses (Euler).
    Raises ``ValueError`` if three lines meet in one point inside the region counted (not general position).
    """
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if W.ndim != 2 or W.shape[0] != 2 or b.shape != (W.shape[1],):
        raise ValueError(f"W, b: expected W (2, n) and b (n,), got {W.shape} and {b.shape}")
    n = W.shape[1]
    if np.any(np.linalg.norm(W, axis=0) == 0):
        raise ValueError("W: a unit with zero weights has no boundary line")
    points = []
    lines_in = 0
    for k in range(n):
        if lim is None or _line_crosses_box(W[:, k], b[k], lim):
            lines_in += 1
    for i in range(n):
        for j in range(i + 1, n):
            A = np.stack([W[:, i], W[:, j]])
            if abs(np.linalg.det(A)) < 1e-12 * np.linalg.norm(W[:, i]) * np.linalg.norm(W[:, j]):
                continue                                           # parallel: no crossing
            p = np.linalg.solve(A, -np.array([b[i], b[j]]))
            if lim is None or (lim[0] < p[0] < lim[1] and lim[2] < p[1] < lim[3]):
                points.append(p)
    if len(points) > 1:
        pts = np.array(points)
        d = np.linalg.norm(pts[:, None] - pts[None], axis=2) + np.eye(len(pts)) * 1e9
        if d.min() < 1e-9:
            raise ValueError("three or more lines meet in one point: not in general position")
    return 1 + lines_in + len(points)


def _line_crosses_box(w: np.ndarray, b: float, lim: tuple[float, float, float, float]) -> bool:
    corners = np.array([[lim[0], lim[2]], [lim[0], lim[3]], [lim[1], lim[2]], [lim[1], lim[3]]])
    s = corners @ w + b
    return bool(s.min() < 0 < s.max())


def max_regions_one_layer(n_units: int, n_in: int = 2) -> int:
    """Zaslavsky's maximum for n hyperplanes in general position in R^n_in: Σ_{j=0}^{n_in} C(n, j)."""
    return sum(comb(int(n_units), j) for j in range(int(n_in) + 1))


def montufar_bound(n_in: int, widths: list[int] | tuple[int, ...]) -> int:
    """Montúfar et al. (2014): a deep ReLU network with hidden widths n_1 … n_L (each ≥ n_0 = n_in) can have

    (∏_{i=1}^{L-1} ⌊n_i / n_0⌋^{n_0}) · Σ_{j=0}^{n_0} C(n_L, j)

    linear regions — a lower bound on the *maximal* number over all weights (Montúfar et al.'s theorem 4).
    """
    widths = [int(w) for w in widths]
    if not widths or int(n_in) < 1:
        raise ValueError(f"expected n_in ≥ 1 and at least one hidden width, got {n_in}, {widths}")
    prod = 1
    for w in widths[:-1]:
        prod *= floor(w / n_in) ** n_in
    return prod * max_regions_one_layer(widths[-1], n_in)
