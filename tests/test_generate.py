"""Unit tests of lecturelib.generate (chapter 14): each compares with an independent computation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from lecturelib import generate


def _t(*shape, seed=0):
    return torch.randn(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_gram_matrix_equals_einsum():
    f = _t(3, 4, 5, 6)
    ref = torch.einsum("nkij,nlij->nkl", f, f) / 30
    assert torch.allclose(generate.gram_matrix(f), ref, rtol=1e-12, atol=1e-12)


def test_style_loss_zero_for_shifted_texture_and_positive_otherwise():
    tex = _t(1, 3, 4, 4).repeat(1, 1, 3, 3)
    g = generate.gram_matrix(torch.roll(tex, (4, 4), dims=(2, 3)))
    assert float(generate.style_loss([tex], [g])) < 1e-20
    assert float(generate.style_loss([tex], [generate.gram_matrix(_t(1, 3, 12, 12, seed=1))])) > 1e-3


def test_total_variation_constant_is_zero_and_small_case_by_hand():
    assert float(generate.total_variation(torch.full((2, 3, 5, 5), 0.3))) == 0.0
    x = torch.tensor([[[[0.0, 1.0], [2.0, 4.0]]]])
    # one position (0, 0): dx = 1, dy = 2 → 1 + 4 = 5; β = 1: sqrt(5)
    assert float(generate.total_variation(x)) == pytest.approx(5.0)
    assert float(generate.total_variation(x, beta=1.0)) == pytest.approx(np.sqrt(5.0), rel=1e-6)


def test_neighbour_prior_is_exact_on_linear_ramps_and_high_on_noise():
    i, j = torch.meshgrid(torch.arange(8.0), torch.arange(8.0), indexing="ij")
    ramps = torch.stack([a * i + b * j + c for a, b, c in [(1, 0, 0), (0, 1, 1), (0.5, -0.3, 2), (-1, 2, 0)]])
    A = generate.fit_neighbour_prior(ramps[:, None].double(), ridge=1e-9)
    assert float(generate.unnaturalness(ramps[:, None].double(), A)) < 1e-8
    assert float(generate.unnaturalness(_t(4, 1, 8, 8), A)) > 0.1


def test_frechet_distance_self_zero_and_matches_sqrtm():
    from scipy.linalg import sqrtm

    rng = np.random.default_rng(0)
    f1 = rng.standard_normal((400, 6)) @ rng.standard_normal((6, 6))
    f2 = rng.standard_normal((300, 6)) * 1.5 + 0.3
    m1, c1 = generate.gaussian_stats(f1)
    m2, c2 = generate.gaussian_stats(f2)
    assert abs(generate.frechet_distance(m1, c1, m1, c1)) < 1e-8
    ref = ((m1 - m2) ** 2).sum() + np.trace(c1 + c2 - 2 * sqrtm(c1 @ c2).real)
    assert generate.frechet_distance(m1, c1, m2, c2) == pytest.approx(ref, rel=1e-8)


def test_qap_cost_by_hand():
    adj = generate.grid_adjacency(2, 2)
    assert adj.sum() == 8 and adj[0, 3] == 0 and adj[0, 1] == 1
    Ca = np.array([[1.0, 2.0], [2.0, 5.0]])
    Cl = np.array([[0.0, 1.0, 1.0, 3.0], [2.0, 0.5, 0.0, 1.0]])
    words = np.array([0, 0, 1, 1])
    # identity: positions 0, 1 hold word 0, positions 2, 3 word 1. Adjacent pairs 0-1 (0,0): 1; 0-2 (0,1): 2;
    # 1-3 (0,1): 2; 2-3 (1,1): 5 → 10, ordered 20. Location: 0 + 1 + 0 + 1 = 2. λ = 0.5: 10 + 1 = 11.
    assert generate.qap_cost(np.arange(4), words, Ca, Cl, adj, 0.5) == pytest.approx(11.0)


def _instance(seed, rows=3, cols=3, k=4):
    rng = np.random.default_rng(seed)
    Ca = rng.random((k, k))
    return (rng.integers(0, k, rows * cols), Ca + Ca.T, rng.random((k, rows * cols)),
            generate.grid_adjacency(rows, cols))


def test_hill_climb_history_is_the_true_cost_and_reaches_a_swap_local_minimum():
    words, Ca, Cl, adj = _instance(1)
    perm, hist = generate.hill_climb(words, Ca, Cl, adj, 0.4, rng=3)
    assert hist[-1] == pytest.approx(generate.qap_cost(perm, words, Ca, Cl, adj, 0.4))
    assert all(b < a for a, b in zip(hist, hist[1:]))
    for a, b in itertools.combinations(range(len(words)), 2):
        p = perm.copy()
        p[[a, b]] = p[[b, a]]
        assert generate.qap_cost(p, words, Ca, Cl, adj, 0.4) >= hist[-1] - 1e-9


def test_solve_qap_scipy_is_exact_on_the_linear_problem_and_beats_random_on_the_full_one():
    from scipy.optimize import linear_sum_assignment

    words, Ca, Cl, adj = _instance(2, 4, 4, 5)
    perm = generate.solve_qap_scipy(words, Ca, Cl, adj, 0.0, rng=0)
    assert sorted(perm) == list(range(16))
    rows, cols = linear_sum_assignment(Cl[words])
    assert generate.qap_cost(perm, words, Ca, Cl, adj, 0.0) == pytest.approx(Cl[words][rows, cols].sum())
    rng = np.random.default_rng(0)
    random_costs = [generate.qap_cost(rng.permutation(16), words, Ca, Cl, adj, 0.5) for _ in range(50)]
    assert generate.qap_cost(generate.solve_qap_scipy(words, Ca, Cl, adj, 0.5, rng=0), words, Ca, Cl, adj, 0.5) \
        < np.mean(random_costs)


def test_grid_patches_and_render_words_round_trip():
    x = np.arange(2 * 8 * 12, dtype=float).reshape(2, 1, 8, 12)
    p = generate.grid_patches(x, 4)
    assert p.shape == (2, 6, 16)
    assert np.array_equal(p[0, 1], x[0, 0, :4, 4:8].ravel())
    img = generate.render_words(np.arange(6), np.arange(6), p[0], 2, 3)
    assert np.array_equal(img, x[0, 0])
    assert np.array_equal(generate.assign_words(p[0], p[0]), np.arange(6))
    assert generate.bovw_histogram(np.array([[0, 2, 2]]), 4).tolist() == [[1, 0, 2, 0]]


def test_kl_reparameterise_and_information_potential():
    mu, lv, eps = _t(4, 2), _t(4, 2, seed=1), _t(3, 4, 2, seed=2)
    kl = generate.kl_diag_gaussian(mu, lv)
    ref = torch.stack([torch.distributions.kl_divergence(
        torch.distributions.Normal(mu[i], torch.exp(0.5 * lv[i])), torch.distributions.Normal(0.0, 1.0)).sum()
        for i in range(4)])
    assert torch.allclose(kl, ref, rtol=1e-10)
    m = mu.clone().requires_grad_(True)
    z = generate.reparameterise(m, lv, eps[0])
    assert torch.allclose(torch.autograd.grad(z.sum(), m)[0], torch.ones_like(mu))
    loop = sum(float((((mu[j] - mu[i] - torch.exp(0.5 * lv[i]) * eps[k, i]) ** 2) / lv[j].exp() - 1).sum())
               for i in range(4) for k in range(3) for j in range(4)) / (2 * 3 * 16)
    assert float(generate.information_potential(mu, lv, eps)) == pytest.approx(loop, rel=1e-12)


def test_flicker_of_a_shift_is_zero_and_of_noise_is_not():
    base = _t(1, 3, 6, 20)
    clip = torch.cat([base[..., 2 * t: 2 * t + 10] for t in range(4)])
    assert generate.flicker(clip, 2) < 1e-12
    assert generate.flicker(clip + 0.1 * _t(*clip.shape, seed=5), 2) > 0.05


def test_blur_keeps_constants_and_deepdream_raises_its_objective():
    x = torch.full((1, 2, 9, 9), 0.25, dtype=torch.float64)
    assert torch.allclose(generate.gaussian_blur(x, 1.0), x)
    torch.manual_seed(0)
    layer = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.ReLU()).double()
    img = torch.rand(1, 1, 16, 16, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    with torch.no_grad():
        before = 0.5 * float((layer(img) ** 2).mean())
    _, hist = generate.deepdream(layer, img, steps=5, lr=0.05, octaves=2, rng=0)
    assert hist[-1] > before


def test_invert_recovers_the_input_of_an_invertible_map():
    x0 = torch.rand(1, 1, 6, 6, generator=torch.Generator().manual_seed(2), dtype=torch.float64) * 0.8 + 0.1
    x, hist = generate.invert(lambda z: 2 * z + 1, 2 * x0 + 1, x0.shape, steps=300, lr=0.05, rng=0)
    assert float((x - x0).abs().max()) < 1e-2 and hist[-1] < hist[0]


def test_style_transfer_with_beta_zero_keeps_the_content():
    net = generate.random_vgg_features((4, "M", 8), rng=0)
    p = torch.rand(1, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    x, _ = generate.style_transfer(net, p, torch.rand(1, 3, 8, 8), content_layers=[4], style_layers=[1, 4], beta=0.0,
                                   steps=5)
    assert torch.allclose(x, p)
