"""Checks for chapter 14 (generating images): a Gram-matrix style loss, the reparameterisation trick with the KL
term of a diagonal Gaussian, and one evaluation of the BoVW arrangement cost (a quadratic assignment problem).
Each check compares the student's function with :mod:`lecturelib.generate` on inputs it draws itself. Each
check_* is listed in ``__all__`` and re-exported by the package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_gram_style_loss", "check_qap_cost", "check_reparameterise_kl"]


def _to_numpy(value: Any) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64) if value is not None else np.asarray(np.nan)


def check_gram_style_loss(gram_style_loss: Callable[..., Any]) -> None:
    """``gram_style_loss(f, a)`` → the style loss of one layer, ``mean_{k,k'} (G(f)_{kk'} − G(a)_{kk'})²`` averaged
    over the N images, with ``G_{kk'} = (1/HW) Σ_{i,j} z_{i,j,k} z_{i,j,k'}`` (f: (N, C, H, W); a: (N, C, H', W'),
    possibly of another size). Compared with :func:`lecturelib.generate.style_loss` on three cases (one where the
    two maps have different sizes, so a loss that compares the maps instead of their Gram matrices fails), and
    checked to be 0 for a shifted copy of the same periodic texture."""
    import torch

    from .. import generate

    gen = torch.Generator().manual_seed(14)
    cases = [((1, 3, 5, 5), (1, 3, 5, 5)), ((2, 4, 6, 3), (2, 4, 4, 7)), ((1, 8, 7, 7), (1, 8, 9, 5))]
    for fs, as_ in cases:
        f = torch.randn(*fs, generator=gen, dtype=torch.float64)
        a = torch.randn(*as_, generator=gen, dtype=torch.float64)
        got = call_student_on_copies(gram_style_loss, f.clone(), a.clone(), what="gram_style_loss")
        ref = generate.style_loss([f], [generate.gram_matrix(a)])
        assert_close(_to_numpy(got), _to_numpy(ref), f"gram_style_loss(f {fs}, a {as_})", rtol=1e-8, atol=1e-12)
    tex = torch.randn(1, 3, 4, 4, generator=gen, dtype=torch.float64).repeat(1, 1, 3, 3)
    got = _to_numpy(call_student_on_copies(gram_style_loss, tex, torch.roll(tex, (4, 8), dims=(2, 3)),
                                           what="gram_style_loss"))
    if not abs(float(got)) < 1e-10:
        raise AssertionError(f"gram_style_loss of a texture and a shifted copy of it should be 0 (the Gram matrix "
                             f"forgets positions), got {float(got)}")
    passed("gram_style_loss: equals the mean squared difference of the Gram matrices, for maps of different sizes, "
           "and ignores where the texture is")


def check_reparameterise_kl(reparameterise: Callable[..., Any], kl_diag: Callable[..., Any]) -> None:
    """``reparameterise(mu, logvar, eps)`` → z = μ + exp(½ log σ²) ⊙ ε (N, D), differentiable in μ and log σ²;
    ``kl_diag(mu, logvar)`` → KL(N(μ, diag σ²) ‖ N(0, I)) per sample (N,). Compared with
    :mod:`lecturelib.generate` on random inputs; the gradient of Σ z with respect to log σ² must be ½ σ ⊙ ε (so a
    function that samples its own ε, or detaches, fails); and the KL is checked against a Monte-Carlo estimate
    ``mean log q(z) − log p(z)`` with 200,000 samples."""
    import torch

    from .. import generate

    gen = torch.Generator().manual_seed(41)
    mu = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    logvar = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    eps = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    m, lv = mu.clone().requires_grad_(True), logvar.clone().requires_grad_(True)
    z = call_student_on_copies(reparameterise, m, lv, eps.clone(), what="reparameterise")
    if not hasattr(z, "requires_grad"):
        raise AssertionError(f"reparameterise should return a torch tensor, got {type(z).__name__}")
    assert_close(_to_numpy(z), generate.reparameterise(mu, logvar, eps).numpy(), "reparameterise(mu, logvar, eps)")
    if not z.requires_grad:
        raise AssertionError("reparameterise: z does not depend on mu and logvar through autograd "
                             "(build it from them with torch operations, without .detach())")
    g_mu, g_lv = torch.autograd.grad(z.sum(), [m, lv])
    assert_close(g_mu.numpy(), np.ones((5, 3)), "∂Σz/∂μ")
    assert_close(g_lv.numpy(), (0.5 * torch.exp(0.5 * logvar) * eps).numpy(), "∂Σz/∂log σ²")
    kl = call_student_on_copies(kl_diag, mu.clone(), logvar.clone(), what="kl_diag")
    assert_close(_to_numpy(kl), generate.kl_diag_gaussian(mu, logvar).numpy(), "kl_diag(mu, logvar)")
    e = torch.randn(200_000, 3, generator=gen, dtype=torch.float64)
    zs = mu[0] + torch.exp(0.5 * logvar[0]) * e
    log_q = (-0.5 * e ** 2 - 0.5 * logvar[0]).sum(dim=1)
    log_p = (-0.5 * zs ** 2).sum(dim=1)
    mc = float((log_q - log_p).mean())
    if abs(float(_to_numpy(kl)[0]) - mc) > 0.05 * max(1.0, abs(mc)):
        raise AssertionError(f"kl_diag: {float(_to_numpy(kl)[0]):.4f} for the first sample, but a Monte-Carlo estimate "
                             f"of E_q[log q(z) − log p(z)] gives {mc:.4f}")
    passed("reparameterise and kl_diag: z = μ + σ ⊙ ε with gradients to μ and log σ², and the closed-form KL agrees "
           "with a Monte-Carlo estimate")


def check_qap_cost(qap_cost: Callable[..., Any]) -> None:
    """``qap_cost(perm, words, Ca, Cl, adjacency, lam)`` → ``λ Σ_{i,j} Ca[w_i, w_j] adj[perm_i, perm_j] + (1 − λ)
    Σ_i Cl[w_i, perm_i]``. First a 2×2 grid worked by hand, then random instances compared with
    :func:`lecturelib.generate.qap_cost`."""
    from .. import generate

    adj = generate.grid_adjacency(2, 2)
    Ca = np.array([[1.0, 2.0], [2.0, 5.0]])
    Cl = np.array([[0.0, 1.0, 1.0, 3.0], [2.0, 0.5, 0.0, 1.0]])
    words, perm = np.array([0, 0, 1, 1]), np.array([0, 3, 1, 2])
    # positions 0-1, 0-2, 1-3, 2-3 are neighbours. Items at positions 0 (w0), 3 (w0), 1 (w1), 2 (w1): every
    # neighbouring pair is one word 0 and one word 1 → 4 pairs × Ca[0,1] = 8, twice (ordered) = 16.
    # location: Cl[0,0] + Cl[0,3] + Cl[1,1] + Cl[1,2] = 0 + 3 + 0.5 + 0 = 3.5.  λ = 0.25: 4 + 2.625 = 6.625
    got = call_student_on_copies(qap_cost, perm, words, Ca, Cl, adj, 0.25, what="qap_cost")
    assert_close(_to_numpy(got), 6.625, "qap_cost on the 2×2 example worked by hand (expected 6.625)")
    rng = np.random.default_rng(3)
    for rows, cols, k, lam in ((3, 3, 4, 0.5), (4, 5, 6, 0.2), (5, 5, 3, 0.9)):
        g = rows * cols
        adj = generate.grid_adjacency(rows, cols)
        Ca = rng.random((k, k))
        Ca = Ca + Ca.T
        Cl = rng.random((k, g))
        words, perm = rng.integers(0, k, g), rng.permutation(g)
        got = call_student_on_copies(qap_cost, perm, words, Ca, Cl, adj, lam, what="qap_cost")
        ref = generate.qap_cost(perm, words, Ca, Cl, adj, lam)
        assert_close(_to_numpy(got), ref, f"qap_cost on a {rows}×{cols} grid, {k} words, λ = {lam}")
    passed("qap_cost: the 2×2 example by hand and three random grids")
