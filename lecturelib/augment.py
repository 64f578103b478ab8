"""Data augmentation and input normalization in NumPy (lecture 000 "Data Augmentation", 001 "Mean
normalization", AlexNet deck 004 "データの拡張").

AlexNet enlarges its training set (×2048) with label-preserving transformations:

1. **translations and reflections** (トリミング＋鏡像): training uses random 224×224 crops of the 256×256
   images and their horizontal mirror images (:func:`random_crop`, :func:`horizontal_flip`); testing
   averages the predictions on ten patches, the four corner crops and the centre crop and their mirror
   images (:func:`ten_crop`);
2. **changes of the RGB intensities** (輝度の変更), PCA colour augmentation (:func:`rgb_pca`,
   :func:`pca_color_augment`): to every pixel ``I_xy = [I^R_xy, I^G_xy, I^B_xy]^T`` of an image add

       I_xy ← I_xy + [p_1 p_2 p_3] [α_1 λ_1, α_2 λ_2, α_3 λ_3]^T,     α_i ~ N(0, σ²)  (σ = 0.1)

   where ``p_i, λ_i`` are the eigenvectors and eigenvalues of the 3×3 covariance matrix of the RGB pixel
   values of the training set, and the α_i are drawn once per image (the same shift for all its pixels).

Mean normalization (:func:`mean_normalize`) subtracts the training set's mean, per pixel (x, y) or per
channel (ignoring x, y).

Images are batches, (N, C, H, W) or (N, H, W) for single-channel images (the PCA colour functions need
(N, 3, H, W)). Random functions take ``rng``: a ``numpy.random.Generator``, an int seed, or ``None`` (the
library's generator, which ``lecturelib.set_seed`` seeds).
"""

from __future__ import annotations

import numbers

import numpy as np

from ._random import as_generator
from ._validate import check_array
from ._contracts import Seed

__all__ = ["horizontal_flip", "mean_normalize", "pca_color_augment", "random_crop", "rgb_pca", "ten_crop"]


def _rng(rng) -> np.random.Generator:
    return as_generator(rng)


def _check_batch(x, name="x"):
    check_array(x, name, ndim=(3, 4), floating=False, numpy=True)
    return x


def _size2(size, name="size"):
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        size = (size, size)
    if (not isinstance(size, (tuple, list)) or len(size) != 2
            or not all(isinstance(s, numbers.Integral) and not isinstance(s, bool) and s > 0 for s in size)):
        raise ValueError(f"{name} must be a positive int or a pair (height, width) of them, got {size!r}")
    return int(size[0]), int(size[1])


def random_crop(x: np.ndarray, size: int | tuple[int, int], rng: Seed = None, pad: int = 0,
                return_offsets: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Crop a random ``size`` window out of every image (independently), after optional zero padding.

    Args:
        x: images (N, C, H, W) or (N, H, W).
        size: crop size, an int (square) or (h, w).
        rng: Generator, int seed or None.
        pad: zero padding added on every side of H and W before cropping (CIFAR-style translations).
        return_offsets: also return the (N, 2) array of (top, left) corners, in padded coordinates.

    Returns:
        crops (N, C, h, w) or (N, h, w) with ``x``'s dtype (and the offsets if asked for).
    """
    _check_batch(x)
    h, w = _size2(size)
    if isinstance(pad, bool) or not isinstance(pad, numbers.Integral) or pad < 0:
        raise ValueError(f"pad must be a non-negative int, got {pad!r}")
    rng = _rng(rng)
    if pad:
        widths = [(0, 0)] * (x.ndim - 2) + [(pad, pad), (pad, pad)]
        x = np.pad(x, widths)
    H, W = x.shape[-2:]
    if h > H or w > W:
        raise ValueError(f"crop size {(h, w)} is larger than the (padded) images {(H, W)}")
    N = x.shape[0]
    tops = rng.integers(0, H - h + 1, size=N)
    lefts = rng.integers(0, W - w + 1, size=N)
    out = np.empty(x.shape[:-2] + (h, w), dtype=x.dtype)
    for i, (t, left) in enumerate(zip(tops, lefts)):
        out[i] = x[i, ..., t:t + h, left:left + w]
    if return_offsets:
        return out, np.stack([tops, lefts], axis=1)
    return out


def horizontal_flip(x: np.ndarray, rng: Seed = None, p: float = 0.5,
                    return_mask: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Mirror each image left–right (along W) independently with probability ``p``.

    Args:
        x: images (N, C, H, W) or (N, H, W).
        rng: Generator, int seed or None.
        p: probability of flipping an image, in [0, 1].
        return_mask: also return the boolean (N,) array saying which images were flipped.

    Returns:
        a new array of ``x``'s shape and dtype (and the mask if asked for).
    """
    _check_batch(x)
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"p (the flip probability) must be a number in [0, 1], got {p!r}")
    flip = _rng(rng).random(x.shape[0]) < p
    out = x.copy()
    out[flip] = x[flip][..., ::-1]
    return (out, flip) if return_mask else out


def ten_crop(x: np.ndarray, size: int | tuple[int, int]) -> np.ndarray:
    """AlexNet's ten test patches: the four corner crops and the centre crop, then their mirror images.

    Args:
        x: images (N, C, H, W) or (N, H, W).
        size: crop size, an int (square) or (h, w).

    Returns:
        array (10, N, C, h, w) (or (10, N, h, w)) in the order top-left, top-right, bottom-left,
        bottom-right, centre, followed by the horizontal mirror image of each of those five in the same order
        (torchvision's ``TenCrop`` order). The centre crop starts at ``((H − h)//2, (W − w)//2)``.
    """
    _check_batch(x)
    h, w = _size2(size)
    H, W = x.shape[-2:]
    if h > H or w > W:
        raise ValueError(f"crop size {(h, w)} is larger than the images {(H, W)}")
    corners = [(0, 0), (0, W - w), (H - h, 0), (H - h, W - w), ((H - h) // 2, (W - w) // 2)]
    five = [x[..., t:t + h, left:left + w] for t, left in corners]
    return np.stack(five + [c[..., ::-1] for c in five])


def _check_rgb(images, name="images"):
    check_array(images, name, ndim=4, floating=False, numpy=True)
    if images.shape[1] != 3:
        raise ValueError(f"{name}: expected RGB images (N, 3, H, W), got shape {images.shape}; "
                         "for (N, H, W, 3) images pass images.transpose(0, 3, 1, 2)")
    if not np.issubdtype(images.dtype, np.floating):
        images = images.astype(np.float64)
    return images


def rgb_pca(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eigen-decomposition of the 3×3 covariance matrix of the RGB values of all pixels of ``images``.

    Args:
        images: (N, 3, H, W); every pixel of every image is one sample of the 3-vector (R, G, B).

    Returns:
        ``(eigvals, eigvecs)``: eigenvalues λ (3,) in decreasing order and the matching unit eigenvectors
        as the *columns* ``p_i = eigvecs[:, i]`` of a (3, 3) array, so ``cov = P diag(λ) P^T``. The
        covariance is ``np.cov`` of the pixels (normalised by the number of pixels − 1).

    Sign convention: an eigenvector is only defined up to its sign, and LAPACK builds may return either.
    Each ``p_i`` is therefore flipped, if needed, so that its component of largest magnitude is positive
    (the first such component on an exact tie). The output is then the same whichever sign ``eigh``
    returned, and so is :func:`pca_color_augment`'s shift ``P (α ⊙ λ)`` for given ``α``.
    """
    images = _check_rgb(images)
    pixels = images.transpose(1, 0, 2, 3).reshape(3, -1).astype(np.float64)
    if pixels.shape[1] < 2:
        raise ValueError(f"images: need at least 2 pixels to estimate a covariance, got shape {images.shape}")
    eigvals, eigvecs = np.linalg.eigh(np.cov(pixels))
    order = np.argsort(eigvals)[::-1]
    eigvals, eigvecs = eigvals[order], eigvecs[:, order]
    largest = eigvecs[np.argmax(np.abs(eigvecs), axis=0), np.arange(3)]   # the largest-magnitude component of p_i
    eigvecs = eigvecs * np.where(largest < 0, -1.0, 1.0)                   # made positive: a fixed sign
    return eigvals, eigvecs


def pca_color_augment(images: np.ndarray, rng: Seed = None, std: float = 0.1, eigvals: np.ndarray | None = None,
                      eigvecs: np.ndarray | None = None,
                      return_alpha: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """AlexNet's PCA colour augmentation ``I_xy ← I_xy + [p_1 p_2 p_3][α_1λ_1, α_2λ_2, α_3λ_3]^T``.

    Args:
        images: (N, 3, H, W); integer images are converted to float64 (no clipping is applied).
        rng: Generator, int seed or None. ``α`` (N, 3) is drawn once per image, ``α_i ~ N(0, std²)``.
        std: standard deviation σ of the α_i (AlexNet: 0.1); 0 returns an unchanged copy.
        eigvals, eigvecs: λ (3,) and P (3, 3) with eigenvectors as columns, from :func:`rgb_pca` of the
            *training set*; when both are ``None`` they are computed from ``images`` themselves.
        return_alpha: also return the α (N, 3) that were drawn.

    Returns:
        augmented images, same shape and (floating) dtype (and α if asked for). The shift added to image n
        is the same at every pixel: ``P (α_n ⊙ λ)``.
    """
    images = _check_rgb(images)
    if isinstance(std, bool) or not isinstance(std, numbers.Real) or not std >= 0:
        raise ValueError(f"std must be a non-negative number, got {std!r}")
    if (eigvals is None) != (eigvecs is None):
        raise ValueError("pass both eigvals and eigvecs (from rgb_pca of the training set) or neither")
    if eigvals is None:
        eigvals, eigvecs = rgb_pca(images)
    eigvals, eigvecs = np.asarray(eigvals, dtype=np.float64), np.asarray(eigvecs, dtype=np.float64)
    if eigvals.shape != (3,) or eigvecs.shape != (3, 3):
        raise ValueError(f"eigvals must have shape (3,) and eigvecs (3, 3), got {eigvals.shape} and "
                         f"{eigvecs.shape}")
    alpha = _rng(rng).normal(0.0, std, size=(images.shape[0], 3))   # α_i ~ N(0, σ²), once per image
    shift = (alpha * eigvals) @ eigvecs.T                             # row n: P (α_n ⊙ λ)
    out = images + shift[:, :, None, None].astype(images.dtype)
    return (out, alpha) if return_alpha else out


def mean_normalize(x: np.ndarray, mean: np.ndarray | float | None = None,
                   per: str = "channel") -> tuple[np.ndarray, np.ndarray]:
    """Subtract the mean image (per pixel) or the mean colour (per channel).

    Args:
        x: images (N, C, H, W) or (N, H, W); integer images are converted to float64.
        mean: the mean to subtract, typically the training set's, returned by an earlier call; ``None``
            computes it from ``x``. Its shape says how it applies: ``x.shape[1:]`` per pixel, (C,) per
            channel for (N, C, H, W), () for (N, H, W).
        per: when ``mean`` is None, ``"channel"`` (average over N, H, W: one value per channel, "x,y は無視
            して画像全体で平均") or ``"pixel"`` (average over N: one value per channel and (x, y)).

    Returns:
        ``(x − mean, mean)``; ``mean`` has shape (C,) / () per channel or ``x.shape[1:]`` per pixel.
    """
    _check_batch(x)
    if not np.issubdtype(x.dtype, np.floating):
        x = x.astype(np.float64)
    channel_shape = (x.shape[1],) if x.ndim == 4 else ()
    if mean is None:
        if per == "channel":
            mean = x.mean(axis=(0, 2, 3) if x.ndim == 4 else None)
        elif per == "pixel":
            mean = x.mean(axis=0)
        else:
            raise ValueError(f"per must be 'channel' or 'pixel', got {per!r}")
    mean = np.asarray(mean, dtype=x.dtype)
    if mean.shape == x.shape[1:]:
        return x - mean, mean
    if mean.shape == channel_shape:
        return x - (mean.reshape(-1, 1, 1) if x.ndim == 4 else mean), mean
    raise ValueError(f"mean must have shape {x.shape[1:]} (per pixel) or {channel_shape} (per channel) for x "
                     f"of shape {x.shape}, got {mean.shape}")
