"""Unit tests of chapter 15's modules: lecturelib.regions, lecturelib.grasping, lecturelib.unnaturalness."""

from __future__ import annotations

from math import comb

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from lecturelib import grasping as G
from lecturelib import regions as R
from lecturelib import unnaturalness as U


# --- linear regions -------------------------------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 3, 6])
def test_one_layer_lines_in_general_position(n):
    """n lines in general position cut the plane into 1 + n + C(n, 2) regions; the grid count on a box large
    enough to hold every crossing agrees with the exact box count (and the plane count)."""
    rng = np.random.default_rng(n)
    W = rng.normal(size=(2, n))
    b = rng.normal(scale=0.3, size=n)
    assert R.count_regions_arrangement(W, b) == 1 + n + comb(n, 2)
    lim = (-40.0, 40.0, -40.0, 40.0)
    exact_box = R.count_regions_arrangement(W, b, lim)
    assert exact_box == 1 + n + comb(n, 2)
    assert R.count_regions_grid([(W, b)], lim, resolution=1500) == exact_box


def test_known_arrangement_three_lines():
    """x = 0, y = 0 and x + y = 1: seven regions in the plane, and seven patterns on a grid around them."""
    W = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])
    b = np.array([0.0, 0.0, -1.0])
    assert R.count_regions_arrangement(W, b) == 7
    assert R.count_regions_grid([(W, b)], (-3, 3, -3, 3), resolution=300) == 7
    # a box that only the line x = 0 crosses: two regions
    assert R.count_regions_arrangement(W, b, (-1.0, 1.0, -5.0, -2.0)) == 2


def test_parallel_lines_and_concurrency():
    W = np.array([[1.0, 1.0], [0.0, 0.0]])                     # x = 0 and x = 1: parallel
    assert R.count_regions_arrangement(W, np.array([0.0, -1.0])) == 3
    W3 = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]])            # all three through the origin
    with pytest.raises(ValueError):
        R.count_regions_arrangement(W3, np.zeros(3))


@pytest.mark.parametrize("depth", [1, 2, 3])
def test_tent_net_folds(depth):
    assert R.count_regions_grid(R.tent_net(depth), (0, 1, 0, 1), resolution=256) == 4 ** depth


def test_montufar_bound_values():
    assert R.montufar_bound(2, [4]) == 1 + 4 + 6
    assert R.montufar_bound(2, [4, 4]) == 4 * 11
    assert R.montufar_bound(1, [3, 3, 3]) == 9 * 4
    assert R.max_regions_one_layer(24) == 1 + 24 + comb(24, 2)


def test_grid_count_is_a_lower_bound():
    net = R.random_relu_net([10], rng=0)
    lim = (-2.0, 2.0, -2.0, 2.0)
    exact = R.count_regions_arrangement(*net[0], lim)
    coarse = R.count_regions_grid(net, lim, resolution=40)
    fine = R.count_regions_grid(net, lim, resolution=800)
    assert coarse <= fine <= exact


# --- grasping -------------------------------------------------------------------------------------------------

RECT = G.Scene("rect", 16.0, 16.0, 5.0, 2.0, 0.0)                # 10 × 4 px, long side along x


def test_grasp_rule_rectangle_hand_made():
    assert G.grasp_success(RECT, (16, 16, np.pi / 2, 8))            # across the short side, jaws clear
    assert G.grasp_success(RECT, (16, 16, 0.0, 14))                 # along the long side, opening 14 > 10
    assert not G.grasp_success(RECT, (16, 16, 0.0, 8))              # opening 8 < 10: a jaw lands on it
    assert not G.grasp_success(RECT, (16, 25, np.pi / 2, 8))        # centre beside it: chord starts at a jaw
    assert not G.grasp_success(RECT, (25, 25, 0.0, 8))              # closes on air
    assert not G.grasp_success(RECT, (16, 16, np.pi / 4, 14))       # 45°: the normals are outside the friction cone
    assert G.grasp_success(RECT, (16, 16, np.pi / 2 + np.radians(10), 8))   # 10° off: inside the 30° cone


def test_grasp_rule_ellipse_and_rotation():
    e = G.Scene("ellipse", 16.0, 16.0, 6.0, 3.0, np.pi / 2)         # long axis vertical
    assert G.grasp_success(e, (16, 16, 0.0, 8))                     # across the short axis through the centre
    assert not G.grasp_success(e, (16, 16, 0.0, 5))                 # opening 5 < 6
    assert not G.grasp_success(e, (18.5, 16, np.pi / 2, 14))        # an off-centre chord: slanted normals
    hit = G.chord(e, 16, 16, 0.0)
    assert hit is not None and np.allclose(hit[:2], (-3.0, 3.0))


def test_render_and_glimpse():
    img = G.render(RECT)
    assert img.shape == (G.SIZE, G.SIZE) and img.sum() == 10 * 4
    x = G.network_input(img, np.array([[16, 16, 0.0, 8], [16, 16, np.pi / 2, 8]]))
    assert x.shape == (2, 2, G.GLIMPSE, G.GLIMPSE)
    # closing along the long side: the glimpse shows the 10 px side horizontally (columns = closing direction);
    # closing across it: turned by 90°, the transpose (the rectangle is symmetric); samples at pixel centres
    assert x[0, 0].sum() == 40 and np.count_nonzero(x[0, 0].sum(axis=0)) == 10
    assert np.count_nonzero(x[0, 0].sum(axis=1)) == 4
    assert np.abs(x[0, 0] - x[1, 0].T).max() < 1e-6


def test_dataset_labels_follow_the_rule():
    X, C, Y = G.grasp_dataset(3, 5, rng=0)
    assert X.shape == (15, 2, G.GLIMPSE, G.GLIMPSE) and C.shape == (15, 4) and Y.shape == (15,)
    assert set(np.unique(Y)) <= {0.0, 1.0}


# --- unnaturalness and shuffled AUC ---------------------------------------------------------------------------

def test_shuffled_auc_perfect_and_inverted_maps():
    rng = np.random.default_rng(0)
    s = rng.random((20, 20))
    order = np.argsort(s.ravel())
    low, high = np.array(np.unravel_index(order[:30], s.shape)).T, np.array(np.unravel_index(order[-10:], s.shape)).T
    assert U.shuffled_auc(s, high, low) == 1.0
    assert U.shuffled_auc(-s, high, low) == 0.0
    pos, neg = np.array(np.unravel_index(order[::7], s.shape)).T, np.array(np.unravel_index(order[3::5], s.shape)).T
    ref = roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))],
                        np.r_[s[pos[:, 0], pos[:, 1]], s[neg[:, 0], neg[:, 1]]])
    assert U.shuffled_auc(s, pos, neg) == pytest.approx(ref, abs=1e-12)


def test_auc_ties_match_sklearn():
    p, n = np.array([1, 2, 2, 3.0]), np.array([2, 2, 0, 1, 3.0])
    ref = roc_auc_score(np.r_[np.ones(4), np.zeros(5)], np.r_[p, n])
    assert U.auc(p, n) == pytest.approx(ref, abs=1e-12)


def test_unnaturalness_finds_an_odd_column():
    """Features that follow one linear rule everywhere except one column: the residual peaks there."""
    rng = np.random.default_rng(1)
    F = np.cumsum(rng.normal(size=(3, 12, 12)), axis=2) * 0.1 + np.linspace(0, 1, 12)
    F[:, :, 7] += 3.0
    u = U.unnaturalness(F)
    assert u.shape == (12, 12) and int(np.argmax(u.mean(axis=0))) == 7


def test_popout_scene_and_fixations():
    img, mask, fix = U.popout_scene(rng=3)
    assert img.shape == mask.shape == (28, 28) and mask.sum() > 3
    assert fix.shape == (8, 2) and fix.min() >= 0 and fix.max() < 28
