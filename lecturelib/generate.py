"""Generating images from networks (chapter 14): inversion, class visualisation, DeepDream, style transfer,
bag-of-visual-words reconstruction as a quadratic assignment problem, the Fréchet distance, and the
regularisers of the VAE and of the information-potential autoencoder (IPAE).

Images are torch tensors ``(N, C, H, W)`` unless a function says NumPy. Every optimiser here works on the
*pixels* of an image with the network's weights fixed; the network is any callable mapping images to a
feature tensor (or, for style transfer, to a list of feature maps).

Equations, in the chapter's symbols:

* inversion (Mahendran & Vedaldi 2015; Kato & Harada 2015): ``x* = argmin_x ‖Φ(x) − v₀‖² / ‖v₀‖² + λ R(x)``;
* total variation: ``R_TV(x) = Σ_{c,i,j} ((x_{i,j+1} − x_{i,j})² + (x_{i+1,j} − x_{i,j})²)^{β/2}``;
* neighbour (un)naturalness: ``R_nb(x) = mean_{i,j} ‖f_{i,j} − A^T [f_{i−1,j}; f_{i+1,j}; f_{i,j−1}; f_{i,j+1}; 1]‖²``
  with ``A`` fitted by least squares on natural images;
* Gram matrix of a layer: ``G_{kk'} = (1 / HW) Σ_{i,j} z_{i,j,k} z_{i,j,k'}``;
* BoVW arrangement (Kato & Harada 2014): ``min_X λ Σ_{i,j,k,l} C^a_{ijkl} x_{ik} x_{jl} + (1 − λ) Σ_{i,k} C^l_{ik} x_{ik}``
  over permutation matrices ``X``;
* Fréchet distance: ``d² = ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^{1/2})``;
* KL term of a diagonal Gaussian encoder: ``½ Σ_d (μ_d² + σ_d² − log σ_d² − 1)``; the IPAE bound
  ``(1 / 2KN²) Σ_{i,k,j} Σ_d ((μ_{jd} − μ_{id} − σ_{id} ε_{kd})² / σ²_{jd} − 1)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _random
from .generative import gaussian_kl
from ._contracts import Seed

__all__ = [
    "total_variation", "fit_neighbour_prior", "unnaturalness", "invert", "gaussian_blur",
    "class_visualisation", "deepdream", "random_vgg_features", "feature_maps", "gram_matrix", "style_loss",
    "content_loss", "temporal_loss", "style_transfer", "flicker",
    "grid_patches", "fit_codebook", "assign_words", "bovw_histogram", "grid_adjacency", "fit_arrangement_costs",
    "qap_cost", "solve_qap_scipy", "hill_climb", "render_words",
    "gaussian_stats", "frechet_distance", "kl_diag_gaussian", "reparameterise", "information_potential",
    "ToyAutoencoder", "train_toy_autoencoder",
]


def _torch_generator(rng: Seed) -> torch.Generator:
    seed = int(_random.as_generator(rng).integers(2**62))
    return torch.Generator().manual_seed(seed)


# --------------------------------------------------------------------------------------------- priors

def total_variation(x: torch.Tensor, beta: float = 2.0) -> torch.Tensor:
    """Total variation of images ``x`` (N, C, H, W), averaged over the N images (a scalar tensor).

    ``R_TV(x) = Σ_{c,i,j} ((x_{i,j+1} − x_{i,j})² + (x_{i+1,j} − x_{i,j})²)^{β/2}`` over i < H − 1, j < W − 1
    (Mahendran & Vedaldi 2015). β = 2 is the squared-gradient prior; β = 1 the classical TV norm.
    """
    if x.dim() != 4:
        raise ValueError(f"total_variation: expected images (N, C, H, W), got shape {tuple(x.shape)}")
    dx = x[:, :, :-1, 1:] - x[:, :, :-1, :-1]
    dy = x[:, :, 1:, :-1] - x[:, :, :-1, :-1]
    sq = dx ** 2 + dy ** 2
    value = sq if beta == 2.0 else (sq + 1e-8) ** (beta / 2)
    return value.sum(dim=(1, 2, 3)).mean()


def _neighbour_design(f: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Interior positions of maps ``f`` (N, C, H, W) → targets (M, C) and designs (M, 4C + 1)."""
    centre = f[:, :, 1:-1, 1:-1]
    parts = [f[:, :, :-2, 1:-1], f[:, :, 2:, 1:-1], f[:, :, 1:-1, :-2], f[:, :, 1:-1, 2:]]
    c = f.shape[1]
    target = centre.permute(0, 2, 3, 1).reshape(-1, c)
    design = torch.cat([p.permute(0, 2, 3, 1).reshape(-1, c) for p in parts], dim=1)
    design = torch.cat([design, torch.ones(len(design), 1, dtype=f.dtype)], dim=1)
    return target, design


def fit_neighbour_prior(maps: torch.Tensor | np.ndarray, ridge: float = 1e-3) -> torch.Tensor:
    """Fit the linear predictor of each feature vector from its four neighbours, by (ridge) least squares.

    ``maps`` (N, C, H, W) are maps of *natural* images (pixels: C = 1). Returns ``A`` (4C + 1, C) minimising
    ``Σ ‖f_{i,j} − A^T [f_up; f_down; f_left; f_right; 1]‖² + ridge ‖A‖²`` over interior positions — the linear
    cousin of Kato & Harada's (2015) 2-D LSTM, which predicts a feature from its neighbours and calls the
    prediction error *unnaturalness*.
    """
    f = torch.as_tensor(maps, dtype=torch.float64)
    target, design = _neighbour_design(f)
    gram = design.T @ design + ridge * torch.eye(design.shape[1], dtype=torch.float64)
    return torch.linalg.solve(gram, design.T @ target)


def unnaturalness(maps: torch.Tensor, A: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the neighbour predictor ``A`` (from :func:`fit_neighbour_prior`) on ``maps``
    (N, C, H, W), summed over channels and averaged over interior positions and images: a scalar, differentiable."""
    target, design = _neighbour_design(maps)
    resid = target - design @ A.to(maps.dtype)
    return (resid ** 2).sum(dim=1).mean()


def invert(phi: Callable[[torch.Tensor], torch.Tensor], v0: torch.Tensor, shape: Sequence[int], *,
           prior: Callable[[torch.Tensor], torch.Tensor] | None = None, lam: float = 0.0, steps: int = 200,
           lr: float = 0.05, x0: torch.Tensor | None = None, bounds: tuple[float, float] | None = (0.0, 1.0),
           rng: Seed = None) -> tuple[torch.Tensor, list[float]]:
    """Reconstruct images from features: ``x* = argmin_x ‖Φ(x) − v₀‖² / ‖v₀‖² + λ R(x)`` by Adam on the pixels.

    Args:
        phi: the representation Φ (images (N, C, H, W) → features); its parameters are not changed.
        v0: target features Φ(x₀), same shape as ``phi``'s output.
        shape: (N, C, H, W) of the images to find.
        prior: R (images → scalar), e.g. :func:`total_variation` or ``lambda x: unnaturalness(x, A)``.
        lam: λ, the weight of the prior. steps, lr: Adam's iterations and step size.
        x0: starting images (default: uniform noise in [0.4, 0.6] drawn from ``rng``).
        bounds: pixels are clipped into this box after every step (None: no box).
    Returns:
        the images (N, C, H, W), detached, and the objective at every step.
    """
    if x0 is None:
        x0 = 0.4 + 0.2 * torch.rand(*shape, generator=_torch_generator(rng))
    x = x0.detach().clone().to(v0.dtype).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    norm = (v0 ** 2).sum().clamp(min=1e-12)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        loss = ((phi(x) - v0) ** 2).sum() / norm
        if prior is not None and lam:
            loss = loss + lam * prior(x)
        loss.backward()
        opt.step()
        if bounds is not None:
            with torch.no_grad():
                x.clamp_(*bounds)
        history.append(loss.item())
    return x.detach(), history


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Blur images ``x`` (N, C, H, W) with a separable Gaussian of standard deviation ``sigma`` pixels
    (kernel radius ⌈2σ⌉, reflected borders); σ ≤ 0 returns ``x``."""
    if sigma <= 0:
        return x
    r = max(1, int(np.ceil(2 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k = torch.exp(-t ** 2 / (2 * sigma ** 2))
    k = k / k.sum()
    c = x.shape[1]
    pad = F.pad(x, (r, r, r, r), mode="reflect" if min(x.shape[-2:]) > r else "replicate")
    y = F.conv2d(pad, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(y, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def class_visualisation(model: Callable[[torch.Tensor], torch.Tensor], targets: Sequence[int] | torch.Tensor,
                        shape: Sequence[int], *, steps: int = 150, lr: float = 0.05, l2: float = 1e-3,
                        blur_every: int = 4, blur_sigma: float = 0.5, bounds: tuple[float, float] = (0.0, 1.0),
                        rng: Seed = None) -> torch.Tensor:
    """Simonyan et al. (2014): ``x* = argmax_x f_c(x) − λ‖x‖²`` by Adam, one image per target class.

    ``model`` maps (N, C, H, W) to class scores (logits) (N, K); ``targets`` (N,) the classes; ``shape`` is
    (C, H, W). Every ``blur_every`` steps the images are blurred (σ = ``blur_sigma``), the "prior that
    neighbouring pixels are correlated" of Mordvintsev et al. (2015); pixels stay in ``bounds``.
    Returns (N, C, H, W).
    """
    targets = torch.as_tensor(targets, dtype=torch.long)
    x = (0.5 + 0.05 * torch.randn(len(targets), *shape, generator=_torch_generator(rng))).requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    for step in range(steps):
        opt.zero_grad()
        score = model(x).gather(1, targets[:, None]).sum()
        (-(score - l2 * (x ** 2).sum())).backward()
        opt.step()
        with torch.no_grad():
            if blur_every and (step + 1) % blur_every == 0 and step + 1 < steps:
                x.copy_(gaussian_blur(x, blur_sigma))
            x.clamp_(*bounds)
    return x.detach()


def deepdream(layer: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, *, steps: int = 20,
              lr: float = 0.02, octaves: int = 3, octave_scale: float = 1.4, jitter: int = 2,
              blur_sigma: float = 0.3, bounds: tuple[float, float] = (0.0, 1.0),
              rng: Seed = None) -> tuple[torch.Tensor, list[float]]:
    """DeepDream (Mordvintsev et al. 2015): gradient *ascent* on ``½ mean(a²)``, a = ``layer(x)``.

    Each step rolls the image by a random shift of up to ``jitter`` pixels (and back), takes a step of size
    ``lr`` along the gradient divided by its mean absolute value, blurs the *gradient* by σ = ``blur_sigma``
    and clips to ``bounds``. Octaves: the image is processed from the smallest scale
    (side / octave_scale^(octaves−1)) up; at each scale the detail added so far is upsampled and added back.
    ``x`` (N, C, H, W). Returns the dreamed images and the objective after each octave.
    """
    gen = _random.as_generator(rng)
    base = x.detach().clone()
    h, w = base.shape[-2:]
    sizes = [(max(8, round(h / octave_scale ** o)), max(8, round(w / octave_scale ** o))) for o in range(octaves)][::-1]
    detail = torch.zeros(base.shape[0], base.shape[1], *sizes[0], dtype=base.dtype)
    history = []
    for size in sizes:
        img0 = F.interpolate(base, size=size, mode="bilinear", align_corners=False)
        detail = F.interpolate(detail, size=size, mode="bilinear", align_corners=False)
        img = (img0 + detail).clamp(*bounds)
        for _ in range(steps):
            dy, dx = (int(v) for v in gen.integers(-jitter, jitter + 1, size=2))
            shifted = torch.roll(img, (dy, dx), dims=(2, 3)).requires_grad_(True)
            a = layer(shifted)
            obj = 0.5 * (a ** 2).mean()
            g = torch.autograd.grad(obj, shifted)[0]
            g = gaussian_blur(g, blur_sigma)
            g = torch.roll(g, (-dy, -dx), dims=(2, 3))
            img = (img + lr * g / (g.abs().mean() + 1e-12)).clamp(*bounds).detach()
        with torch.no_grad():
            history.append(float(0.5 * (layer(img) ** 2).mean()))
        detail = img - img0
    return img, history


# --------------------------------------------------------------------------------------------- style

def random_vgg_features(widths: Sequence[int | str] = (32, 32, "M", 64, 64, "M", 128), in_channels: int = 3,
                        rng: Seed = None) -> nn.Sequential:
    """A VGG-style feature extractor with *random* weights: 3×3 convolutions (padding 1) each followed by ReLU,
    "M" = 2×2 max pooling — the layout of ``lecturelib.models.vgg(...).features`` (whose first layers a reader with
    ImageNet weights can use instead). Weights ~ N(0, 2 / (9 · C_in)) (He), biases 0, drawn from ``rng``;
    the parameters do not require gradients. Random-weight networks carry texture statistics
    (Ulyanov et al. 2018; He, Wang & Hopcroft 2016).
    """
    gen = _torch_generator(rng)
    layers: list[nn.Module] = []
    c = in_channels
    for item in widths:
        if item == "M":
            layers.append(nn.MaxPool2d(2, 2))
            continue
        conv = nn.Conv2d(c, int(item), 3, padding=1)
        with torch.no_grad():
            conv.weight.copy_(torch.randn(conv.weight.shape, generator=gen) * np.sqrt(2.0 / (9 * c)))
            conv.bias.zero_()
        layers += [conv, nn.ReLU()]
        c = int(item)
    net = nn.Sequential(*layers).eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net


def feature_maps(net: nn.Sequential, x: torch.Tensor, layers: Sequence[int]) -> list[torch.Tensor]:
    """Outputs of the modules with indices ``layers`` of a sequential ``net`` for input ``x``, in that order."""
    wanted, out, z = set(layers), {}, x
    for i, module in enumerate(net):
        z = module(z)
        if i in wanted:
            out[i] = z
        if len(out) == len(wanted):
            break
    return [out[i] for i in layers]


def gram_matrix(f: torch.Tensor) -> torch.Tensor:
    """Gram matrices of feature maps ``f`` (N, C, H, W): ``G_{kk'} = (1/HW) Σ_{i,j} z_{i,j,k} z_{i,j,k'}``,
    shape (N, C, C). Position is summed out: G keeps which features occur together, not where (Gatys et al.)."""
    if f.dim() != 4:
        raise ValueError(f"gram_matrix: expected feature maps (N, C, H, W), got shape {tuple(f.shape)}")
    n, c, h, w = f.shape
    flat = f.reshape(n, c, h * w)
    return flat @ flat.transpose(1, 2) / (h * w)


def style_loss(feats: Sequence[torch.Tensor], target_grams: Sequence[torch.Tensor],
               weights: Sequence[float] | None = None) -> torch.Tensor:
    """``L_style = Σ_l w_l · mean_{k,k'} (G^l_{kk'}(x) − G^l_{kk'}(a))²`` (the mean over the C_l² entries is
    Gatys et al.'s 1/(4 C_l²) up to a constant; the 1/(H W) is inside :func:`gram_matrix`). Weights default to 1.
    ``feats`` (N, C_l, H_l, W_l) per layer; ``target_grams`` (C_l, C_l) or (N, C_l, C_l)."""
    weights = [1.0] * len(feats) if weights is None else weights
    return sum(w * ((gram_matrix(f) - g) ** 2).mean() for w, f, g in zip(weights, feats, target_grams))


def content_loss(f: torch.Tensor, f0: torch.Tensor) -> torch.Tensor:
    """``L_content = mean (F^l(x) − F^l(p))²`` over the entries of one layer's maps (Gatys et al.'s ½ Σ up to a
    constant)."""
    return ((f - f0) ** 2).mean()


def temporal_loss(x: torch.Tensor, warped_prev: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Ruder et al. (2016): ``L_temporal = (1/D) Σ_p c_p (x_p − ω(x^{(t−1)})_p)²`` — the squared difference to the
    previous stylised frame warped into this one, where the mask c is 1 (0 where the previous frame is not
    visible, e.g. the strip that has just come into view). D = the number of pixel values."""
    mask = torch.ones_like(x) if mask is None else mask.expand_as(x)
    return (mask * (x - warped_prev) ** 2).sum() / x.numel()


def style_transfer(net: nn.Sequential, content: torch.Tensor, style: torch.Tensor, *,
                   content_layers: Sequence[int], style_layers: Sequence[int], alpha: float = 1.0,
                   beta: float = 1e3, steps: int = 100, lr: float = 0.03, init: torch.Tensor | None = None,
                   warped_prev: torch.Tensor | None = None, mask: torch.Tensor | None = None,
                   temporal_weight: float = 0.0, tv_weight: float = 0.0) -> tuple[torch.Tensor, list[float]]:
    """Gatys et al. (2016): ``x* = argmin_x α L_content(x, p) + β L_style(x, a) [+ γ L_temporal + τ R_TV]``,
    by Adam on the pixels of ``x`` (1, 3, H, W), starting from ``init`` (default: the content image ``p``).

    ``net`` is a sequential feature extractor (e.g. :func:`random_vgg_features`); ``content_layers`` and
    ``style_layers`` index its modules (use the ReLU outputs). ``style`` (1, 3, H', W') may have another size.
    With ``warped_prev`` and ``temporal_weight`` γ > 0 the temporal-consistency term of Ruder et al. is added.
    Returns the image (clipped to [0, 1]) and the objective at every step.
    """
    with torch.no_grad():
        p_feats = feature_maps(net, content, content_layers)
        a_grams = [gram_matrix(f) for f in feature_maps(net, style, style_layers)]
    x = (content if init is None else init).detach().clone().requires_grad_(True)
    opt = torch.optim.Adam([x], lr=lr)
    layers = list(dict.fromkeys([*content_layers, *style_layers]))
    history = []
    for _ in range(steps):
        opt.zero_grad()
        maps = dict(zip(layers, feature_maps(net, x, layers)))
        loss = alpha * sum(content_loss(maps[i], f0) for i, f0 in zip(content_layers, p_feats))
        loss = loss + beta * style_loss([maps[i] for i in style_layers], a_grams)
        if warped_prev is not None and temporal_weight:
            loss = loss + temporal_weight * temporal_loss(x, warped_prev, mask)
        if tv_weight:
            loss = loss + tv_weight * total_variation(x)
        loss.backward()
        opt.step()
        with torch.no_grad():
            x.clamp_(0, 1)
        history.append(loss.item())
    return x.detach(), history


def flicker(frames: torch.Tensor | np.ndarray, shift: int) -> float:
    """Mean absolute frame-to-frame change of a clip ``frames`` (T, C, H, W) whose content moves ``shift`` pixels
    to the *left* per frame (a camera panning right): frame t's columns [0, W − s) are compared with frame t−1's
    columns [s, W), i.e. after compensating the known motion. 0 for a perfectly consistent clip."""
    f = torch.as_tensor(frames, dtype=torch.float64)
    w = f.shape[-1]
    diffs = [(f[t, ..., : w - shift] - f[t - 1, ..., shift:]).abs().mean() for t in range(1, len(f))]
    return float(torch.stack(diffs).mean())


# --------------------------------------------------------------------------------------------- BoVW and QAP

def grid_patches(images: np.ndarray, size: int) -> np.ndarray:
    """Cut greyscale images (N, H, W) or (N, 1, H, W) into non-overlapping ``size``×``size`` patches on a grid:
    (N, G, size²) with G = (H/size)·(W/size) positions in row-major order (H, W multiples of ``size``)."""
    x = np.asarray(images)
    if x.ndim == 4:
        x = x[:, 0]
    n, h, w = x.shape
    if h % size or w % size:
        raise ValueError(f"grid_patches: image side {h}×{w} is not a multiple of the patch size {size}")
    r, c = h // size, w // size
    return x.reshape(n, r, size, c, size).transpose(0, 1, 3, 2, 4).reshape(n, r * c, size * size)


def fit_codebook(patches: np.ndarray, k: int, rng: Seed = None) -> np.ndarray:
    """The visual words: k-means (scikit-learn, k-means++ start, one start) on patches (M, D) → centres (k, D)."""
    from sklearn.cluster import KMeans

    seed = int(_random.as_generator(rng).integers(2**31 - 1))
    km = KMeans(n_clusters=k, n_init=1, random_state=seed).fit(np.asarray(patches, dtype=np.float64))
    return km.cluster_centers_


def assign_words(patches: np.ndarray, codebook: np.ndarray) -> np.ndarray:
    """Index of the nearest visual word (Euclidean) of every patch: (..., D) → (...) int."""
    p = np.asarray(patches, dtype=np.float64)
    flat = p.reshape(-1, p.shape[-1])
    d2 = (flat ** 2).sum(1)[:, None] - 2 * flat @ codebook.T + (codebook ** 2).sum(1)[None]
    return d2.argmin(axis=1).reshape(p.shape[:-1])


def bovw_histogram(words: np.ndarray, k: int) -> np.ndarray:
    """Bag of visual words: counts of each of the ``k`` words per image, (N, G) → (N, k). The positions are gone."""
    w = np.atleast_2d(words)
    return np.stack([np.bincount(row, minlength=k) for row in w])


def grid_adjacency(rows: int, cols: int) -> np.ndarray:
    """(G, G) 0/1 matrix of 4-neighbourhood on a rows×cols grid (row-major): 1 where two positions share an edge."""
    g = rows * cols
    adj = np.zeros((g, g))
    for r in range(rows):
        for c in range(cols):
            k = r * cols + c
            if c + 1 < cols:
                adj[k, k + 1] = adj[k + 1, k] = 1
            if r + 1 < rows:
                adj[k, k + cols] = adj[k + cols, k] = 1
    return adj


def fit_arrangement_costs(word_grids: np.ndarray, k: int, rows: int, cols: int,
                          alpha: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Learn the two costs of Kato & Harada (2014) from the word grids of training images (N, G).

    Returns ``Ca`` (k, k): adjacency cost ``−log P(words a and b are 4-neighbours)`` (symmetric; counts of
    adjacent pairs plus ``alpha``, normalised), and ``Cl`` (k, G): global location cost ``−log P(word a | position
    g)`` (counts plus ``alpha``, normalised per position).
    """
    w = np.asarray(word_grids)
    adj = grid_adjacency(rows, cols)
    ks, ls = np.nonzero(np.triu(adj))
    pairs = np.zeros((k, k))
    np.add.at(pairs, (w[:, ks].ravel(), w[:, ls].ravel()), 1)
    pairs = pairs + pairs.T + alpha
    Ca = -np.log(pairs / pairs.sum())
    loc = np.zeros((k, rows * cols))
    np.add.at(loc, (w.ravel(), np.tile(np.arange(rows * cols), len(w))), 1)
    loc += alpha
    Cl = -np.log(loc / loc.sum(axis=0, keepdims=True))
    return Ca, Cl


def qap_cost(perm: np.ndarray, words: np.ndarray, Ca: np.ndarray, Cl: np.ndarray, adjacency: np.ndarray,
             lam: float) -> float:
    """The deck's objective for an assignment ``perm`` (item i, the i-th word of the bag, goes to position
    ``perm[i]``): ``λ Σ_{i,j} Ca[w_i, w_j] · adj[perm_i, perm_j] + (1 − λ) Σ_i Cl[w_i, perm_i]``
    (C^a_{ijkl} = Ca[w_i, w_j] when positions k, l are neighbours, else 0; ordered pairs, so each adjacent pair
    counts twice)."""
    perm, words = np.asarray(perm), np.asarray(words)
    M = Ca[np.ix_(words, words)]
    quad = float((M * adjacency[np.ix_(perm, perm)]).sum())
    lin = float(Cl[words, perm].sum())
    return lam * quad + (1 - lam) * lin


def solve_qap_scipy(words: np.ndarray, Ca: np.ndarray, Cl: np.ndarray, adjacency: np.ndarray, lam: float,
                    method: str = "faq", rng: Seed = None) -> np.ndarray:
    """Solve the arrangement problem with :func:`scipy.optimize.quadratic_assignment` → ``perm`` (G,).

    SciPy solves the Koopmans–Beckmann form ``min_π Σ_{i,j} A_{ij} B_{π(i)π(j)}``, which has no linear term.
    The location cost enters exactly through G *anchor* items pinned (``partial_match``) to G extra locations:
    A = [[λ Ca[w_i, w_j], (1−λ) Cl[w_i, m]], [0, 0]], B = [[adjacency, I], [0, 0]], so that an anchor m
    contributes ``(1−λ) Cl[w_i, m]`` exactly when item i sits at position m.
    """
    from scipy.optimize import quadratic_assignment

    words = np.asarray(words)
    g = len(words)
    A = np.zeros((2 * g, 2 * g))
    B = np.zeros((2 * g, 2 * g))
    A[:g, :g] = lam * Ca[np.ix_(words, words)]
    A[:g, g:] = (1 - lam) * Cl[words]
    B[:g, :g] = adjacency
    B[:g, g:] = np.eye(g)
    seeds = np.stack([np.arange(g, 2 * g)] * 2, axis=1)
    res = quadratic_assignment(A, B, method=method,
                               options={"partial_match": seeds, "rng": np.random.default_rng(_random.as_generator(rng).integers(2**31 - 1))})
    return np.asarray(res.col_ind[:g])


def hill_climb(words: np.ndarray, Ca: np.ndarray, Cl: np.ndarray, adjacency: np.ndarray, lam: float,
               perm0: np.ndarray | None = None, max_iter: int = 2000,
               rng: Seed = None) -> tuple[np.ndarray, list[float]]:
    """Best-improvement hill climbing on :func:`qap_cost` by swapping the positions of two items, from ``perm0``
    (default: a random permutation from ``rng``), until no swap lowers the cost. All G(G−1)/2 swap changes are
    computed at once each iteration: with M = Ca[w, w], P = adjacency[perm][:, perm], Q = M P,
    ``Δ(a,b) = 2λ (Q_ab + Q_ba − Q_aa − Q_bb − P_ab (M_aa − 2 M_ab + M_bb)) + (1−λ)(L_ab + L_ba − L_aa − L_bb)``,
    L_ab = Cl[w_a, perm_b]. Returns the permutation and the cost after every iteration."""
    words = np.asarray(words)
    g = len(words)
    perm = _random.as_generator(rng).permutation(g) if perm0 is None else np.array(perm0)
    M = Ca[np.ix_(words, words)]
    m = np.diag(M)
    history = [qap_cost(perm, words, Ca, Cl, adjacency, lam)]
    for _ in range(max_iter):
        P = adjacency[np.ix_(perm, perm)]
        Q = M @ P
        q = np.diag(Q)
        L = Cl[words][:, perm]
        lq = np.diag(L)
        delta = 2 * lam * (Q + Q.T - q[:, None] - q[None, :] - P * (m[:, None] - 2 * M + m[None, :]))
        delta += (1 - lam) * (L + L.T - lq[:, None] - lq[None, :])
        np.fill_diagonal(delta, 0.0)
        a, b = np.unravel_index(np.argmin(delta), delta.shape)
        if delta[a, b] >= -1e-12:
            break
        perm[[a, b]] = perm[[b, a]]
        history.append(history[-1] + float(delta[a, b]))
    return perm, history


def render_words(perm: np.ndarray, words: np.ndarray, codebook: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Paint each item's visual word (its codebook patch) at its assigned grid position → image (H, W)."""
    size = int(round(np.sqrt(codebook.shape[1])))
    grid = np.zeros((rows * cols, size * size))
    grid[np.asarray(perm)] = codebook[np.asarray(words)]
    return grid.reshape(rows, cols, size, size).transpose(0, 2, 1, 3).reshape(rows * size, cols * size)


# --------------------------------------------------------------------------------------------- Fréchet distance

def gaussian_stats(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean (D,) and covariance (D, D) (unbiased, float64) of features (N, D)."""
    f = np.asarray(features, dtype=np.float64)
    return f.mean(axis=0), np.cov(f, rowvar=False)


def frechet_distance(mu1: np.ndarray, cov1: np.ndarray, mu2: np.ndarray, cov2: np.ndarray) -> float:
    """Fréchet distance between N(μ₁, Σ₁) and N(μ₂, Σ₂): ``‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁ Σ₂)^{1/2})``
    (Heusel et al. 2017; FID when the features are Inception's). ``tr (Σ₁Σ₂)^{1/2}`` is computed as the sum of the
    square roots of the eigenvalues of the symmetric ``Σ₁^{1/2} Σ₂ Σ₁^{1/2}`` (same eigenvalues, stable)."""
    ev, U = np.linalg.eigh(cov1)
    s1 = (U * np.sqrt(np.clip(ev, 0, None))) @ U.T
    inner = np.linalg.eigvalsh(s1 @ cov2 @ s1)
    tr_sqrt = np.sqrt(np.clip(inner, 0, None)).sum()
    return float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * tr_sqrt)


# --------------------------------------------------------------------------------------------- VAE and IPAE

def kl_diag_gaussian(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(μ, diag σ²) ‖ N(0, I)) = ½ Σ_d (μ_d² + σ_d² − log σ_d² − 1) per sample: (N, D) → (N,).

    The chapter's name for :func:`lecturelib.generative.gaussian_kl` with its default prior (one formula, one place).
    """
    if mu.dim() != 2:
        raise ValueError(f"kl_diag_gaussian expects mu and logvar of shape (N, D); got {tuple(mu.shape)}")
    return gaussian_kl(mu, logvar)


def reparameterise(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """The reparameterisation trick: z = μ + σ ⊙ ε with σ = exp(½ log σ²) and ε ~ N(0, I) given: (N, D)."""
    return mu + torch.exp(0.5 * logvar) * eps


def information_potential(mu: torch.Tensor, logvar: torch.Tensor, eps: torch.Tensor) -> torch.Tensor:
    """The IPAE bound on I(x; z) (Zhang, Ozay, Sun & Okatani 2017, as in Okatani's talk):

    ``(1 / 2KN²) Σ_{i=1}^N Σ_{k=1}^K Σ_{j=1}^N Σ_d ((μ_{jd} − μ_{id} − σ_{id} ε_{kid})² / σ²_{jd} − 1)``,

    i.e. the average over codes z_{ik} = μ_i + σ_i ⊙ ε_{ki} of the cross-entropy to every other sample's encoder
    Gaussian, minus the entropy of its own (the log σ terms cancel in the double sum). It is small when the
    codes of *all* samples fall inside one another's Gaussians — nothing tells the codes apart that the decoder
    does not need. ``mu``, ``logvar`` (N, D); ``eps`` (K, N, D). Returns a scalar.
    """
    sigma = torch.exp(0.5 * logvar)
    z = mu[None] + sigma[None] * eps                              # (K, N, D): codes z_{ki}
    diff = mu[None, None, :, :] - z[:, :, None, :]                 # (K, N_i, N_j, D): μ_j − z_ki
    terms = diff ** 2 / logvar.exp()[None, None, :, :] - 1
    k, n = eps.shape[:2]
    return terms.sum() / (2 * k * n * n)


class ToyAutoencoder(nn.Module):
    """A tiny stochastic autoencoder for 2-D data: encoder MLP → (μ, log σ²) of a ``latent``-dim Gaussian,
    decoder MLP → 2-D reconstruction. Trained as a VAE (KL term) or as an IPAE (information potential)."""

    def __init__(self, dim: int = 2, latent: int = 2, hidden: int = 64) -> None:
        super().__init__()
        self.enc = nn.Sequential(nn.Linear(dim, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, 2 * latent))
        self.dec = nn.Sequential(nn.Linear(latent, hidden), nn.Tanh(), nn.Linear(hidden, hidden), nn.Tanh(),
                                 nn.Linear(hidden, dim))
        self.latent = latent

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """x (N, dim) → μ (N, latent), log σ² (N, latent)."""
        h = self.enc(x)
        return h[:, :self.latent], h[:, self.latent:].clamp(-12, 6)

    def forward(self, x: torch.Tensor, eps: torch.Tensor | None = None) -> torch.Tensor:
        """A stochastic reconstruction g(μ + σ ⊙ ε) (N, dim); ε ~ N(0, I) if not given."""
        mu, logvar = self.encode(x)
        eps = torch.randn_like(mu) if eps is None else eps
        return self.dec(reparameterise(mu, logvar, eps))


def train_toy_autoencoder(x: torch.Tensor, regulariser: str = "kl", beta: float = 0.1, *, steps: int = 1500,
                          lr: float = 3e-3, latent: int = 2, hidden: int = 64, k: int = 1,
                          rng: Seed = None) -> tuple[ToyAutoencoder, list[float]]:
    """Train :class:`ToyAutoencoder` on the full batch ``x`` (N, 2) with Adam:
    ``J = (1/N) Σ_i ‖x_i − g(μ_i + σ_i ⊙ ε_i)‖² + β R``, R = mean :func:`kl_diag_gaussian` (``"kl"``: the VAE) or
    :func:`information_potential` with ``k`` noise draws per sample (``"ip"``: the IPAE). Initial weights and every
    ε come from ``rng``. Returns the model (evaluation mode) and the loss at every step."""
    if regulariser not in ("kl", "ip"):
        raise ValueError(f"train_toy_autoencoder: regulariser must be 'kl' or 'ip', got {regulariser!r}")
    gen = _torch_generator(rng)
    torch.manual_seed(int(torch.randint(0, 2**31 - 1, (1,), generator=gen)))
    model = ToyAutoencoder(x.shape[1], latent, hidden).to(x.dtype)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    history = []
    for _ in range(steps):
        opt.zero_grad()
        mu, logvar = model.encode(x)
        eps = torch.randn(k, *mu.shape, generator=gen, dtype=x.dtype)
        rec = model.dec(reparameterise(mu, logvar, eps[0]))
        loss = ((x - rec) ** 2).sum(dim=1).mean()
        reg = kl_diag_gaussian(mu, logvar).mean() if regulariser == "kl" else information_potential(mu, logvar, eps)
        loss = loss + beta * reg
        loss.backward()
        opt.step()
        history.append(loss.item())
    return model.eval(), history

