"""Checks for chapter 15 (applications and open problems): the number of linear regions of a one-hidden-layer ReLU
network on a 2-D input, the parameter count of a BitBlock, and one Riemannian SGD step on the oblique manifold.
Each check_* is listed in ``__all__`` and re-exported by the package."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_bitblock_weight_count", "check_oblique_step", "check_region_count"]


def check_region_count(region_count: Callable[..., int]) -> None:
    """``region_count(W, b)`` → the number of regions into which the lines w_k · x + b_k = 0 (W (2, n), b (n,))
    cut the plane, i.e. the linear regions of the network relu(Wᵀx + b): compared with
    :func:`lecturelib.regions.count_regions_arrangement` on 1 to 9 random lines, on three lines through
    three different points, and on sets that contain parallel lines."""
    from .. import regions

    rng = np.random.default_rng(15)
    cases = [(rng.normal(size=(2, n)), rng.normal(size=n)) for n in (1, 2, 4, 9)]
    cases.append((np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), np.array([0.0, 0.0, -1.0])))
    cases.append((np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 1.0]]), np.array([0.0, -1.0, 0.5])))   # two parallel
    cases.append((np.array([[1.0, 2.0, -1.0, 0.0], [1.0, 2.0, -1.0, 1.0]]),
                  np.array([0.0, 1.0, 3.0, 0.2])))                                         # three parallel
    for W, b in cases:
        got = call_student_on_copies(region_count, W, b, what="region_count")
        want = regions.count_regions_arrangement(W, b)
        if not isinstance(got, (int, np.integer)) or int(got) != want:
            raise AssertionError(f"region_count for {W.shape[1]} lines (W = {W.tolist()}, b = {b.tolist()}): "
                                 f"expected {want}, got {got!r}")
    passed("region_count: equals the exact arrangement count for 1–9 lines in general position and with parallels")


def check_bitblock_weight_count(bitblock_weight_count: Callable[..., int]) -> None:
    """``bitblock_weight_count(D, K, kernel_size)`` → the number of convolution weights of one BitBlock of width
    D and depth K whose input has D channels: compared with ``sum`` over the conv layers of
    ``lecturelib.models.bitnet.BitBlock(D, D, K, kernel_size=…)`` for several D, K, kernel sizes, and with
    proposition 3.3's 4/3·(1 − 4^−K)·D²·k²."""
    from ..models.bitnet import BitBlock, bitblock_weights, bitnet_param_formula

    for D, K, k in ((8, 1, 1), (16, 2, 3), (32, 4, 1), (64, 3, 3), (16, 5, 1)):
        got = call_student_on_copies(bitblock_weight_count, D, K, k, what="bitblock_weight_count")
        want = int(bitblock_weights(BitBlock(D, D, K, kernel_size=k)))
        if not isinstance(got, (int, np.integer)) or int(got) != want:
            raise AssertionError(f"bitblock_weight_count(D={D}, K={K}, kernel_size={k}): expected {want} "
                                 f"(the conv weights of BitBlock({D}, {D}, {K})), got {got!r}")
        assert_close(float(got), bitnet_param_formula(1, K, D, kernel_size=k), "against proposition 3.3",
                     rtol=1e-12)
    passed("bitblock_weight_count: equals a built BitBlock's weights and 4/3·(1 − 4^−K)·D²·k² for 5 shapes")


def check_oblique_step(oblique_step: Callable[..., np.ndarray]) -> None:
    """``oblique_step(W, G, lr)`` → the Riemannian SGD step on the oblique manifold (unit columns):
    ξ = G − W ddiag(WᵀG), then W ← the columns of W − lr·ξ normalised. Compared with
    ``lecturelib.manifold`` (tangent_projection then retract) on three shapes and two learning rates; the result
    must keep ddiag(WᵀW) = I to round-off and, for a small lr, lower ⟨W, G⟩ to first order (a descent step)."""
    import torch

    from .. import manifold

    rng = np.random.default_rng(7)
    for d, n in ((3, 2), (9, 4), (5, 5)):
        W = manifold.project_to_manifold(torch.from_numpy(rng.normal(size=(d, n))), "oblique").numpy()
        G = rng.normal(size=(d, n))
        for lr in (0.01, 0.5):
            got = call_student_on_copies(oblique_step, W, G, lr, what="oblique_step")
            Wt, Gt = torch.from_numpy(W), torch.from_numpy(G)
            xi = manifold.tangent_projection(Wt, Gt, "oblique")
            want = manifold.retract(Wt, -lr * xi, "oblique").numpy()
            got_a = np.asarray(got, dtype=np.float64) if got is not None else np.asarray(np.nan)
            assert_close(got_a, want, f"oblique_step(W {d}×{n}, G, lr={lr})", rtol=1e-9, atol=1e-12)
            if np.abs(np.linalg.norm(got_a, axis=0) - 1).max() > 1e-10:
                raise AssertionError("oblique_step: the columns of the result must have unit norm")
    passed("oblique_step: equals projection + retraction of lecturelib.manifold on 3 shapes × 2 steps; unit columns kept")
