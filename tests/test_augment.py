"""Data augmentation: crops, flips, ten-crop, PCA colour augmentation and mean normalization."""

import numpy as np
import pytest

from lecturelib import augment


def _images(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


@pytest.mark.parametrize("shape", [(5, 3, 8, 10), (5, 8, 10)], ids=["NCHW", "NHW"])
def test_random_crop_takes_genuine_sub_windows(shape):
    x = _images(shape)
    out, offsets = augment.random_crop(x, (4, 6), np.random.default_rng(1), return_offsets=True)
    assert out.shape == shape[:-2] + (4, 6) and out.dtype == x.dtype
    for i, (t, left) in enumerate(offsets):
        np.testing.assert_array_equal(out[i], x[i, ..., t:t + 4, left:left + 6])
        # independent of the reported offsets: the crop occurs somewhere in its own image
        assert any(np.array_equal(out[i], x[i, ..., a:a + 4, b:b + 6]) for a in range(5) for b in range(5))
    assert len({tuple(o) for o in offsets}) > 1                      # each image gets its own window
    # deterministic given the seed; an int seed equals the Generator made from it
    np.testing.assert_array_equal(out, augment.random_crop(x, (4, 6), 1))
    np.testing.assert_array_equal(augment.random_crop(x, 8, 3, pad=2), augment.random_crop(x, 8, 3, pad=2))


def test_random_crop_with_padding_and_full_size():
    x = _images((3, 2, 4, 4)) + 10                                  # no zeros inside the images
    out, offsets = augment.random_crop(x, 4, np.random.default_rng(0), pad=2, return_offsets=True)
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    for i, (t, left) in enumerate(offsets):
        assert 0 <= t <= 4 and 0 <= left <= 4
        np.testing.assert_array_equal(out[i], padded[i, :, t:t + 4, left:left + 4])
    np.testing.assert_array_equal(augment.random_crop(x, 4, 0), x)  # a full-size crop is the image


def test_horizontal_flip():
    x = _images((200, 2, 3, 5))
    out, flipped = augment.horizontal_flip(x, np.random.default_rng(0), p=0.5, return_mask=True)
    np.testing.assert_array_equal(out[flipped], x[flipped][..., ::-1])
    np.testing.assert_array_equal(out[~flipped], x[~flipped])
    assert 0.35 < flipped.mean() < 0.65                               # 200 draws: std 0.035
    np.testing.assert_array_equal(augment.horizontal_flip(x, 0, p=1.0), x[..., ::-1])
    np.testing.assert_array_equal(augment.horizontal_flip(x, 0, p=0.0), x)
    np.testing.assert_array_equal(augment.horizontal_flip(augment.horizontal_flip(x, 0, p=1), 1, p=1), x)
    np.testing.assert_array_equal(augment.horizontal_flip(x, 4), augment.horizontal_flip(x, 4))
    assert augment.horizontal_flip(x[:, 0], 0, p=1.0).shape == (200, 3, 5)


def test_ten_crop_contents():
    x = np.arange(2 * 3 * 6 * 7, dtype=float).reshape(2, 3, 6, 7)
    crops = augment.ten_crop(x, 4)
    assert crops.shape == (10, 2, 3, 4, 4)
    expected = [x[..., :4, :4], x[..., :4, 3:], x[..., 2:, :4], x[..., 2:, 3:], x[..., 1:5, 1:5]]
    for k in range(5):
        np.testing.assert_array_equal(crops[k], expected[k])
        np.testing.assert_array_equal(crops[5 + k], expected[k][..., ::-1])
    assert augment.ten_crop(x[:, 0], (3, 5)).shape == (10, 2, 3, 5)


def _color_images(n=6, seed=0):
    """RGB images whose channels are correlated, so the covariance is not diagonal."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((n, 1, 5, 4))
    return np.concatenate([base, 0.5 * base + 0.3 * rng.standard_normal((n, 1, 5, 4)),
                           rng.standard_normal((n, 1, 5, 4))], axis=1)


def test_rgb_pca_matches_np_cov():
    x = _color_images()
    lam, P = augment.rgb_pca(x)
    cov = np.cov(np.stack([x[:, c].ravel() for c in range(3)]))
    np.testing.assert_allclose(P @ np.diag(lam) @ P.T, cov, atol=1e-12)
    np.testing.assert_allclose(P.T @ P, np.eye(3), atol=1e-12)
    np.testing.assert_allclose(lam, np.sort(np.linalg.eigvalsh(cov))[::-1], rtol=1e-12)
    assert lam[0] >= lam[1] >= lam[2]


def test_rgb_pca_fixes_the_eigenvector_signs(monkeypatch):
    """Another LAPACK may return -p_i for any eigenvector; rgb_pca's output must not depend on that."""
    x = _color_images()
    lam, P = augment.rgb_pca(x)
    largest = P[np.argmax(np.abs(P), axis=0), np.arange(3)]
    assert np.all(largest > 0)                                        # the documented convention
    true_eigh = np.linalg.eigh

    def flipping(signs):
        def flipped_eigh(a, *args, **kwargs):
            w, v = true_eigh(a, *args, **kwargs)
            return w, v * np.asarray(signs)                           # still valid eigenvectors, other signs
        return flipped_eigh

    for flips in ([-1.0, 1.0, 1.0], [1.0, -1.0, -1.0], [-1.0, -1.0, -1.0]):
        monkeypatch.setattr(np.linalg, "eigh", flipping(flips))
        lam_f, P_f = augment.rgb_pca(x)
        out_f = augment.pca_color_augment(x, 5)                       # eigen-pairs computed inside, flipped eigh
        monkeypatch.setattr(np.linalg, "eigh", true_eigh)
        np.testing.assert_array_equal(lam_f, lam)
        np.testing.assert_array_equal(P_f, P)
        np.testing.assert_array_equal(out_f, augment.pca_color_augment(x, 5))


def test_pca_color_shift_is_constant_per_image_and_follows_the_formula():
    x = _color_images()
    out, alpha = augment.pca_color_augment(x, np.random.default_rng(3), std=0.1, return_alpha=True)
    shift = out - x
    np.testing.assert_allclose(shift, np.broadcast_to(shift[:, :, :1, :1], shift.shape), atol=1e-14)
    lam, P = augment.rgb_pca(x)
    for n in range(x.shape[0]):                                       # I_xy += [p1 p2 p3][α1λ1 α2λ2 α3λ3]^T
        np.testing.assert_allclose(shift[n, :, 0, 0], P @ (alpha[n] * lam), atol=1e-14)
    assert not np.allclose(alpha[0], alpha[1])                        # α drawn per image
    np.testing.assert_array_equal(out, augment.pca_color_augment(x, 3))
    np.testing.assert_array_equal(augment.pca_color_augment(x, 3, std=0.0), x)
    # given eigen-pairs are used as they are; α ~ N(0, std²) (2000 × 3 draws: std of the estimate ≈ 1%)
    many = np.zeros((2000, 3, 1, 1))
    out, alpha = augment.pca_color_augment(many, 0, std=0.2, eigvals=np.array([3.0, 2.0, 1.0]),
                                           eigvecs=np.eye(3), return_alpha=True)
    np.testing.assert_allclose(out[:, :, 0, 0], alpha * [3.0, 2.0, 1.0], atol=1e-15)
    assert abs(alpha.std() - 0.2) < 0.01
    assert augment.pca_color_augment(x.astype(np.float32), 0).dtype == np.float32


def test_mean_normalize():
    x = _images((6, 3, 4, 5)) + 2
    out, mean = augment.mean_normalize(x)                              # per channel
    assert mean.shape == (3,)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    out, mean = augment.mean_normalize(x, per="pixel")
    assert mean.shape == (3, 4, 5)
    np.testing.assert_allclose(out.mean(axis=0), 0, atol=1e-12)
    test = _images((2, 3, 4, 5), seed=1)
    np.testing.assert_allclose(augment.mean_normalize(test, mean)[0], test - mean)   # training mean reused
    g = _images((4, 3, 3))
    out, mean = augment.mean_normalize(g)
    assert mean.shape == () and abs(out.mean()) < 1e-12
    assert augment.mean_normalize(g, per="pixel")[1].shape == (3, 3)
    assert augment.mean_normalize(np.ones((2, 3, 3), dtype=np.uint8))[0].dtype == np.float64


@pytest.mark.parametrize("call,match", [
    (lambda: augment.random_crop(np.ones((2, 3, 4, 4)), 5, 0), r"larger"),
    (lambda: augment.random_crop(np.ones((2, 3, 4, 4)), 0, 0), r"positive int"),
    (lambda: augment.random_crop(np.ones((4, 4)), 2, 0), r"3 or 4 dim"),
    (lambda: augment.random_crop(np.ones((2, 4, 4)), 2, 0, pad=-1), r"pad"),
    (lambda: augment.random_crop(np.ones((2, 4, 4)), 2, "seed"), r"Generator"),
    (lambda: augment.horizontal_flip(np.ones((2, 4, 4)), 0, p=1.5), r"\[0, 1\]"),
    (lambda: augment.ten_crop(np.ones((1, 3, 4, 4)), (3, 5)), r"larger"),
    (lambda: augment.rgb_pca(np.ones((2, 4, 4, 3))), r"\(N, 3, H, W\)"),
    (lambda: augment.pca_color_augment(np.ones((2, 3, 2, 2)), 0, std=-1), r"std"),
    (lambda: augment.pca_color_augment(np.ones((2, 3, 2, 2)), 0, eigvals=np.ones(3)), r"both"),
    (lambda: augment.pca_color_augment(np.ones((2, 3, 2, 2)), 0, eigvals=np.ones(2), eigvecs=np.eye(3)),
     r"\(3,\)"),
    (lambda: augment.mean_normalize(np.ones((2, 3, 4, 4)), np.ones(4)), r"shape"),
    (lambda: augment.mean_normalize(np.ones((2, 3, 4, 4)), per="image"), r"per"),
])
def test_bad_input_raises_value_error(call, match):
    with pytest.raises(ValueError, match=match):
        call()
