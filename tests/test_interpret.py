"""lecturelib.interpret: the hand-written saliency methods equal Captum's to round-off on a small model; the
occlusion map agrees with captum.attr.Occlusion; the deconvnet equals a version built from torch's pooling
switches and conv_transpose2d; the adversarial attacks stay in their boxes; the KL ranking finds the informative unit."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lecturelib import interpret

captum_attr = pytest.importorskip("captum.attr")


def _model(seed: int = 0, dtype: torch.dtype = torch.float64) -> nn.Sequential:
    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 6, 3), nn.ReLU(),
                        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(6 * 2 * 2, 8), nn.Tanh(), nn.Linear(8, 5))
    return net.to(dtype).eval()


def _images(n: int = 3, seed: int = 1, dtype: torch.dtype = torch.float64) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.rand(n, 1, 12, 12, generator=g, dtype=dtype)


TARGET = torch.tensor([0, 3, 4])


def test_gradient_saliency_equals_captum():
    net, x = _model(), _images()
    for absolute in (False, True):
        ours = interpret.gradient_saliency(net, x, TARGET, abs=absolute)
        ref = captum_attr.Saliency(net).attribute(x.clone().requires_grad_(True), target=TARGET, abs=absolute)
        assert ours.shape == x.shape
        torch.testing.assert_close(ours, ref, rtol=1e-12, atol=1e-14)


def test_smoothgrad_equals_captum_noise_tunnel_with_the_same_draws():
    net, x = _model(), _images()
    noise = interpret.smoothgrad_noise(x, n_samples=7, sigma=0.2, seed=123)
    ours = interpret.smoothgrad(net, x, TARGET, noise)
    torch.manual_seed(123)
    ref = captum_attr.NoiseTunnel(captum_attr.Saliency(net)).attribute(
        x.clone().requires_grad_(True), nt_type="smoothgrad", nt_samples=7, stdevs=0.2, target=TARGET, abs=False)
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)
    # different draws give a different map: the comparison above is not vacuous
    other = interpret.smoothgrad(net, x, TARGET, interpret.smoothgrad_noise(x, 7, 0.2, seed=124))
    assert (other - ours).abs().max() > 1e-6


@pytest.mark.parametrize("method", ["left", "right", "middle", "trapezoid"])
def test_integrated_gradients_equals_captum(method):
    net, x = _model(), _images()
    base = torch.full_like(x, 0.3)
    ours = interpret.integrated_gradients(net, x, TARGET, baseline=base, steps=16, method=method)
    ref = captum_attr.IntegratedGradients(net).attribute(x, baselines=base, target=TARGET, n_steps=16,
                                                         method=f"riemann_{method}")
    torch.testing.assert_close(ours, ref, rtol=1e-10, atol=1e-12)


def test_integrated_gradients_completeness_improves_with_steps():
    net, x = _model(), _images()
    with torch.no_grad():
        gap = (net(x) - net(torch.zeros_like(x))).gather(1, TARGET[:, None])[:, 0]
    errors = [float((interpret.integrated_gradients(net, x, TARGET, steps=s).sum(dim=(1, 2, 3)) - gap).abs().max())
              for s in (4, 256)]
    assert errors[1] < errors[0] / 10 and errors[1] < 1e-2 * float(gap.abs().max())


def test_occlusion_matches_captum():
    net, x = _model(), _images()
    patch, stride, fill = 4, 2, 0.25
    pmap = interpret.occlusion_map(net, x, TARGET, patch=patch, stride=stride, fill=fill)
    assert pmap.shape == (3, 5, 5)
    with torch.no_grad():
        p_clean = F.softmax(net(x), dim=1).gather(1, TARGET[:, None])[:, 0]
    ours = interpret.occlusion_to_pixels(p_clean, pmap, (12, 12), patch, stride)
    ref = captum_attr.Occlusion(lambda z: F.softmax(net(z), dim=1)).attribute(
        x, sliding_window_shapes=(1, patch, patch), strides=(1, stride, stride), baselines=fill, target=TARGET)
    torch.testing.assert_close(ours, ref[:, 0].to(ours.dtype), rtol=1e-5, atol=1e-7)


def test_deconvnet_shapes_and_torch_equivalent():
    net = _model(dtype=torch.float32)
    stack = interpret.deconv_stack(net)
    assert [s[0] for s in stack] == ["conv", "relu", "pool", "conv", "relu", "pool"]
    x = _images(1, dtype=torch.float32)
    rec, pos, value = interpret.deconvnet_projection(stack, x.numpy(), depth=5, channel=2)
    assert rec.shape == (1, 1, 12, 12) and value >= 0
    # the same projection with torch's unpooling and transposed convolution
    c1, c2 = net[0], net[3]
    with torch.no_grad():
        a1 = F.relu(c1(x))
        p1, idx1 = F.max_pool2d(a1, 2, return_indices=True)
        a2 = F.relu(c2(p1))
        r = torch.zeros_like(a2)
        r[0, 2][pos] = a2[0, 2][pos]
        r = F.relu(r)
        r = F.conv_transpose2d(r, c2.weight)
        r = torch.zeros_like(a1).flatten(2).scatter(2, idx1.flatten(2), r.flatten(2)).reshape(a1.shape)
        r = F.relu(r)
        r = F.conv_transpose2d(r, c1.weight, padding=1)
    np.testing.assert_allclose(rec, r.numpy(), rtol=1e-4, atol=1e-5)
    assert abs(value - float(a2[0, 2].max())) < 1e-5


def test_fgsm_and_pgd_stay_in_the_box():
    net, x = _model(), _images()
    y = torch.tensor([1, 2, 3])
    for eps in (0.05, 0.3):
        adv = interpret.fgsm(net, x, y, eps)
        assert adv.min() >= 0 and adv.max() <= 1 and (adv - x).abs().max() <= eps + 1e-12
        adv = interpret.pgd(net, x, y, eps, step=eps / 3, steps=5)
        assert adv.min() >= 0 and adv.max() <= 1 and (adv - x).abs().max() <= eps + 1e-12
    # FGSM raises the loss to first order
    loss = lambda z: float(F.cross_entropy(net(z), y).detach())  # noqa: E731
    assert loss(interpret.fgsm(net, x, y, 1e-3)) > loss(x)


def test_box_lbfgs_stays_in_the_box_and_reaches_the_target():
    net, x = _model(dtype=torch.float32), _images(1, dtype=torch.float32)
    adv, hit = interpret.box_lbfgs(net, x, target=2, c=1e-3, maxiter=200)
    assert adv.shape == (1, 1, 12, 12) and adv.min() >= 0 and adv.max() <= 1
    assert hit and int(net(torch.from_numpy(adv)).argmax()) == 2


def test_universal_perturbation_bounded():
    net, x = _model(dtype=torch.float32), _images(20, dtype=torch.float32)
    y = net(x).argmax(1)
    delta = interpret.universal_perturbation(net, x, y, eps=0.1, step=0.02, epochs=2, batch_size=8, rng=0)
    assert delta.shape == (1, 12, 12) and delta.abs().max() <= 0.1 + 1e-7


def test_features_and_stages():
    net, x = _model(dtype=torch.float32), _images(dtype=torch.float32)
    stages = interpret.stage_outputs(net, x)
    assert [tuple(z.shape) for _, z in stages][:3] == [(3, 4, 12, 12)] * 2 + [(3, 4, 6, 6)]
    assert interpret.hidden_features(net, x).shape == (3, 8)
    assert interpret.predict(net, x).shape == (3, 5)
    rand = interpret.randomize_weights(net)
    assert not torch.equal(rand[0].weight, net[0].weight)


def test_kl_ranking_finds_the_informative_unit():
    rng = np.random.default_rng(0)
    attr = rng.random(400) < 0.5
    acts = rng.normal(size=(400, 5))
    acts[attr, 3] += 3.0
    kl, order = interpret.kl_unit_ranking(acts, attr, bins=10)
    assert order[0] == 3 and kl.shape == (5,)
    assert interpret.kl_divergence([1, 2, 3], [1, 2, 3]) == pytest.approx(0.0, abs=1e-12)
    assert interpret.kl_divergence([1, 0], [0, 1]) > 5


def test_rank_correlation_equals_scipy():
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    a = rng.integers(0, 5, size=(4, 30)).astype(float)          # many ties
    b = a + rng.normal(size=(4, 30))
    ours = interpret.rank_correlation(a, b)
    ref = [stats.spearmanr(u, v)[0] for u, v in zip(a, b)]
    np.testing.assert_allclose(ours, ref, rtol=1e-12, atol=1e-12)


def test_tsne_keeps_clusters_like_sklearn():
    manifold = pytest.importorskip("sklearn.manifold")
    rng = np.random.default_rng(0)
    centres = rng.normal(scale=6.0, size=(4, 10))
    labels = np.repeat(np.arange(4), 30)
    x = centres[labels] + rng.normal(size=(120, 10))
    y = interpret.tsne(x, perplexity=20, iterations=500, rng=0)
    assert y.shape == (120, 2) and np.isfinite(y).all()
    d = ((y[:, None] - y[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    agree = np.mean(labels[np.argsort(d, axis=1)[:, :5]] == labels[:, None])
    ours = manifold.trustworthiness(x, y, n_neighbors=5)
    ref = manifold.trustworthiness(x, manifold.TSNE(perplexity=20, random_state=0, init="random", max_iter=300).fit_transform(x),
                                   n_neighbors=5)
    assert agree > 0.95 and ours > ref - 0.05, (agree, ours, ref)
