"""lecturelib.generative: the DCGAN, VAE and alignDRAW of chapter 14, their losses, data and checkpoints."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lecturelib import checkpoints, generative as gm

CHECKPOINTS = ("dcgan_fashion", "vae_fashion", "vae_fashion_z16", "aligndraw_fashion")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def test_dcgan_shapes_and_architecture_rules():
    G, D = gm.dcgan_generator(z_dim=8, width=4), gm.dcgan_discriminator(width=4)
    with torch.no_grad():
        x = G(torch.randn(5, 8))
    assert x.shape == (5, 1, 28, 28)
    assert float(x.abs().max()) <= 1.0
    assert D(x).shape == (5,)
    mods = lambda net, kind: [m for m in net.modules() if isinstance(m, kind)]   # noqa: E731
    assert not mods(G, torch.nn.MaxPool2d) and not mods(D, torch.nn.MaxPool2d)
    assert len(mods(G, torch.nn.Linear)) == 1 and not mods(D, torch.nn.Linear)     # only G's projection
    assert len(mods(G, torch.nn.ConvTranspose2d)) == 2
    assert isinstance(list(G)[-1], torch.nn.Tanh) and isinstance(list(G)[-2], torch.nn.ConvTranspose2d)
    assert isinstance(list(D)[1], torch.nn.LeakyReLU) and list(D)[1].negative_slope == 0.2   # no BN on D's input


def test_gan_losses_equal_binary_cross_entropy():
    real, fake = torch.randn(7) * 3, torch.randn(9) * 3
    loss_d, loss_g = gm.gan_losses(real, fake)
    bce = F.binary_cross_entropy_with_logits
    torch.testing.assert_close(loss_d, bce(real, torch.ones(7)) + bce(fake, torch.zeros(9)))
    torch.testing.assert_close(loss_g, bce(fake, torch.ones(9)))
    torch.testing.assert_close(gm.saturating_generator_loss(fake), -bce(fake, torch.zeros(9)))
    # the same from probabilities: -log D(x) - log(1 - D(G(z)))
    d_real, d_fake = torch.sigmoid(real.double()), torch.sigmoid(fake.double())
    expected = -(torch.log(d_real).mean() + torch.log(1 - d_fake).mean())
    torch.testing.assert_close(loss_d.double(), expected, rtol=1e-5, atol=1e-6)


def test_vae_shapes_and_elbo_terms():
    model = gm.vae(z_dim=3, width=4, hidden=16)
    x = torch.rand(6, 1, 28, 28)
    mu, logvar = model.encode(x)
    assert mu.shape == logvar.shape == (6, 3)
    assert model.decode(mu).shape == (6, 1, 28, 28)
    x_hat, mu, logvar = model(x)
    rec, kl = gm.elbo_terms(x, x_hat, mu, logvar)
    assert rec.shape == kl.shape == (6,)
    expected = F.binary_cross_entropy(torch.sigmoid(x_hat), x, reduction="none").sum((1, 2, 3))
    torch.testing.assert_close(rec, expected, rtol=1e-4, atol=1e-3)


def test_kl_matches_torch_distributions_and_monte_carlo():
    gen = torch.Generator().manual_seed(1)
    mu, logvar = torch.randn(4, 5, generator=gen, dtype=torch.float64), torch.randn(4, 5, generator=gen, dtype=torch.float64)
    q = torch.distributions.Normal(mu, torch.exp(0.5 * logvar))
    p = torch.distributions.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    kl = gm.gaussian_kl(mu, logvar)
    torch.testing.assert_close(kl, torch.distributions.kl_divergence(q, p).sum(-1))
    _, kl_terms = gm.elbo_terms(torch.zeros(4, 1), torch.zeros(4, 1, dtype=torch.float64), mu, logvar)
    torch.testing.assert_close(kl_terms, kl)
    z = q.sample((200_000,))                                            # E_q[log q - log p]
    mc = (q.log_prob(z) - p.log_prob(z)).sum(-1).mean(0)
    torch.testing.assert_close(mc, kl, rtol=0.03, atol=0.03)
    # against another Gaussian (alignDRAW's learned prior)
    mu_p, logvar_p = torch.randn(4, 5, dtype=torch.float64), torch.randn(4, 5, dtype=torch.float64)
    p2 = torch.distributions.Normal(mu_p, torch.exp(0.5 * logvar_p))
    torch.testing.assert_close(gm.gaussian_kl(mu, logvar, mu_p, logvar_p),
                               torch.distributions.kl_divergence(q, p2).sum(-1))


def test_reparameterisation_gradient_flows():
    model = gm.vae(z_dim=2, width=4, hidden=8)
    mu = torch.tensor([[0.5, -1.0]], requires_grad=True)
    logvar = torch.tensor([[0.2, -0.4]], requires_grad=True)
    gen = torch.Generator().manual_seed(3)
    z = model.reparameterize(mu, logvar, gen)
    eps = torch.randn(1, 2, generator=torch.Generator().manual_seed(3))
    torch.testing.assert_close(z, mu + torch.exp(0.5 * logvar) * eps)
    z.sum().backward()
    torch.testing.assert_close(mu.grad, torch.ones(1, 2))                        # dz/dmu = 1
    torch.testing.assert_close(logvar.grad, 0.5 * torch.exp(0.5 * logvar.detach()) * eps)
    # and through a whole model: the encoder's weights get a gradient from the decoder's loss
    x = torch.rand(3, 1, 28, 28)
    x_hat, m, lv = model(x)
    rec, kl = gm.elbo_terms(x, x_hat, m, lv)
    (rec + kl).mean().backward()
    assert float(model.encoder[0].weight.grad.abs().sum()) > 0


def test_filterbank_rows_sum_to_one_and_centre_the_grid():
    B, n, H, W = 3, 5, 40, 56
    g_x, g_y = torch.tensor([0.0, -0.5, 0.3]), torch.tensor([0.0, 0.2, -0.7])
    f_x, f_y = gm.filterbank(g_x, g_y, torch.full((B,), math.log(0.5)), torch.full((B,), -1.5), n, H, W)
    assert f_x.shape == (B, n, W) and f_y.shape == (B, n, H)
    torch.testing.assert_close(f_x.sum(-1), torch.ones(B, n))
    torch.testing.assert_close(f_y.sum(-1), torch.ones(B, n))
    centres = (f_x * torch.arange(W, dtype=torch.float32)).sum(-1)             # filter means, narrow σ
    torch.testing.assert_close(centres.mean(1), (W - 1) / 2 * (g_x + 1), atol=1e-3, rtol=0)
    delta = (max(H, W) - 1) / (n - 1) * math.exp(-1.5)
    torch.testing.assert_close(centres[:, 1:] - centres[:, :-1], torch.full((B, n - 1), delta), atol=1e-3, rtol=0)


def test_captions_and_placement():
    assert gm.caption(7, 0) == "a sneaker at the top left"
    assert gm.caption(9, 3) == "an ankle-boot at the bottom right"
    tok = gm.tokenize(["a bag at the top right", "a coat at the bottom left"])
    assert tok.shape == (2, 6) and [gm.VOCAB[i] for i in tok[0]] == "a bag at the top right".split()
    g = torch.rand(4, 1, 28, 28)
    canvas = gm.place(g, torch.tensor([0, 1, 2, 3]))
    assert canvas.shape == (4, 1, 56, 56)
    torch.testing.assert_close(canvas[1, :, :28, 28:], g[1])
    torch.testing.assert_close(canvas[2, :, 28:, :28], g[2])
    assert float(canvas[3, :, :28].abs().sum()) == 0.0


def test_captioned_fashion_holds_out_pairs_deterministically():
    train = gm.captioned_fashion("train", n=300, seed=0)
    pairs = set(zip(train["labels"].tolist(), train["positions"].tolist()))
    assert not pairs & gm.HELD_OUT and len(pairs) == 30
    new = gm.captioned_fashion("test", n=50, held_out="only")
    assert set(zip(new["labels"].tolist(), new["positions"].tolist())) <= gm.HELD_OUT
    again = gm.captioned_fashion("train", n=300, seed=0)
    np.testing.assert_array_equal(train["positions"], again["positions"])
    assert train["captions"][5] == gm.caption(train["labels"][5], train["positions"][5])
    assert gm.captioned_fashion("train", n=300, seed=1)["positions"].tolist() != train["positions"].tolist()


def test_aligndraw_shapes_loss_and_alignment():
    model = gm.aligndraw(canvas=56, T=3, z_dim=4, hidden=16, read_n=2, write_n=3)
    x = torch.rand(2, 1, 56, 56)
    tokens = gm.tokenize(["a bag at the top right", "a coat at the bottom left"])
    logits, kl = model(x, tokens)
    assert logits.shape == (2, 1, 56, 56) and kl.shape == (2,) and bool((kl >= 0).all())
    rec, kl2 = model.loss(x, tokens)
    assert rec.shape == (2,) and bool(torch.isfinite(rec).all())
    (rec + kl2).mean().backward()
    assert float(model.lang.weight_ih_l0.grad.abs().sum()) > 0                    # the caption path learns
    images, alpha = model.generate(tokens, return_steps=True, return_alignment=True)
    assert images.shape == (2, 3, 1, 56, 56) and alpha.shape == (2, 3, 6)
    torch.testing.assert_close(alpha.sum(-1), torch.ones(2, 3))
    padded = torch.cat([tokens, torch.zeros(2, 2, dtype=torch.long)], dim=1)
    _, alpha_pad = model.generate(padded, return_alignment=True)
    assert float(alpha_pad[:, :, 6:].abs().max()) == 0.0                          # padding gets no attention


@pytest.mark.parametrize("name", CHECKPOINTS)
def test_checkpoint_is_shipped_and_small(name):
    assert name in checkpoints.list(), f"{name} is missing: run experiments/{name}.py"
    assert checkpoints.path(name).stat().st_size <= 2 * 2**20


def test_dcgan_checkpoint_generates_garment_like_images():
    G, D, meta = gm.load_dcgan()
    assert not G.training and not D.training
    z = torch.randn(256, meta["config"]["z_dim"], generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        x = G(z)
    assert x.shape == (256, 1, 28, 28) and bool(torch.isfinite(x).all())
    assert float(x.min()) >= -1 and float(x.max()) <= 1
    # background dark, garments lit: like the data, most border pixels are near -1 and the centre is brighter
    border = torch.cat([x[..., 0, :], x[..., -1, :]], -1)
    assert float(border.mean()) < -0.8 < float(x[..., 10:18, 10:18].mean())
    assert float(x.std(0).mean()) > 0.1                                            # samples differ


def _test_images(n: int) -> torch.Tensor:
    from lecturelib.data import fashion_mnist_arrays

    _, (x, _) = fashion_mnist_arrays(n_train=10, n_test=n)
    return torch.from_numpy(x)


@pytest.mark.parametrize("name, z_dim", [("vae_fashion", 2), ("vae_fashion_z16", 16)])
def test_vae_checkpoint_beats_the_mean_image(name, z_dim):
    model, meta = gm.load_vae(name)
    assert not model.training and meta["config"]["z_dim"] == z_dim
    x = _test_images(500)
    with torch.no_grad():
        mu, logvar = model.encode(x)
        rec, kl = gm.elbo_terms(x, model.decode(mu), mu, logvar)
        samples = torch.sigmoid(model.decode(torch.randn(64, z_dim)))
    assert bool(torch.isfinite(samples).all()) and 0 <= float(samples.min()) and float(samples.max()) <= 1
    mean_image = x.mean(0, keepdim=True).clamp(1e-4, 1 - 1e-4)
    baseline = F.binary_cross_entropy(mean_image.expand_as(x), x, reduction="none").sum((1, 2, 3))
    assert float((rec + kl).mean()) < 0.9 * float(baseline.mean())


def test_aligndraw_checkpoint_puts_the_garment_where_the_caption_says():
    model, meta = gm.load_aligndraw()
    assert not model.training
    captions = [gm.caption(y, p) for y in range(10) for p in range(4)] * 2          # seen and held-out pairs
    images = model.generate(gm.tokenize(captions), generator=torch.Generator().manual_seed(0))
    assert images.shape == (80, 1, 56, 56) and bool(torch.isfinite(images).all())
    assert 0 <= float(images.min()) and float(images.max()) <= 1
    quadrants = torch.stack([images[:, 0, r:r + 28, c:c + 28].sum((1, 2)) for r in (0, 28) for c in (0, 28)], 1)
    said = torch.tensor([p for _ in range(10) for p in range(4)] * 2)
    hits = (quadrants.argmax(1) == said).float()
    assert float(hits.mean()) > 0.8
    unseen = torch.tensor([(y, p) in gm.HELD_OUT for y in range(10) for p in range(4)] * 2)
    assert float(hits[unseen].mean()) > 0.6                                         # also for captions never seen
