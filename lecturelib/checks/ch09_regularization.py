"""Checks for chapter 9, regularization and normalization: inverted dropout with a given mask, the PCA colour
shift of AlexNet's lighting augmentation, batch normalization's training-mode forward pass for (N, D) and its
backward pass for (N, D) and (N, C, H, W)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..augment import pca_color_augment, rgb_pca
from ..numpy_nn import batchnorm_backward, batchnorm_forward, dropout_forward
from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_inverted_dropout", "check_pca_color_shift", "check_batchnorm_train", "check_batchnorm_backward"]


def check_inverted_dropout(inverted_dropout: Callable[..., Any]) -> None:
    """``inverted_dropout(x, keep, p)`` → ``x ⊙ keep / (1 − p)`` (training mode, mask given).

    ``keep`` is a boolean array of ``x``'s shape (True = the unit is kept, probability 1 − p). The reference
    is :func:`lecturelib.numpy_nn.dropout_forward` run on the same uniform draws. Cases: shapes (N, D) and
    (N, C, H, W), p from 0 to 0.8, float32 and float64. The inputs must not be modified in place.
    """
    cases = [((4, 6), 0.5, np.float64), ((8, 10), 0.2, np.float64), ((3, 5), 0.0, np.float64),
             ((2, 3, 4, 4), 0.8, np.float64), ((16, 32), 0.5, np.float32)]
    for k, (shape, p, dtype) in enumerate(cases):
        seed = 900 + k
        x = np.random.default_rng(seed + 50).normal(size=shape).astype(dtype)
        keep = np.random.default_rng(seed).random(shape) >= p          # the draws dropout_forward makes
        ref, mask = dropout_forward(x, p, rng=np.random.default_rng(seed))
        assert np.array_equal(mask != 0, keep)                        # same mask (sanity of the check itself)
        out = call_student_on_copies(inverted_dropout, x, keep, p, what="inverted_dropout", context=f"case {k}")
        what = f"case {k} (shape {shape}, p={p}, {np.dtype(dtype).name})"
        out_arr = np.asarray(out.detach().cpu().numpy() if hasattr(out, "detach") else out)
        if out_arr.shape == ref.shape and p > 0 and np.allclose(out_arr, x * keep, rtol=1e-6):
            raise AssertionError(f"{what}: you returned x ⊙ keep — inverted dropout also divides the kept units "
                                 f"by the keep probability 1 − p = {1 - p:g}, so that E[output] = x")
        if out_arr.shape == ref.shape and p > 0 and p != 0.5 and np.allclose(out_arr, x * keep / p, rtol=1e-6):
            raise AssertionError(f"{what}: you divided by p = {p:g}; p is the probability of *dropping* a unit, "
                                 f"divide by the keep probability 1 − p = {1 - p:g}")
        assert_close(out, ref, f"{what}: x ⊙ keep / (1 − p)", rtol=1e-6 if dtype == np.float64 else 1e-5)
        if out_arr.dtype != x.dtype:
            raise AssertionError(f"{what}: float{x.dtype.itemsize * 8} in should give float{x.dtype.itemsize * 8} "
                                 f"out, got {out_arr.dtype}")
    passed(f"inverted_dropout matches lecturelib.numpy_nn.dropout_forward on the same masks ({len(cases)} cases)")


def check_pca_color_shift(pca_color_shift: Callable[..., Any]) -> None:
    """``pca_color_shift(image, eigvals, eigvecs, alpha)`` → ``image + P (α ⊙ λ)`` at every pixel.

    ``image`` (3, H, W); ``eigvals`` λ (3,); ``eigvecs`` P (3, 3) with the eigenvectors as *columns*;
    ``alpha`` α (3,). The reference is :func:`lecturelib.augment.pca_color_augment` with the α it drew.
    The inputs must not be modified in place.
    """
    rng = np.random.default_rng(910)
    for k, (H, W) in enumerate([(4, 5), (8, 8), (1, 3)]):
        train = rng.random((6, 3, 7, 7)) * np.array([1.0, 0.6, 0.3])[None, :, None, None]
        train[:, 1] += 0.5 * train[:, 0]                               # correlated channels: P is not diagonal
        eigvals, eigvecs = rgb_pca(train)
        image = rng.random((3, H, W))
        ref, alpha = pca_color_augment(image[None], rng=920 + k, std=0.1, eigvals=eigvals, eigvecs=eigvecs,
                                       return_alpha=True)
        out = call_student_on_copies(pca_color_shift, image, eigvals, eigvecs, alpha[0], what="pca_color_shift",
                                     context=f"case {k}")
        what = f"case {k} (image 3×{H}×{W}, α = {np.round(alpha[0], 4).tolist()})"
        out_arr = np.asarray(out)
        wrong = image + (eigvecs.T @ (alpha[0] * eigvals))[:, None, None]
        if out_arr.shape == ref[0].shape and np.allclose(out_arr, wrong) and not np.allclose(wrong, ref[0]):
            raise AssertionError(f"{what}: you used the rows of eigvecs; the eigenvectors p_i are its *columns* "
                                 "(eigvecs[:, i]), so the shift is eigvecs @ (alpha * eigvals)")
        assert_close(out, ref[0], f"{what}: I_xy + [p1 p2 p3][α1λ1, α2λ2, α3λ3]ᵀ", rtol=1e-9, atol=1e-12)
    passed("pca_color_shift adds P(α ⊙ λ) to every pixel, as lecturelib.augment.pca_color_augment (3 cases)")


def check_batchnorm_train(batchnorm_train: Callable[..., Any]) -> None:
    """``batchnorm_train(x, gamma, beta, eps=1e-5)`` → ``y`` for a mini-batch ``x`` (N, D), training mode.

    ``μ_B`` and the *biased* variance ``σ²_B`` per feature (over the N samples, axis 0),
    ``x̂ = (x − μ_B)/√(σ²_B + ε)``, ``y = γ x̂ + β``. The reference is
    :func:`lecturelib.numpy_nn.batchnorm_forward` (training mode, no running statistics). Cases: features
    of very different means and scales, N = 2, a larger ε.
    """
    rng = np.random.default_rng(930)
    cases = [(8, 3, 1e-5), (2, 4, 1e-5), (32, 5, 1e-3), (5, 1, 1e-5)]
    for k, (N, D, eps) in enumerate(cases):
        x = rng.normal(size=(N, D)) * rng.uniform(0.1, 20.0, size=D) + rng.uniform(-10, 10, size=D)
        gamma, beta = rng.uniform(0.5, 2.0, size=D), rng.normal(size=D)
        ref, _ = batchnorm_forward(x, gamma, beta, None, None, train=True, eps=eps)
        out = call_student_on_copies(batchnorm_train, x, gamma, beta, eps=eps, what="batchnorm_train",
                                     context=f"case {k}")
        what = f"case {k} (N={N}, D={D}, eps={eps:g})"
        out_arr = np.asarray(out)
        if out_arr.shape == ref.shape and not np.allclose(out_arr, ref, rtol=1e-6, atol=1e-8):
            mu = x.mean(axis=0)
            unbiased = gamma * (x - mu) / np.sqrt(x.var(axis=0, ddof=1) + eps) + beta
            if np.allclose(out_arr, unbiased, rtol=1e-6):
                raise AssertionError(f"{what}: you used the unbiased variance (÷ (N − 1)); the lecture's σ²_B is "
                                     "(1/m) Σ (x_i − μ_B)²")
            if D > 1 and N > 1:
                mu1 = x.mean(axis=1, keepdims=True)
                per_sample = gamma * (x - mu1) / np.sqrt(x.var(axis=1, keepdims=True) + eps) + beta
                if np.allclose(out_arr, per_sample, rtol=1e-6):
                    raise AssertionError(f"{what}: you normalised each sample over its features (axis 1); batch "
                                         "normalization normalises each feature over the mini-batch (axis 0)")
            no_eps = gamma * (x - mu) / np.sqrt(x.var(axis=0)) + beta
            if eps >= 1e-3 and np.allclose(out_arr, no_eps, rtol=1e-6):
                raise AssertionError(f"{what}: add ε inside the square root, √(σ²_B + ε)")
        assert_close(out, ref, f"{what}: y = γ x̂ + β", rtol=1e-6, atol=1e-8)
    passed(f"batchnorm_train matches lecturelib.numpy_nn.batchnorm_forward in training mode ({len(cases)} cases)")


def check_batchnorm_backward(batchnorm_backward_train: Callable[..., Any]) -> None:
    """``batchnorm_backward_train(dy, x, gamma, eps=1e-5)`` → ``(dx, dgamma, dbeta)``, training mode.

    ``x`` is (N, D) — statistics per feature over the N samples — or (N, C, H, W) — per channel over N, H, W;
    ``dy = ∂J/∂y`` has ``x``'s shape, ``gamma`` one entry per feature/channel. The reference is
    :func:`lecturelib.numpy_nn.batchnorm_backward` on the cache of ``batchnorm_forward(..., train=True)``.
    Cases: features of very different scales, N = 2, a larger ε, a 4-D batch. A solution that treats μ_B and
    σ²_B as constants, or forgets the path through σ²_B, or sums over the wrong axes, is told so.
    """
    rng = np.random.default_rng(940)
    cases = [((8, 3), 1e-5), ((2, 4), 1e-5), ((16, 5), 1e-2), ((4, 3, 5, 6), 1e-5), ((2, 2, 3, 3), 1e-3)]
    for k, (shape, eps) in enumerate(cases):
        C = shape[1]
        scale = rng.uniform(0.2, 5.0, size=C).reshape((1, C) + (1,) * (len(shape) - 2))
        x = rng.normal(size=shape) * scale + rng.normal(size=C).reshape(scale.shape) * 3
        gamma = rng.uniform(0.5, 2.0, size=C)
        dy = rng.normal(size=shape)
        _, cache = batchnorm_forward(x, gamma, rng.normal(size=C), None, None, train=True, eps=eps)
        ref = batchnorm_backward(dy, cache)
        out = call_student_on_copies(batchnorm_backward_train, dy, x, gamma, eps=eps, what="batchnorm_backward_train",
                                     context=f"case {k}")
        what = f"case {k} (x {shape}, eps={eps:g})"
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            raise AssertionError(f"{what}: return the three gradients (dx, dgamma, dbeta) as a tuple, got "
                                 f"{type(out).__name__}")
        dx, dgamma, dbeta = (np.asarray(o) for o in out)
        axes = (0,) if len(shape) == 2 else (0, 2, 3)
        if dbeta.shape != ref[2].shape and dbeta.shape == shape[1:]:
            raise AssertionError(f"{what}: dbeta has shape {dbeta.shape}; for a 4-D batch γ and β are per channel, "
                                 f"so sum over N, H and W (axes {axes}), giving shape {ref[2].shape}")
        assert_close(dbeta, ref[2], f"{what}: dbeta = Σ_i δ_i", rtol=1e-7, atol=1e-9)
        assert_close(dgamma, ref[1], f"{what}: dgamma = Σ_i δ_i x̂_i", rtol=1e-7, atol=1e-9)
        if dx.shape == shape and not np.allclose(dx, ref[0], rtol=1e-6, atol=1e-8):
            x_hat, _, inv_std, _ = cache
            g = gamma.reshape(scale.shape)
            inv = inv_std.reshape(scale.shape)
            if np.allclose(dx, g * inv * dy, rtol=1e-6):
                raise AssertionError(f"{what}: dx = γ δ / √(σ²_B + ε) treats μ_B and σ²_B as constants; every x_j "
                                     "also changes the outputs through the batch mean and variance")
            m = dy.size // C
            no_var = g * inv * (dy - dy.sum(axis=axes, keepdims=True) / m)
            if np.allclose(dx, no_var, rtol=1e-6):
                raise AssertionError(f"{what}: you kept the path through μ_B but not the one through σ²_B (the term "
                                     "−x̂_i Σ_j δ_j x̂_j)")
            if abs(float(dx.sum(axis=axes).max())) > 1e-8 * float(np.abs(dx).sum()):
                raise AssertionError(f"{what}: your dx does not sum to 0 over each feature's m values; adding a constant "
                                     "to a feature's inputs leaves the outputs unchanged, so it must")
        assert_close(dx, ref[0], f"{what}: dx", rtol=1e-6, atol=1e-9)
    passed(f"batchnorm_backward_train matches lecturelib.numpy_nn.batchnorm_backward ({len(cases)} cases, "
           "(N, D) and (N, C, H, W))")
