"""Checks for chapter 13, looking inside CNNs: integrated gradients by a midpoint Riemann sum (and its
completeness), one step of the fast gradient sign method, the probability of the true class with one occluding
patch, and the KL attribute score of one unit. Each check builds a small network of its own and compares the
student's function with ``lecturelib.interpret``. Each check_* is listed in ``__all__`` and re-exported by the
package."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import assert_close, call_student_on_copies, passed

__all__ = ["check_fgsm_step", "check_ig_midpoint", "check_kl_attribute_score", "check_occluded_probability"]


def _net(seed: int) -> Any:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    net = nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                        nn.Linear(4 * 5 * 5, 12), nn.Tanh(), nn.Linear(12, 6))
    return net.double().eval()


def _images(n: int, seed: int) -> Any:
    import torch

    return torch.rand(n, 1, 10, 10, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def _tensor_result(value: Any, what: str) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value, dtype=np.float64) if value is not None else np.asarray(np.nan)


def check_ig_midpoint(ig_midpoint: Callable[..., Any]) -> None:
    """``ig_midpoint(model, x, target, baseline, steps)`` → integrated gradients (N, C, H, W) with the midpoint
    rule α_k = (k + ½)/steps, k = 0 … steps − 1, each term weighted 1/steps.

    Compared with :func:`lecturelib.interpret.integrated_gradients` (``method="middle"``) on a small network,
    three images, a black and a grey baseline, 5 and 40 steps; then completeness: with 400 steps the
    attributions of each image sum to f_c(x) − f_c(x′) within 1 % of the largest |f_c(x) − f_c(x′)|.
    """
    import torch

    from .. import interpret

    net, x = _net(3), _images(3, 4)
    target = torch.tensor([1, 4, 5])
    for baseline in (torch.zeros_like(x), torch.full_like(x, 0.5)):
        for steps in (5, 40):
            what = f"ig_midpoint(model, x, target, baseline={float(baseline.flatten()[0])}, steps={steps})"
            got = call_student_on_copies(ig_midpoint, net, x.clone(), target.clone(), baseline.clone(), steps,
                                         what="ig_midpoint")
            ref = interpret.integrated_gradients(net, x, target, baseline=baseline, steps=steps, method="middle")
            assert_close(_tensor_result(got, what), ref.numpy(), what, rtol=1e-6, atol=1e-9)
    got = _tensor_result(call_student_on_copies(ig_midpoint, net, x.clone(), target.clone(), torch.zeros_like(x),
                                                400, what="ig_midpoint"), "ig_midpoint")
    with torch.no_grad():
        gap = (net(x) - net(torch.zeros_like(x))).gather(1, target[:, None])[:, 0].numpy()
    err = np.abs(got.reshape(3, -1).sum(axis=1) - gap)
    if err.max() > 0.01 * np.abs(gap).max():
        raise AssertionError(f"completeness: the attributions sum to {got.reshape(3, -1).sum(axis=1)}, "
                             f"f_c(x) − f_c(x′) is {gap}")
    passed("ig_midpoint: equals the midpoint-rule integrated gradients for 2 baselines × 2 step counts, "
           "and the attributions sum to f_c(x) − f_c(x′) (completeness)")


def check_fgsm_step(fgsm_step: Callable[..., Any]) -> None:
    """``fgsm_step(model, x, y, eps)`` → clip_[0,1](x + ε sign ∇_x J(x, y)), (N, C, H, W).

    Compared with :func:`lecturelib.interpret.fgsm` for ε = 0.01, 0.1 and 0.5 on six images of a small network
    (where ε = 0.5 pushes pixels out of [0, 1] unless clipped); also checks that the loss grows."""
    import torch
    import torch.nn.functional as F

    from .. import interpret

    net, x = _net(5), _images(6, 6)
    y = torch.tensor([0, 1, 2, 3, 4, 5])
    for eps in (0.01, 0.1, 0.5):
        what = f"fgsm_step(model, x, y, eps={eps})"
        got = _tensor_result(call_student_on_copies(fgsm_step, net, x.clone(), y.clone(), eps, what="fgsm_step"),
                             what)
        ref = interpret.fgsm(net, x, y, eps).numpy()
        if got.shape == ref.shape and (got.min() < 0 or got.max() > 1):
            raise AssertionError(f"{what}: pixels outside [0, 1] (min {got.min():.3f}, max {got.max():.3f}); "
                                 "clip the adversarial image to the box")
        assert_close(got, ref, what, rtol=1e-6, atol=1e-9)
    with torch.no_grad():
        grew = float(F.cross_entropy(net(torch.from_numpy(got)), y)) > float(F.cross_entropy(net(x), y))
    if not grew:
        raise AssertionError("fgsm_step: the loss did not grow; step along +sign of the gradient of the loss")
    passed("fgsm_step: equals clip(x + ε sign ∇J) for ε = 0.01, 0.1, 0.5, pixels in [0, 1]")


def check_occluded_probability(occluded_probability: Callable[..., Any]) -> None:
    """``occluded_probability(model, image, label, row, col, patch, fill)`` → float: the softmax probability of
    class ``label`` for ``image`` (C, H, W) with the ``patch``×``patch`` square whose top-left pixel is
    (row, col) set to ``fill``.

    Compared with :func:`lecturelib.interpret.occlusion_map` (stride 1) at every position for two images, two
    patch sizes and two fill values; the image passed in must not change."""
    import torch

    from .. import interpret

    net, x = _net(7), _images(2, 8)
    for i, (patch, fill) in enumerate(((3, 0.0), (4, 0.5))):
        image, label = x[i], [2, 5][i]
        ref = interpret.occlusion_map(net, image[None], label, patch=patch, stride=1, fill=fill)[0].numpy()
        got = np.empty_like(ref)
        for r in range(ref.shape[0]):
            for c in range(ref.shape[1]):
                value = call_student_on_copies(occluded_probability, net, image.clone(), label, r, c, patch, fill,
                                               what="occluded_probability")
                try:
                    got[r, c] = float(value.detach() if isinstance(value, torch.Tensor) else value)
                except (TypeError, ValueError):
                    raise AssertionError(f"occluded_probability: expected one number, got {value!r}") from None
        assert_close(got, ref, f"occluded_probability over all positions (patch {patch}, fill {fill})",
                     rtol=1e-6, atol=1e-9)
    passed("occluded_probability: equals the occlusion map at every patch position (2 patch sizes, 2 fills)")


def check_kl_attribute_score(kl_attribute_score: Callable[..., Any]) -> None:
    """``kl_attribute_score(a, has_attr, bins)`` → KL(P⁺ ‖ P⁻) of one unit's activations a (N,) over ``bins``
    equal bins spanning [a.min(), a.max()], P⁺ the histogram of the images with the attribute, P⁻ of those
    without, each normalised, plus 1e-6 in every bin and renormalised (as
    :func:`lecturelib.interpret.kl_divergence`).

    Compared with :func:`lecturelib.interpret.kl_unit_ranking` on three units (an informative one, an
    uninformative one and one whose histograms have empty bins) with 10 and 25 bins."""
    from .. import interpret

    gen = np.random.default_rng(13)
    attr = gen.random(300) < 0.4
    units = np.stack([gen.normal(size=300) + 2.5 * attr, gen.normal(size=300),
                      np.where(attr, gen.exponential(1.0, 300), -gen.exponential(0.5, 300))], axis=1)
    for bins in (10, 25):
        kl, _ = interpret.kl_unit_ranking(units, attr, bins=bins)
        for d in range(3):
            what = f"kl_attribute_score(a, has_attr, bins={bins}) for unit {d}"
            got = call_student_on_copies(kl_attribute_score, units[:, d].copy(), attr.copy(), bins,
                                         what="kl_attribute_score")
            assert_close(np.asarray(float(got)), np.asarray(kl[d]), what, rtol=1e-6, atol=1e-9)
    passed("kl_attribute_score: equals KL(P⁺ ‖ P⁻) for 3 units × 2 bin counts")
