"""Generative models of chapter 14: DCGAN, a convolutional VAE and alignDRAW, at Fashion-MNIST scale.

* :func:`dcgan_generator`, :func:`dcgan_discriminator` — the deep convolutional GAN of Radford, Metz & Chintala
  (2015) for 28×28 single-channel images, and :func:`gan_losses` — the minimax objective of Goodfellow et al.
  (2014) with the non-saturating generator loss;
* :func:`vae` — a convolutional variational autoencoder (Kingma & Welling, 2014) with a Bernoulli decoder, and
  :func:`elbo_terms` — the two terms of its negative evidence lower bound;
* :func:`aligndraw` — DRAW (Gregor et al., 2015) with Gaussian read/write attention, conditioned on a caption
  through a bidirectional LSTM and an alignment over its words (alignDRAW: Mansimov et al., 2016), with
  :func:`captioned_fashion`, the captioned Fashion-MNIST data set it is trained on ("a sneaker at the top left");
* ``load_dcgan``, ``load_vae``, ``load_aligndraw`` — the models trained by ``experiments/dcgan_fashion.py``,
  ``experiments/vae_fashion.py`` and ``experiments/aligndraw_fashion.py``, rebuilt from their checkpoints
  (:mod:`lecturelib.checkpoints`) in evaluation mode.

Image conventions: the GAN works on images in [-1, 1] (``2x - 1`` of Fashion-MNIST's [0, 1]; its generator ends
with tanh); the VAE and alignDRAW model pixels in [0, 1] as Bernoulli means (their decoders return logits).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "dcgan_generator", "dcgan_discriminator", "gan_losses", "discriminator_loss", "generator_loss",
    "saturating_generator_loss", "dcgan_init_", "load_dcgan",
    "VAE", "vae", "elbo_terms", "gaussian_kl", "load_vae",
    "POSITIONS", "CLASS_WORDS", "VOCAB", "HELD_OUT", "CANVAS", "caption", "tokenize", "place",
    "captioned_fashion", "filterbank", "AlignDRAW", "aligndraw", "load_aligndraw", "state_to_float16",
]


# ---------------------------------------------------------------------------------------------------- DCGAN
def dcgan_generator(z_dim: int = 64, width: int = 32) -> nn.Sequential:
    """DCGAN generator ``G``: ``z`` of shape (N, z_dim) → images (N, 1, 28, 28) in [-1, 1].

    Radford et al.'s rules at 28×28: a linear *projection* of ``z`` reshaped to (4·width, 7, 7) (the only fully
    connected layer), then fractionally strided (transposed) convolutions 7 → 14 → 28 instead of upsampling;
    batch norm after every layer but the output; ReLU inside, tanh at the output.
    """
    w = width
    net = nn.Sequential(
        nn.Linear(z_dim, 4 * w * 7 * 7, bias=False),
        nn.Unflatten(1, (4 * w, 7, 7)),
        nn.BatchNorm2d(4 * w), nn.ReLU(),
        nn.ConvTranspose2d(4 * w, 2 * w, 4, 2, 1, bias=False),      # 7 → 14
        nn.BatchNorm2d(2 * w), nn.ReLU(),
        nn.ConvTranspose2d(2 * w, 1, 4, 2, 1),                      # 14 → 28, no batch norm at the output
        nn.Tanh(),
    )
    dcgan_init_(net)
    return net


def dcgan_discriminator(width: int = 32) -> nn.Sequential:
    """DCGAN discriminator ``D``: images (N, 1, 28, 28) in [-1, 1] → logits (N,); ``D(x) = sigmoid(logit)``.

    Strided convolutions 28 → 14 → 7 instead of pooling, LeakyReLU(0.2), batch norm on every layer but the input
    one, and a 7×7 convolution to one logit (no fully connected hidden layer).
    """
    w = width
    net = nn.Sequential(
        nn.Conv2d(1, w, 4, 2, 1),                                   # 28 → 14, no batch norm on the input layer
        nn.LeakyReLU(0.2),
        nn.Conv2d(w, 2 * w, 4, 2, 1, bias=False),                   # 14 → 7
        nn.BatchNorm2d(2 * w), nn.LeakyReLU(0.2),
        nn.Conv2d(2 * w, 1, 7),                                     # 7 → 1: the logit
        nn.Flatten(0),
    )
    dcgan_init_(net)
    return net


def dcgan_init_(net: nn.Module) -> nn.Module:
    """Radford et al.'s initialisation, in place: weights ~ N(0, 0.02²), batch-norm scales ~ N(1, 0.02²), biases 0."""
    for m in net.modules():
        if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
            nn.init.normal_(m.weight, 0.0, 0.02)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d):
            nn.init.normal_(m.weight, 1.0, 0.02)
            nn.init.zeros_(m.bias)
    return net


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The discriminator's loss, the negated minimax value (Goodfellow et al., 2014, eq. 1):

    .. math:: J^{(D)} = -\mathbb{E}_{x\sim p_\text{data}}[\log D(x)] - \mathbb{E}_{z\sim p_z}[\log(1 - D(G(z)))],

    estimated by batch means. ``real_logits`` = logits of D on real images (N,), ``fake_logits`` on G(z) (M,);
    ``-log sigmoid(l) = softplus(-l)`` and ``-log(1 - sigmoid(l)) = softplus(l)`` keep it finite. Scalar.
    """
    return F.softplus(-real_logits).mean() + F.softplus(fake_logits).mean()


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The non-saturating generator loss (Goodfellow et al., 2014, §3): :math:`J^{(G)} = -\mathbb{E}_z[\log D(G(z))]`.

    Same fixed point as minimising :math:`\mathbb{E}_z[\log(1 - D(G(z)))]`, but strong gradients early on, when
    D rejects the samples confidently. ``fake_logits``: (M,) logits of D on G(z). Scalar.
    """
    return F.softplus(-fake_logits).mean()


def saturating_generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    r"""The minimax generator loss :math:`\mathbb{E}_z[\log(1 - D(G(z)))]` (to be *minimised* by G), which saturates
    — its gradient vanishes — when :math:`D(G(z)) \to 0`. ``fake_logits``: (M,). Scalar."""
    return -F.softplus(fake_logits).mean()


def gan_losses(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""``(J_D, J_G)``: :func:`discriminator_loss` and the non-saturating :func:`generator_loss`.

    .. math::
        J^{(D)} = -\tfrac1N\sum_i \log D(x^{(i)}) - \tfrac1M\sum_j \log\bigl(1 - D(G(z^{(j)}))\bigr),\qquad
        J^{(G)} = -\tfrac1M\sum_j \log D(G(z^{(j)})),

    from the discriminator's logits on real images (N,) and on generated ones (M,). In training, D's step uses
    ``J_D`` with the fakes detached, then G's step uses ``J_G`` on fresh logits of the updated D.
    """
    return discriminator_loss(real_logits, fake_logits), generator_loss(fake_logits)


# ------------------------------------------------------------------------------------------------------ VAE
class VAE(nn.Module):
    """Convolutional VAE for (N, 1, 28, 28) images in [0, 1] with a ``z_dim``-dimensional Gaussian latent.

    Encoder: conv 4×4/2 (width) → conv 4×4/2 (2·width) → fc ``hidden`` → (mu, logvar). Decoder: fc ``hidden`` →
    fc (2·width, 7, 7) → transposed conv 7 → 14 → 28, returning Bernoulli logits. ReLU everywhere inside.
    """

    def __init__(self, z_dim: int = 2, width: int = 16, hidden: int = 128) -> None:
        super().__init__()
        w = width
        self.z_dim = z_dim
        self.encoder = nn.Sequential(
            nn.Conv2d(1, w, 4, 2, 1), nn.ReLU(),                    # 28 → 14
            nn.Conv2d(w, 2 * w, 4, 2, 1), nn.ReLU(),                # 14 → 7
            nn.Flatten(), nn.Linear(2 * w * 49, hidden), nn.ReLU(),
            nn.Linear(hidden, 2 * z_dim),
        )
        self.decoder = nn.Sequential(
            nn.Linear(z_dim, hidden), nn.ReLU(),
            nn.Linear(hidden, 2 * w * 49), nn.ReLU(), nn.Unflatten(1, (2 * w, 7, 7)),
            nn.ConvTranspose2d(2 * w, w, 4, 2, 1), nn.ReLU(),       # 7 → 14
            nn.ConvTranspose2d(w, 1, 4, 2, 1),                      # 14 → 28: logits
        )

    def encode(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``q(z|x) = N(mu, diag(exp(logvar)))``: x (N, 1, 28, 28) → (mu, logvar), each (N, z_dim)."""
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def reparameterize(self, mu: torch.Tensor, logvar: torch.Tensor,
                       generator: torch.Generator | None = None) -> torch.Tensor:
        """The reparameterisation trick: ``z = mu + exp(logvar / 2) * eps`` with ``eps ~ N(0, I)`` (N, z_dim),
        so gradients reach ``mu`` and ``logvar`` through a deterministic function of them."""
        eps = torch.randn(mu.shape, generator=generator, dtype=mu.dtype, device=mu.device)
        return mu + torch.exp(0.5 * logvar) * eps

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        """``p(x|z)``: z (N, z_dim) → Bernoulli logits (N, 1, 28, 28); the image is ``sigmoid(logits)``."""
        return self.decoder(z)

    def forward(self, x: torch.Tensor, generator: torch.Generator | None = None
                ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """x (N, 1, 28, 28) → (x_hat_logits (N, 1, 28, 28), mu (N, z_dim), logvar (N, z_dim)), one z per image."""
        mu, logvar = self.encode(x)
        return self.decode(self.reparameterize(mu, logvar, generator)), mu, logvar


def vae(z_dim: int = 2, width: int = 16, hidden: int = 128) -> VAE:
    """A convolutional :class:`VAE` with a ``z_dim``-dimensional latent (2 for the manifold figure)."""
    return VAE(z_dim, width, hidden)


def gaussian_kl(mu: torch.Tensor, logvar: torch.Tensor, mu_p: torch.Tensor | None = None,
                logvar_p: torch.Tensor | None = None) -> torch.Tensor:
    r"""KL(N(mu, diag e^logvar) ‖ N(mu_p, diag e^logvar_p)) summed over the last axis: (..., d) → (...).

    .. math:: \mathrm{KL} = \tfrac12\sum_j\Bigl(\log\sigma_{p,j}^2 - \log\sigma_j^2
              + \frac{\sigma_j^2 + (\mu_j - \mu_{p,j})^2}{\sigma_{p,j}^2} - 1\Bigr);

    with the default prior N(0, I): :math:`\tfrac12\sum_j(\mu_j^2 + \sigma_j^2 - \log\sigma_j^2 - 1)`.
    """
    if mu_p is None:
        return 0.5 * (mu.pow(2) + logvar.exp() - logvar - 1).sum(-1)
    if logvar_p is None:
        raise ValueError("gaussian_kl: give logvar_p together with mu_p (the prior's log-variance)")
    return 0.5 * (logvar_p - logvar + (logvar.exp() + (mu - mu_p).pow(2)) / logvar_p.exp() - 1).sum(-1)


def elbo_terms(x: torch.Tensor, x_hat_logits: torch.Tensor, mu: torch.Tensor,
               logvar: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    r"""The two terms of the negative ELBO, per image: ``(reconstruction (N,), kl (N,))`` in nats.

    .. math:: -\mathrm{ELBO}(x) = \underbrace{-\mathbb{E}_{q(z|x)}[\log p(x|z)]}_{\text{reconstruction}}
              + \underbrace{\mathrm{KL}(q(z|x)\,\|\,N(0, I))}_{\text{kl}},

    the reconstruction estimated with one z (the decoder's logits ``x_hat_logits`` for the z drawn), a Bernoulli
    likelihood per pixel — binary cross-entropy summed over the pixels, for x of shape (N, ...) in [0, 1] — and the
    KL of the diagonal Gaussian in closed form (:func:`gaussian_kl`). A β-VAE minimises the mean of
    ``reconstruction + beta * kl``. With grey levels (not binary pixels) the reconstruction term is bounded below by
    the pixels' binary entropy, not by 0.
    """
    rec = F.binary_cross_entropy_with_logits(x_hat_logits, x, reduction="none").flatten(1).sum(1)
    return rec, gaussian_kl(mu, logvar)


# ------------------------------------------------------------------------------ captioned Fashion-MNIST
#: Side of the alignDRAW canvas: a 28×28 garment fills one quadrant of it.
CANVAS = 56
#: The four positions of a garment on the canvas, by index.
POSITIONS = ("top left", "top right", "bottom left", "bottom right")
#: One word per Fashion-MNIST label (``CLASS_WORDS[y]``).
CLASS_WORDS = ("t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot")
#: The caption vocabulary; index 0 is padding.
VOCAB = ("<pad>", "a", "an", "at", "the", "top", "bottom", "left", "right") + CLASS_WORDS
_INDEX = {word: i for i, word in enumerate(VOCAB)}
#: (label, position) pairs never shown in training: label y at position y mod 4 (10 of the 40 pairs; each label
#: is trained at 3 positions and each position with 7 or 8 labels), so a sampled caption can be new.
HELD_OUT = frozenset((y, y % 4) for y in range(10))


def caption(label: int, position: int) -> str:
    """The caption of garment ``label`` at ``POSITIONS[position]``, e.g. ``caption(7, 0)`` = "a sneaker at the top left"."""
    word = CLASS_WORDS[int(label)]
    article = "an" if word[0] in "aeiou" else "a"
    return f"{article} {word} at the {POSITIONS[int(position)]}"


def tokenize(captions: list[str] | tuple[str, ...]) -> torch.Tensor:
    """Word indices into :data:`VOCAB`, right-padded with 0: a list of N captions → LongTensor (N, L)."""
    rows = [[_INDEX[w] for w in c.lower().split()] for c in captions]
    length = max(len(r) for r in rows)
    return torch.tensor([r + [0] * (length - len(r)) for r in rows], dtype=torch.long)


def place(garments: torch.Tensor | np.ndarray, positions: torch.Tensor | np.ndarray) -> torch.Tensor:
    """Put each 28×28 garment (N, 1, 28, 28) in its quadrant (N,) of a black canvas → (N, 1, 56, 56) float32."""
    g = torch.as_tensor(garments, dtype=torch.float32)
    pos = torch.as_tensor(positions).long()
    out = torch.zeros(len(g), 1, CANVAS, CANVAS)
    half = CANVAS // 2
    for p in range(4):
        idx = (pos == p).nonzero().flatten()
        r, c = (p // 2) * half, (p % 2) * half
        out[idx, :, r:r + half, c:c + half] = g[idx]
    return out


def captioned_fashion(split: str = "train", n: int | None = None, seed: int = 0,
                      held_out: str = "exclude") -> dict[str, Any]:
    """The captioned Fashion-MNIST of chapter 14, built deterministically from :mod:`lecturelib.data`.

    Each Fashion-MNIST image of ``split`` ("train" or "test"; the first ``n`` of a class-balanced subset when
    ``n`` is given) gets a quadrant of the 56×56 canvas drawn by ``numpy.random.default_rng(seed)``, and the
    caption saying its class and position. ``held_out`` decides which (label, position) pairs occur:
    ``"exclude"`` — never a pair of :data:`HELD_OUT` (positions drawn among the three others: the training set);
    ``"only"`` — only the held-out pair of each label; ``"all"`` — the four positions.

    Returns a dict: ``garments`` (N, 1, 28, 28) float32 in [0, 1], ``labels`` (N,) and ``positions`` (N,) int64,
    ``tokens`` LongTensor (N, L), ``captions`` (list of N str). The canvases are ``place(garments, positions)``
    (built per batch: 60 000 canvases would take 750 MB).
    """
    from .data import fashion_mnist_arrays

    if split not in ("train", "test"):
        raise ValueError(f"captioned_fashion: split must be 'train' or 'test', got {split!r}")
    if held_out not in ("exclude", "only", "all"):
        raise ValueError(f"captioned_fashion: held_out must be 'exclude', 'only' or 'all', got {held_out!r}")
    kw = {"n_train": n, "n_test": 10} if split == "train" else {"n_train": 10, "n_test": n}
    (x_tr, y_tr), (x_te, y_te) = fashion_mnist_arrays(**kw)
    x, y = (x_tr, y_tr) if split == "train" else (x_te, y_te)
    gen = np.random.default_rng(seed)
    if held_out == "only":
        pos = y % 4
    elif held_out == "all":
        pos = gen.integers(0, 4, size=len(y))
    else:
        pos = (y % 4 + 1 + gen.integers(0, 3, size=len(y))) % 4        # one of the three other quadrants
    pos = pos.astype(np.int64)
    captions = [caption(a, b) for a, b in zip(y.tolist(), pos.tolist())]
    return {"garments": x, "labels": y.astype(np.int64), "positions": pos, "tokens": tokenize(captions),
            "captions": captions}


# ------------------------------------------------------------------------------------------ DRAW / alignDRAW
def filterbank(g_x: torch.Tensor, g_y: torch.Tensor, log_sigma2: torch.Tensor, log_delta: torch.Tensor,
               n: int, height: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    r"""DRAW's Gaussian filterbanks (Gregor et al., 2015, eqs. 19–26) for a batch of B attention windows.

    ``g_x, g_y, log_sigma2, log_delta`` (B,) are the *unnormalised* parameters emitted by a linear layer:
    the grid centre :math:`g_X = \tfrac{A-1}{2}(\tilde g_X + 1)` (pixel coordinates 0 … A−1, A = ``width``;
    likewise :math:`g_Y` with B = ``height``), stride :math:`\delta = \tfrac{\max(A,B)-1}{n-1} e^{\log\tilde\delta}`,
    variance :math:`\sigma^2 = e^{\log\sigma^2}`. Filter i is centred at :math:`\mu_X^i = g_X + (i - \tfrac{n-1}{2})\delta`:

    .. math:: F_X[i, a] = \frac{1}{Z_X}\exp\Bigl(-\frac{(a - \mu_X^i)^2}{2\sigma^2}\Bigr), \quad \sum_a F_X[i, a] = 1.

    Returns ``F_x`` (B, n, width) and ``F_y`` (B, n, height). Reading is ``F_y x F_x^T`` (an n×n glimpse),
    writing ``F_y^T w F_x`` (an n×n patch spread on the canvas).
    """
    g_x = (width - 1) / 2 * (g_x + 1)
    g_y = (height - 1) / 2 * (g_y + 1)
    delta = (max(width, height) - 1) / max(n - 1, 1) * torch.exp(log_delta)
    sigma2 = torch.exp(log_sigma2)
    offsets = torch.arange(n, dtype=g_x.dtype, device=g_x.device) - (n - 1) / 2
    mu_x = g_x[:, None] + offsets * delta[:, None]                       # (B, n)
    mu_y = g_y[:, None] + offsets * delta[:, None]

    def bank(mu: torch.Tensor, size: int) -> torch.Tensor:
        a = torch.arange(size, dtype=mu.dtype, device=mu.device)
        f = torch.exp(-(a - mu[:, :, None]).pow(2) / (2 * sigma2[:, None, None]))
        return f / f.sum(-1, keepdim=True).clamp_min(1e-8)

    return bank(mu_x, width), bank(mu_y, height)


class AlignDRAW(nn.Module):
    """alignDRAW (Mansimov et al., 2016): DRAW's recurrent canvas, conditioned on a caption.

    Per step t = 1 … T (h^gen = the generative/decoder LSTM's state, h^inf = the inference/encoder LSTM's):

    * error image ``x̂ = x - sigmoid(c_{t-1})``; glimpse ``r_t = read(x, x̂, h^gen_{t-1})`` — two ``read_n``×``read_n``
      Gaussian-attention glimpses (:func:`filterbank`) scaled by the intensity γ;
    * ``h^inf_t = LSTM_inf(h^inf_{t-1}, [r_t, h^gen_{t-1}])``; ``q(z_t | ·) = N(mu(h^inf_t), sigma(h^inf_t))``;
    * prior ``p(z_t | z_{<t}) = N(mu(h^gen_{t-1}), sigma(h^gen_{t-1}))`` (tanh means, exp(tanh) scales, as the
      paper); KL_t between the two in closed form;
    * caption alignment ``alpha_t^k ∝ exp(v^T tanh(U h^lang_k + W h^gen_{t-1} + b))`` over the words k (padding
      masked), ``s_t = sum_k alpha_t^k h^lang_k``, with ``h^lang`` the bidirectional LSTM's states over the word
      embeddings;
    * ``h^gen_t = LSTM_gen(h^gen_{t-1}, [z_t, s_t])``; ``c_t = c_{t-1} + write(h^gen_t)`` — a ``write_n``×``write_n``
      patch placed by a second Gaussian attention.

    The image is ``sigmoid(c_T + b)`` with a learned scalar ``b`` (the canvas starts at 0; ``b`` initialised at
    -2.5 makes the empty canvas nearly black, like the data's background). Loss per image: Bernoulli negative
    log-likelihood of x under ``sigmoid(c_T + b)`` plus ``sum_t KL_t``.
    """

    def __init__(self, canvas: int = CANVAS, T: int = 12, z_dim: int = 16, hidden: int = 192, read_n: int = 6,
                 write_n: int = 8, vocab: int = len(VOCAB), embed: int = 32, lang_hidden: int = 64,
                 align_dim: int = 64) -> None:
        super().__init__()
        self.canvas, self.T, self.z_dim, self.hidden = canvas, T, z_dim, hidden
        self.read_n, self.write_n = read_n, write_n
        self.embedding = nn.Embedding(vocab, embed, padding_idx=0)
        self.lang = nn.LSTM(embed, lang_hidden, batch_first=True, bidirectional=True)
        self.align_lang = nn.Linear(2 * lang_hidden, align_dim)
        self.align_gen = nn.Linear(hidden, align_dim, bias=False)
        self.align_v = nn.Linear(align_dim, 1, bias=False)
        self.inference = nn.LSTMCell(2 * read_n * read_n + hidden, hidden)
        self.generative = nn.LSTMCell(z_dim + 2 * lang_hidden, hidden)
        self.q = nn.Linear(hidden, 2 * z_dim)
        self.prior = nn.Linear(hidden, 2 * z_dim)
        self.read_attention = nn.Linear(hidden, 5)
        self.write_attention = nn.Linear(hidden, 5)
        self.write_patch = nn.Linear(hidden, write_n * write_n)
        self.canvas_bias = nn.Parameter(torch.tensor(-2.5))

    # -- pieces
    def encode_caption(self, tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """tokens (N, L) → (h^lang (N, L, 2·lang_hidden), mask (N, L) bool, True on words)."""
        mask = tokens != 0
        h, _ = self.lang(self.embedding(tokens))
        return h, mask

    def align(self, h_lang: torch.Tensor, lang_proj: torch.Tensor, mask: torch.Tensor,
              h_gen: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Alignment of the decoder state h_gen (N, hidden) over the words → (s_t (N, 2·lang_hidden), alpha (N, L))."""
        scores = self.align_v(torch.tanh(lang_proj + self.align_gen(h_gen)[:, None, :])).squeeze(-1)
        alpha = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=1)
        return torch.bmm(alpha[:, None, :], h_lang).squeeze(1), alpha

    def _window(self, layer: nn.Linear, h: torch.Tensor, n: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        g_x, g_y, log_sigma2, log_delta, log_gamma = layer(h).unbind(1)
        f_x, f_y = filterbank(g_x, g_y, log_sigma2, log_delta, n, self.canvas, self.canvas)
        return f_x, f_y, torch.exp(log_gamma)

    def read(self, x: torch.Tensor, x_err: torch.Tensor, h_gen: torch.Tensor) -> torch.Tensor:
        """Two n×n glimpses of x and of the error image (N, H, W) at the attention h_gen chooses → (N, 2n²)."""
        f_x, f_y, gamma = self._window(self.read_attention, h_gen, self.read_n)
        glimpse = lambda img: (f_y @ img @ f_x.transpose(1, 2)).flatten(1)   # noqa: E731
        return gamma[:, None] * torch.cat([glimpse(x), glimpse(x_err)], dim=1)

    def write(self, h_gen: torch.Tensor) -> torch.Tensor:
        """The canvas update (N, H, W): an n×n patch from h_gen, spread by the write attention and divided by γ."""
        f_x, f_y, gamma = self._window(self.write_attention, h_gen, self.write_n)
        w = self.write_patch(h_gen).view(-1, self.write_n, self.write_n)
        return (f_y.transpose(1, 2) @ w @ f_x) / gamma[:, None, None]

    def _prior(self, h_gen: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, s = self.prior(h_gen).chunk(2, dim=1)
        return torch.tanh(mu), 2 * torch.tanh(s)                     # mean, log variance (sigma = exp(tanh))

    def _start(self, tokens: torch.Tensor) -> tuple:
        n = len(tokens)
        h_lang, mask = self.encode_caption(tokens)
        zeros = h_lang.new_zeros(n, self.hidden)
        canvas = h_lang.new_zeros(n, self.canvas, self.canvas)
        return h_lang, self.align_lang(h_lang), mask, (zeros, zeros.clone()), canvas

    # -- training and sampling
    def forward(self, x: torch.Tensor, tokens: torch.Tensor,
                generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x (N, 1, H, W) in [0, 1], tokens (N, L) → (canvas logits (N, 1, H, W), KL summed over steps (N,))."""
        img = x[:, 0]
        h_lang, lang_proj, mask, gen_state, canvas = self._start(tokens)
        inf_state = (gen_state[0].clone(), gen_state[0].clone())
        kl = img.new_zeros(len(img))
        for _ in range(self.T):
            h_gen = gen_state[0]
            x_err = img - torch.sigmoid(canvas + self.canvas_bias)
            r = self.read(img, x_err, h_gen)
            inf_state = self.inference(torch.cat([r, h_gen], dim=1), inf_state)
            mu_q, logvar_q = self.q(inf_state[0]).chunk(2, dim=1)
            mu_p, logvar_p = self._prior(h_gen)
            eps = torch.randn(mu_q.shape, generator=generator, dtype=mu_q.dtype, device=mu_q.device)
            z = mu_q + torch.exp(0.5 * logvar_q) * eps
            kl = kl + gaussian_kl(mu_q, logvar_q, mu_p, logvar_p)
            s, _ = self.align(h_lang, lang_proj, mask, h_gen)
            gen_state = self.generative(torch.cat([z, s], dim=1), gen_state)
            canvas = canvas + self.write(gen_state[0])
        return (canvas + self.canvas_bias)[:, None], kl

    def loss(self, x: torch.Tensor, tokens: torch.Tensor,
             generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(reconstruction (N,), kl (N,))`` in nats per image; the training loss is their sum's mean."""
        logits, kl = self(x, tokens, generator)
        rec = F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)
        return rec, kl

    @torch.no_grad()
    def generate(self, tokens: torch.Tensor, generator: torch.Generator | None = None, return_steps: bool = False,
                 return_alignment: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        """Sample images for captions: tokens (N, L) → (N, 1, H, W) in [0, 1], z_t drawn from the prior.

        ``return_steps=True`` returns every step's ``sigmoid(c_t + b)``, (N, T, 1, H, W), instead;
        ``return_alignment=True`` also returns the word alignments ``alpha`` (N, T, L) (rows sum to one).
        """
        h_lang, lang_proj, mask, gen_state, canvas = self._start(tokens)
        steps, alphas = [], []
        for _ in range(self.T):
            h_gen = gen_state[0]
            mu_p, logvar_p = self._prior(h_gen)
            eps = torch.randn(mu_p.shape, generator=generator, dtype=mu_p.dtype, device=mu_p.device)
            z = mu_p + torch.exp(0.5 * logvar_p) * eps
            s, alpha = self.align(h_lang, lang_proj, mask, h_gen)
            gen_state = self.generative(torch.cat([z, s], dim=1), gen_state)
            canvas = canvas + self.write(gen_state[0])
            steps.append(torch.sigmoid(canvas + self.canvas_bias)[:, None])
            alphas.append(alpha)
        images = torch.stack(steps, dim=1) if return_steps else steps[-1]
        return (images, torch.stack(alphas, dim=1)) if return_alignment else images


def aligndraw(canvas: int = CANVAS, T: int = 12, z_dim: int = 16, hidden: int = 192, read_n: int = 6,
              write_n: int = 8) -> AlignDRAW:
    """An :class:`AlignDRAW` for ``canvas``×``canvas`` images over ``T`` steps (LSTMs of ``hidden`` units)."""
    return AlignDRAW(canvas=canvas, T=T, z_dim=z_dim, hidden=hidden, read_n=read_n, write_n=write_n)


# ------------------------------------------------------------------------------------------------ checkpoints
def state_to_float16(state: dict[str, torch.Tensor]) -> dict[str, np.ndarray]:
    """A ``state_dict`` for storage: floating tensors as float16 NumPy arrays, the others (counters) unchanged."""
    return {k: (v.detach().cpu().to(torch.float16) if v.is_floating_point() else v.detach().cpu()).numpy()
            for k, v in state.items()}


def _load_state(name: str, directory: str | None) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    from . import checkpoints

    state, meta = checkpoints.load(name, framework="torch", directory=directory)
    return {k: (v.float() if v.is_floating_point() else v) for k, v in state.items()}, meta


def _sub(state: dict[str, torch.Tensor], prefix: str) -> dict[str, torch.Tensor]:
    return {k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}


def load_dcgan(name: str = "dcgan_fashion", directory: str | None = None
               ) -> tuple[nn.Sequential, nn.Sequential, dict[str, Any]]:
    """``(G, D, meta)`` from the checkpoint of ``experiments/dcgan_fashion.py``, in evaluation mode (float32)."""
    state, meta = _load_state(name, directory)
    cfg = meta["config"]
    G, D = dcgan_generator(cfg["z_dim"], cfg["width_g"]), dcgan_discriminator(cfg["width_d"])
    G.load_state_dict(_sub(state, "G."))
    D.load_state_dict(_sub(state, "D."))
    return G.eval(), D.eval(), meta


def load_vae(name: str = "vae_fashion", directory: str | None = None) -> tuple[VAE, dict[str, Any]]:
    """``(model, meta)`` from the checkpoint of ``experiments/vae_fashion.py``, in evaluation mode (float32)."""
    state, meta = _load_state(name, directory)
    cfg = meta["config"]
    model = vae(cfg["z_dim"], cfg["width"], cfg["hidden"])
    model.load_state_dict(state)
    return model.eval(), meta


def load_aligndraw(name: str = "aligndraw_fashion", directory: str | None = None) -> tuple[AlignDRAW, dict[str, Any]]:
    """``(model, meta)`` from the checkpoint of ``experiments/aligndraw_fashion.py``, in evaluation mode (float32)."""
    state, meta = _load_state(name, directory)
    cfg = meta["config"]
    model = aligndraw(cfg["canvas"], cfg["T"], cfg["z_dim"], cfg["hidden"], cfg["read_n"], cfg["write_n"])
    model.load_state_dict(state)
    return model.eval(), meta
