"""Looking inside a trained CNN (chapter 13): feature maps, saliency, occlusion, the deconvnet, adversarial examples
and attribute units, written out by hand so that each method is its equation.

Every function takes a trained classifier ``model`` — a ``torch.nn.Module`` mapping images (N, C, H, W) in
[0, 1] to class scores (N, K) (the logits u of the last layer, before the softmax) — and works on any such
network (``lenet5(impl="torch")``, ``resnet_cifar``). The model should be in evaluation mode
(``model.eval()``); the functions do not change its parameters. Captum's implementations are the oracle for the
saliency methods (``tests/test_interpret.py``).

Notation: :math:`f_c(\\mathbf x)` is the score of class c for image :math:`\\mathbf x`; :math:`J(\\mathbf x, t)` the
cross-entropy loss of label t.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "stage_outputs", "hidden_features", "predict", "accuracy",
    "gradient_saliency", "smoothgrad_noise", "smoothgrad", "integrated_gradients", "ig_alphas",
    "occlusion_map", "occlusion_to_pixels",
    "deconv_stack", "deconvnet_projection",
    "loss_gradient", "fgsm", "pgd", "box_lbfgs", "universal_perturbation",
    "randomize_weights", "kl_divergence", "kl_unit_ranking", "rank_correlation", "tsne",
]

def _as_tensor(x: Any) -> torch.Tensor:
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x))
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"expected images as a NumPy array or a torch.Tensor, got {type(x).__name__}")
    return x


def _targets(target: Any, n: int) -> torch.Tensor:
    t = torch.as_tensor(np.asarray(target) if not isinstance(target, torch.Tensor) else target).long().reshape(-1)
    if t.numel() == 1:
        t = t.expand(n)
    if t.numel() != n:
        raise ValueError(f"target: expected one class index or {n} of them, got {t.numel()}")
    return t


# ----------------------------------------------------------------------------------------------- features

def stage_outputs(model: nn.Sequential, x: Any) -> list[tuple[str, torch.Tensor]]:
    """Run an ``nn.Sequential`` child by child: ``[(name, output), ...]`` for every top-level layer.

    x: (N, C, H, W). The outputs are detached; a conv stage gives (N, C', H', W'), a flattened one (N, D).
    """
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"stage_outputs: expected an nn.Sequential, got {type(model).__name__}")
    z = _as_tensor(x)
    out = []
    with torch.no_grad():
        for name, layer in model.named_children():
            z = layer(z)
            out.append((name, z))
    return out


def hidden_features(model: nn.Sequential, x: Any, batch_size: int = 500) -> np.ndarray:
    """The last hidden layer: the input of the final ``nn.Linear`` for images x (N, C, H, W) → (N, D).

    For LeNet-5 this is z⁴ after ``act4`` (D = 84); for ``resnet_cifar`` the global average pool (D = 4·width).
    """
    if not isinstance(model, nn.Sequential) or not isinstance(model[-1], nn.Linear):
        raise TypeError("hidden_features: expected an nn.Sequential whose last layer is an nn.Linear")
    body = model[:-1]
    x = _as_tensor(x)
    with torch.no_grad():
        parts = [body(x[i:i + batch_size]).flatten(1) for i in range(0, len(x), batch_size)]
    return torch.cat(parts).numpy()


def predict(model: nn.Module, x: Any, batch_size: int = 500) -> np.ndarray:
    """Class scores (logits) u (N, K) for images x (N, C, H, W), computed in batches without gradients."""
    x = _as_tensor(x)
    with torch.no_grad():
        return torch.cat([model(x[i:i + batch_size]) for i in range(0, len(x), batch_size)]).numpy()


def accuracy(model: nn.Module, x: Any, y: Any, batch_size: int = 500) -> float:
    """Fraction of images x (N, C, H, W) whose arg-max score is the label y (N,): the accuracy of
    :func:`lecturelib.training.evaluate_torch`, which this calls."""
    from .training import evaluate_torch

    return evaluate_torch(model, (_as_tensor(x), torch.as_tensor(np.asarray(y))), batch_size=batch_size)[1]


# ----------------------------------------------------------------------------------------------- saliency

def gradient_saliency(model: nn.Module, x: Any, target: Any, abs: bool = False) -> torch.Tensor:  # noqa: A002
    """Gradient saliency (Simonyan et al., 2014): S = ∂f_c(x)/∂x, one map per image.

    x: (N, C, H, W); target: class c per image (N,) or one int. Returns (N, C, H, W); ``abs=True`` returns |S|
    (Captum's ``Saliency`` default). The scores of different images do not interact, so the gradient of the
    sum of the N target scores holds each image's own gradient.
    """
    x = _as_tensor(x).detach().clone().requires_grad_(True)
    t = _targets(target, len(x))
    scores = model(x)
    (grad,) = torch.autograd.grad(scores.gather(1, t[:, None]).sum(), x)
    return grad.abs() if abs else grad


def smoothgrad_noise(x: Any, n_samples: int, sigma: float, seed: int | None = None) -> torch.Tensor:
    """The noise draws of SmoothGrad: (N·S, C, H, W) normal with sd ``sigma``, in Captum's order (image 0's S
    samples first). With ``seed`` the draws come from ``torch.manual_seed(seed)`` — the same draws Captum's
    ``NoiseTunnel`` makes after the same call. Without it, from torch's current generator."""
    x = _as_tensor(x)
    if seed is not None:
        torch.manual_seed(seed)
    size = (len(x) * n_samples, *x.shape[1:])
    return torch.normal(0, torch.tensor(float(sigma)).repeat(size)).to(x.dtype)   # float32 draws, as Captum


def smoothgrad(model: nn.Module, x: Any, target: Any, noise: torch.Tensor, batch_size: int = 1000) -> torch.Tensor:
    """SmoothGrad (Smilkov et al., 2017): the gradient averaged over noisy copies of the image,

        Ŝ_c(x) = (1/S) Σ_{s=1}^{S} ∂f_c(x + ε_s)/∂x,   ε_s ~ N(0, σ² I).

    x: (N, C, H, W); noise: (N·S, C, H, W) as :func:`smoothgrad_noise` makes it (image i's draws are rows
    i·S … i·S + S − 1). Returns (N, C, H, W).
    """
    x = _as_tensor(x)
    n = len(x)
    if noise.shape[0] % n or tuple(noise.shape[1:]) != tuple(x.shape[1:]):
        raise ValueError(f"smoothgrad: noise of shape {tuple(noise.shape)} does not fit images {tuple(x.shape)}")
    s = noise.shape[0] // n
    noisy = x.repeat_interleave(s, dim=0) + noise
    t = _targets(target, n).repeat_interleave(s)
    grads = torch.cat([gradient_saliency(model, noisy[i:i + batch_size], t[i:i + batch_size])
                       for i in range(0, len(noisy), batch_size)])
    return grads.reshape(n, s, *x.shape[1:]).mean(dim=1)


def ig_alphas(steps: int, method: str = "middle") -> tuple[torch.Tensor, torch.Tensor]:
    """Points α_k ∈ [0, 1] and weights w_k of a Riemann sum of ∫₀¹ g(α) dα with ``steps`` terms, for
    ``method`` "left", "right", "middle" or "trapezoid" (Captum's ``riemann_*`` rules, same numbers)."""
    if steps < 2:
        raise ValueError(f"ig_alphas: steps must be at least 2, got {steps}")
    n = steps
    alphas = {"left": torch.linspace(0, 1 - 1 / n, n), "right": torch.linspace(1 / n, 1, n),
              "middle": torch.linspace(1 / (2 * n), 1 - 1 / (2 * n), n), "trapezoid": torch.linspace(0, 1, n)}
    if method not in alphas:
        raise ValueError(f"ig_alphas: method must be one of {sorted(alphas)}, got {method!r}")
    w = torch.full((n,), 1 / n, dtype=torch.float64)
    if method == "trapezoid":
        w[0] /= 2
        w[-1] /= 2
    return alphas[method].double(), w


def integrated_gradients(model: nn.Module, x: Any, target: Any, baseline: Any = None, steps: int = 50,
                         method: str = "middle", batch_size: int = 1000) -> torch.Tensor:
    """Integrated gradients (Sundararajan et al., 2017) along the straight path from the baseline x′ to x:

        IG_i(x) = (x_i − x′_i) ∫₀¹ ∂f_c(x′ + α(x − x′))/∂x_i dα ≈ (x_i − x′_i) Σ_k w_k ∂f_c(x′ + α_k(x − x′))/∂x_i

    with the Riemann rule of :func:`ig_alphas`. Completeness: Σ_i IG_i = f_c(x) − f_c(x′) up to the error of
    the sum. x: (N, C, H, W); baseline: same shape, one image (C, H, W), or None (black, zeros). Returns
    (N, C, H, W).
    """
    x = _as_tensor(x)
    x0 = torch.zeros_like(x) if baseline is None else _as_tensor(baseline).to(x.dtype).expand_as(x)
    alphas, weights = ig_alphas(steps, method)
    n = len(x)
    path = torch.cat([x0 + float(a) * (x - x0) for a in alphas])                  # (steps·N, C, H, W), α-major
    t = _targets(target, n).repeat(steps)
    grads = torch.cat([gradient_saliency(model, path[i:i + batch_size], t[i:i + batch_size])
                       for i in range(0, len(path), batch_size)])
    grads = grads.reshape(steps, n, *x.shape[1:])
    avg = (weights.to(grads.dtype).reshape(steps, *([1] * x.dim())) * grads).sum(dim=0)
    return (x - x0) * avg


# -------------------------------------------------------------------------------------------- Zeiler–Fergus

def occlusion_map(model: nn.Module, x: Any, target: Any, patch: int = 6, stride: int = 2, fill: float = 0.0,
                  batch_size: int = 1000) -> torch.Tensor:
    """Occlusion sensitivity (Zeiler & Fergus, 2014): the probability of the target class when a ``patch``×
    ``patch`` square (value ``fill``) covers the image at each position of a grid with step ``stride``.

    x: (N, C, H, W) → (N, H′, W′) with H′ = (H − patch)//stride + 1; entry (n, a, b) is
    p_c(x_n with rows a·stride … a·stride + patch − 1 and columns b·stride … covered).
    """
    x = _as_tensor(x)
    n, _, h, w = x.shape
    t = _targets(target, n)
    rows, cols = range(0, h - patch + 1, stride), range(0, w - patch + 1, stride)
    out = torch.empty(n, len(rows), len(cols), dtype=x.dtype)
    for i in range(n):
        copies = x[i].repeat(len(rows) * len(cols), 1, 1, 1)
        k = 0
        for r in rows:
            for c in cols:
                copies[k, :, r:r + patch, c:c + patch] = fill
                k += 1
        probs = torch.cat([F.softmax(_scores(model, copies[j:j + batch_size]), dim=1)
                           for j in range(0, len(copies), batch_size)])
        out[i] = probs[:, t[i]].reshape(len(rows), len(cols))
    return out


def _scores(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """Scores of a batch x (N, C, H, W) without gradients, as a tensor (N, K)."""
    with torch.no_grad():
        return model(x)


def occlusion_to_pixels(p_clean: Any, pmap: torch.Tensor, image_hw: tuple[int, int], patch: int,
                        stride: int) -> torch.Tensor:
    """Captum's form of an occlusion map: at each pixel, the mean over the patches that cover it of the drop
    p_c(x) − p_c(x occluded). p_clean: (N,); pmap: (N, H′, W′) from :func:`occlusion_map` → (N, H, W)."""
    p_clean = torch.as_tensor(np.asarray(p_clean) if not isinstance(p_clean, torch.Tensor) else p_clean)
    n, nh, nw = pmap.shape
    total = torch.zeros(n, *image_hw, dtype=pmap.dtype)
    count = torch.zeros(*image_hw, dtype=pmap.dtype)
    drop = p_clean.to(pmap.dtype)[:, None, None] - pmap
    for a in range(nh):
        for b in range(nw):
            total[:, a * stride:a * stride + patch, b * stride:b * stride + patch] += drop[:, a, b, None, None]
            count[a * stride:a * stride + patch, b * stride:b * stride + patch] += 1
    return total / count.clamp(min=1)


def deconv_stack(model: nn.Sequential) -> list[tuple]:
    """The convolutional part of a plain CNN as a list of stages for :func:`deconvnet_projection`:
    ``("conv", w, b, stride, pad)`` (NumPy arrays), ``("relu",)``, ``("pool", size, stride)``, up to the first
    layer that is none of ``nn.Conv2d``, ``nn.ReLU``, ``nn.MaxPool2d`` (LeNet-5: conv1 … pool2)."""
    stack: list[tuple] = []
    for layer in model.children():
        if isinstance(layer, nn.Conv2d):
            b = layer.bias.detach().numpy() if layer.bias is not None else np.zeros(layer.out_channels, np.float32)
            stack.append(("conv", layer.weight.detach().numpy().copy(), b.copy(), layer.stride[0], layer.padding[0]))
        elif isinstance(layer, nn.ReLU):
            stack.append(("relu",))
        elif isinstance(layer, nn.MaxPool2d):
            k, s = layer.kernel_size, layer.stride
            stack.append(("pool", k if isinstance(k, int) else k[0], s if isinstance(s, int) else s[0]))
        else:
            break
    if not stack:
        raise ValueError("deconv_stack: the model does not start with Conv2d / ReLU / MaxPool2d layers")
    return stack


def deconvnet_projection(stack: Sequence[tuple], x: np.ndarray, depth: int, channel: int,
                         position: tuple[int, int] | None = None) -> tuple[np.ndarray, tuple[int, int], float]:
    """Zeiler & Fergus's deconvnet: project one activation of the map ``channel`` after the first ``depth``
    stages back to pixel space, with the course's NumPy layers.

    Forward: x (1, C, H, W) through ``stack[:depth]``, keeping every cache (the pooling caches hold the
    switches, the positions of the maxima). Then every map of that layer is set to zero except the single
    activation at ``position`` (default: the strongest one of ``channel``), and the signal goes back down:
    unpooling puts each value at its switch (``maxpool2d_backward``), rectification is a ReLU, and a convolution
    is undone with its transposed filters (``conv2d_backward``'s dx, i.e. the transposed convolution; bias
    ignored). Returns (reconstruction (1, C, H, W), position, activation value).
    """
    from .numpy_nn import conv2d_backward, conv2d_forward, maxpool2d_backward, maxpool2d_forward

    z = np.asarray(x, dtype=np.float64)
    if z.ndim != 4 or len(z) != 1:
        raise ValueError(f"deconvnet_projection: expected one image (1, C, H, W), got shape {z.shape}")
    if not 1 <= depth <= len(stack):
        raise ValueError(f"deconvnet_projection: depth must be in 1..{len(stack)}, got {depth}")
    caches = []
    for stage in stack[:depth]:
        if stage[0] == "conv":
            _, w, b, s, p = stage
            z, cache = conv2d_forward(z, np.asarray(w, np.float64), np.asarray(b, np.float64), s, p)
        elif stage[0] == "pool":
            z, cache = maxpool2d_forward(z, stage[1], stage[2])
        else:
            z, cache = np.maximum(z, 0), None
        caches.append(cache)
    fmap = z[0, channel]
    if position is None:
        position = tuple(int(i) for i in np.unravel_index(np.argmax(fmap), fmap.shape))
    value = float(fmap[position])
    r = np.zeros_like(z)
    r[0, channel][position] = value
    for stage, cache in zip(reversed(stack[:depth]), reversed(caches)):
        if stage[0] == "conv":
            r = conv2d_backward(r, cache)[0]          # transposed convolution with the same filters
        elif stage[0] == "pool":
            r = maxpool2d_backward(r, cache)          # unpooling: each value goes back to its switch
        else:
            r = np.maximum(r, 0)                      # rectification of the reconstruction
    return r, position, value


# --------------------------------------------------------------------------------------- adversarial examples

def loss_gradient(model: nn.Module, x: Any, y: Any) -> torch.Tensor:
    """∇_x J(x, t) of the cross-entropy of each image with its own label (not divided by N): (N, C, H, W)."""
    x = _as_tensor(x).detach().clone().requires_grad_(True)
    loss = F.cross_entropy(model(x), _targets(y, len(x)), reduction="sum")
    (grad,) = torch.autograd.grad(loss, x)
    return grad


def fgsm(model: nn.Module, x: Any, y: Any, eps: float) -> torch.Tensor:
    """Fast gradient sign method (Goodfellow et al., 2015): x̃ = clip_[0,1](x + ε · sign ∇_x J(x, t)).

    x: (N, C, H, W) in [0, 1], y: labels (N,). Returns the adversarial images (N, C, H, W), in [0, 1], each
    pixel at most ε from the original.
    """
    x = _as_tensor(x)
    return (x + eps * loss_gradient(model, x, y).sign()).clamp(0, 1)


def pgd(model: nn.Module, x: Any, y: Any, eps: float, step: float, steps: int) -> torch.Tensor:
    """Projected gradient descent on −J (iterated FGSM): x⁽ᵏ⁺¹⁾ = Π(x⁽ᵏ⁾ + step · sign ∇J(x⁽ᵏ⁾, t)), Π the
    projection onto the box {‖x̃ − x‖_∞ ≤ ε} ∩ [0, 1]. Starts at x. Shapes as :func:`fgsm`."""
    x = _as_tensor(x)
    adv = x.clone()
    for _ in range(steps):
        adv = adv + step * loss_gradient(model, adv, y).sign()
        adv = torch.minimum(torch.maximum(adv, x - eps), x + eps).clamp(0, 1)
    return adv


def box_lbfgs(model: nn.Module, x: Any, target: int, c: float, maxiter: int = 100) -> tuple[np.ndarray, bool]:
    """Szegedy et al.'s box-constrained adversarial example for one image: minimise over x̃ ∈ [0, 1]^m

        c · ‖x̃ − x‖² + J(x̃, target)

    with SciPy's L-BFGS-B (bounds [0, 1] on every pixel; the paper's c|r| with |r| the squared L2 norm here).
    x: (1, C, H, W). Returns (x̃ (1, C, H, W) float32, whether the model gives x̃ the target class).
    """
    from scipy.optimize import minimize

    x = _as_tensor(x).detach()
    shape = x.shape
    x64 = x.double().reshape(-1).numpy()
    t = torch.tensor([int(target)])
    model64 = copy.deepcopy(model).double()

    def objective(v: np.ndarray) -> tuple[float, np.ndarray]:
        xt = torch.from_numpy(v).reshape(shape).requires_grad_(True)
        r = xt.reshape(-1) - torch.from_numpy(x64)
        f = c * (r * r).sum() + F.cross_entropy(model64(xt), t)
        (g,) = torch.autograd.grad(f, xt)
        return float(f.detach()), g.reshape(-1).numpy().copy()

    res = minimize(objective, x64.copy(), jac=True, method="L-BFGS-B", bounds=[(0.0, 1.0)] * len(x64),
                   options={"maxiter": maxiter})
    adv = res.x.reshape(shape).astype(np.float32)
    with torch.no_grad():
        hit = int(model(torch.from_numpy(adv)).argmax(1)) == int(target)
    return adv, hit


def universal_perturbation(model: nn.Module, x: Any, y: Any, eps: float, step: float, epochs: int,
                           batch_size: int = 250, rng: Any = None) -> torch.Tensor:
    """One perturbation δ (C, H, W) for all images, ‖δ‖_∞ ≤ ε — a simple iterative version of Moosavi-Dezfooli
    et al.'s universal perturbation: for each mini-batch of (x, y), δ ← Π_ε(δ + step · sign Σ_n ∇_x J(x_n + δ, t_n)),
    with the images kept in [0, 1]. x: (N, C, H, W) training images; ``rng`` shuffles the batches."""
    from ._random import as_generator

    x = _as_tensor(x)
    y = _targets(y, len(x))
    gen = as_generator(rng)
    delta = torch.zeros(x.shape[1:], dtype=x.dtype)
    for _ in range(epochs):
        order = torch.from_numpy(gen.permutation(len(x)))
        for i in range(0, len(x), batch_size):
            idx = order[i:i + batch_size]
            g = loss_gradient(model, (x[idx] + delta).clamp(0, 1), y[idx]).sum(dim=0)
            delta = (delta + step * g.sign()).clamp(-eps, eps)
    return delta


# ------------------------------------------------------------------------------------- sanity and attributes

def randomize_weights(model: nn.Module) -> nn.Module:
    """A copy of ``model`` with every layer re-initialised (``reset_parameters``; batch norm back to γ = 1, β = 0
    and unit running statistics): Adebayo et al.'s model-randomisation test. Draws from torch's generator
    (seed it with ``lecturelib.set_seed``). Returns the copy in evaluation mode."""
    twin = copy.deepcopy(model)
    for module in twin.modules():
        if hasattr(module, "reset_running_stats"):
            module.reset_running_stats()
        if hasattr(module, "reset_parameters"):
            module.reset_parameters()
    return twin.eval()


def kl_divergence(p: Any, q: Any, eps: float = 1e-6) -> float:
    """KL(P ‖ Q) = Σ_b P_b log(P_b / Q_b) of two histograms (counts or probabilities over the same bins), each
    smoothed by adding ``eps`` to every bin and renormalised so that empty bins give a finite value."""
    p = np.asarray(p, dtype=np.float64)
    q = np.asarray(q, dtype=np.float64)
    if p.shape != q.shape or p.ndim != 1:
        raise ValueError(f"kl_divergence: expected two 1-D histograms of the same length, got {p.shape}, {q.shape}")
    p = p / p.sum() + eps
    q = q / q.sum() + eps
    p, q = p / p.sum(), q / q.sum()
    return float(np.sum(p * np.log(p / q)))


def kl_unit_ranking(acts: np.ndarray, has_attr: np.ndarray, bins: int = 20,
                    eps: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
    """Vittayakorn et al.'s attribute criterion: for each unit d, KL(P_d⁺ ‖ P_d⁻) between the histograms of its
    activation over images with the attribute (P⁺) and without it (P⁻), ``bins`` equal bins spanning the
    unit's range over all images. acts: (N, D); has_attr: (N,) bool. Returns (kl (D,), units sorted by
    decreasing KL)."""
    acts = np.asarray(acts, dtype=np.float64)
    has_attr = np.asarray(has_attr, dtype=bool)
    if acts.ndim != 2 or has_attr.shape != (len(acts),):
        raise ValueError(f"kl_unit_ranking: expected acts (N, D) and has_attr (N,), got {acts.shape}, {has_attr.shape}")
    if has_attr.all() or not has_attr.any():
        raise ValueError("kl_unit_ranking: the attribute must be present in some images and absent in others")
    kl = np.empty(acts.shape[1])
    for d in range(acts.shape[1]):
        lo, hi = acts[:, d].min(), acts[:, d].max()
        edges = np.linspace(lo, hi if hi > lo else lo + 1.0, bins + 1)
        pos = np.histogram(acts[has_attr, d], edges)[0]
        neg = np.histogram(acts[~has_attr, d], edges)[0]
        kl[d] = kl_divergence(pos, neg, eps)
    return kl, np.argsort(-kl, kind="stable")


def _average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 0 … n − 1 of the entries of a 1-D array, tied entries sharing the mean of their ranks."""
    order = np.argsort(a, kind="stable")
    r = np.empty(len(a))
    r[order] = np.arange(len(a))
    _, inverse, counts = np.unique(a, return_inverse=True, return_counts=True)
    return (np.bincount(inverse, weights=r) / counts)[inverse]


def rank_correlation(a: Any, b: Any) -> np.ndarray:
    """Spearman's rank correlation of each pair of rows: a, b (N, ...) → (N,). The Pearson correlation of the
    ranks (ties get their average rank), as ``scipy.stats.spearmanr`` computes it; NaN for a constant row."""
    a = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    if a.shape != b.shape:
        raise ValueError(f"rank_correlation: shapes {a.shape} and {b.shape} differ")
    out = np.empty(len(a))
    for n, (u, v) in enumerate(zip(a, b)):
        ru, rv = _average_ranks(u), _average_ranks(v)
        ru, rv = ru - ru.mean(), rv - rv.mean()
        denom = np.sqrt((ru * ru).sum() * (rv * rv).sum())
        out[n] = (ru * rv).sum() / denom if denom > 0 else np.nan
    return out


def tsne(x: np.ndarray, perplexity: float = 30.0, iterations: int = 750, rng: Any = None) -> np.ndarray:
    """Exact t-SNE (van der Maaten & Hinton, 2008) of the rows of x (N, D) → (N, 2).

    p_{j|i} ∝ exp(−‖x_i − x_j‖² / 2σ_i²) with σ_i set by bisection so that the perplexity 2^{H(P_i)} is
    ``perplexity``; P = (P_{·|·} + P_{·|·}^T) / 2N. In the plane q_ij ∝ (1 + ‖y_i − y_j‖²)⁻¹, and gradient descent
    on KL(P ‖ Q) with ∂/∂y_i = 4 Σ_j (p_ij − q_ij)(y_i − y_j)(1 + ‖y_i − y_j‖²)⁻¹, the usual schedule (early
    exaggeration 12 for 250 steps, momentum 0.5 then 0.8, step max(N/48, 50), adaptive gains). O(N²): a few thousand rows.
    ``rng`` draws the start y ~ N(0, 10⁻⁴ I).
    """
    from ._random import as_generator

    x = np.asarray(x, dtype=np.float64)
    n = len(x)
    d2 = np.maximum((x ** 2).sum(1)[:, None] - 2 * x @ x.T + (x ** 2).sum(1)[None, :], 0)
    np.fill_diagonal(d2, np.inf)
    lo, hi = np.full(n, 1e-20), np.full(n, 1e20)        # bisection on β_i = 1 / 2σ_i², in log space
    beta = np.ones(n)
    target = np.log(perplexity)
    for _ in range(64):
        p = np.exp(-(d2 - d2.min(axis=1, keepdims=True)) * beta[:, None])
        p /= p.sum(axis=1, keepdims=True)
        entropy = -(p * np.log(np.maximum(p, 1e-300))).sum(axis=1)
        too_flat = entropy > target                    # entropy too high → β up
        lo = np.where(too_flat, beta, lo)
        hi = np.where(too_flat, hi, beta)
        beta = np.sqrt(lo * hi)
    P = (p + p.T) / (2 * n)
    P = np.maximum(P, 1e-12)
    y = as_generator(rng).normal(0, 1e-2, size=(n, 2))
    velocity, gains = np.zeros_like(y), np.ones_like(y)
    step = max(n / 48.0, 50.0)                          # scikit-learn's "auto" learning rate: N / 12 / 4, at least 50
    for it in range(iterations):
        sq = (y * y).sum(axis=1)
        w = 1.0 / (1.0 + np.maximum(sq[:, None] - 2 * y @ y.T + sq[None, :], 0))
        np.fill_diagonal(w, 0.0)
        Q = np.maximum(w / w.sum(), 1e-12)
        M = ((12.0 if it < 250 else 1.0) * P - Q) * w          # Σ_j M_ij (y_i − y_j) = (Σ_j M_ij) y_i − (M y)_i
        grad = 4 * (M.sum(axis=1)[:, None] * y - M @ y)
        gains = np.where(np.sign(grad) != np.sign(velocity), gains + 0.2, gains * 0.8).clip(min=0.01)
        velocity = (0.5 if it < 250 else 0.8) * velocity - step * gains * grad
        y = y + velocity
        y -= y.mean(axis=0)
    return y
