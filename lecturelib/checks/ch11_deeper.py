"""Checks for chapter 11, deeper networks (VGG, NiN, GoogLeNet, SPP, ResNet). Each check_* is listed in ``__all__`` and re-exported by the package.

* :func:`check_vgg_stack` — output shapes, parameters and multiply–adds of a VGG-style stack, derived by hand,
  compared with ``summary`` of the same stack built from ``torch.nn`` layers;
* :func:`check_residual_backward` — the backward pass of a residual block (two 3×3 convolutions, ReLU, identity
  shortcut) in NumPy, compared with PyTorch's autograd;
* :func:`check_bottleneck_macs` — the multiply–adds of a bottleneck block and of the two 3×3 convolutions it
  replaces, compared with ``summary``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import assert_close, call_student, call_student_on_copies, passed

__all__ = ["check_bottleneck_macs", "check_residual_backward", "check_vgg_stack"]

# VGG-style stacks for check_vgg_stack: (input (C, H, W), config); the first is VGG-11's convolution part.
_VGG_STACKS: list[tuple[tuple[int, int, int], list[int | str]]] = [
    ((3, 224, 224), [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"]),
    ((1, 28, 28), [16, 16, "M", 32, 32, "M", 64, 64, 64, "M"]),
    ((3, 37, 45), [8, "M", 12, 12, "M", 5]),
    ((2, 9, 7), ["M", 4, 4, 4, "M"]),
]


def _meta_summary_rows(input_shape: tuple[int, ...], modules: list[Any]) -> list[dict]:
    import torch
    from torch import nn

    from ..models import summary

    with torch.device("meta"):  # shapes and parameter counts only: no memory, no initialisation
        model = nn.Sequential(*modules())
    return summary(model, input_shape, print_table=False).rows


def _vgg_reference(input_shape: tuple[int, int, int], config: list[int | str]) -> list[tuple[tuple[int, ...], int, int]]:
    from torch import nn

    def modules():
        layers, channels = [], input_shape[0]
        for item in config:
            if item == "M":
                layers.append(nn.MaxPool2d(2, 2))
            else:
                layers.append(nn.Conv2d(channels, int(item), 3, 1, 1))
                channels = int(item)
        return layers

    rows = _meta_summary_rows(input_shape, modules)
    return [(tuple(int(d) for d in r["output_shape"]), int(r["params"]), int(r["macs"])) for r in rows]


def check_vgg_stack(vgg_stack: Callable[..., Any]) -> None:
    """``vgg_stack(config, input_shape)`` → one ``(output_shape, params, macs)`` per entry of ``config``.

    ``config`` is a VGG configuration: an int ``F`` is a 3×3 convolution with ``F`` filters, stride 1, padding 1
    (weights and one bias per filter); ``"M"`` is 2×2 max pooling with stride 2. ``input_shape`` is
    ``(C, H, W)``; ``output_shape`` is ``(C', H', W')``; ``macs`` are the multiply–adds for one image (0 for
    pooling). The reference is ``summary`` of the same stack built from ``torch.nn`` layers: VGG-11's
    convolution part on 224×224, a small stack on 28×28, and odd sizes where pooling drops a row or column.
    """
    for c, (input_shape, config) in enumerate(_VGG_STACKS):
        expected = _vgg_reference(input_shape, config)
        what = f"case {c} (input {input_shape}, config {config})"
        got = call_student(vgg_stack, list(config), tuple(input_shape), what="vgg_stack")
        try:
            got = [(tuple(int(d) for d in shape), int(params), int(macs)) for shape, params, macs in got]
        except (TypeError, ValueError) as exc:
            raise AssertionError(f"{what}: expected a list of (output_shape, params, macs) triples, got {got!r} "
                                 f"({exc})") from None
        if len(got) != len(expected):
            raise AssertionError(f"{what}: expected {len(expected)} triples, one per entry of config, got {len(got)}")
        for i, ((shape, params, macs), (shape_ref, params_ref, macs_ref)) in enumerate(zip(got, expected)):
            layer = f"{what}: entry {i} ({config[i]!r})"
            if shape != shape_ref:
                raise AssertionError(f"{layer}: output shape should be {shape_ref}, got {shape} (a 3×3 convolution "
                                     "with padding 1 keeps the side; 2×2 pooling with stride 2 gives ⌊H/2⌋)")
            if params != params_ref:
                raise AssertionError(f"{layer}: parameters should be {params_ref:,d}, got {params:,d}")
            if macs != macs_ref:
                raise AssertionError(f"{layer}: multiply–adds should be {macs_ref:,d}, got {macs:,d}")
    total = sum(p for _, p, _ in _vgg_reference(*_VGG_STACKS[0]))
    passed(f"vgg_stack: shapes, parameters and multiply–adds agree with summary() for {len(_VGG_STACKS)} stacks "
           f"(VGG-11's convolutions: {total:,d} parameters)")


def _torch_residual(x: np.ndarray, w1: np.ndarray, w2: np.ndarray, dout: np.ndarray):
    """y = relu(conv(relu(conv(x, w1)), w2) + x) and its gradients by autograd (float64)."""
    import torch
    import torch.nn.functional as F

    xt, w1t, w2t = (torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in (x, w1, w2))
    y = F.relu(F.conv2d(F.relu(F.conv2d(xt, w1t, padding=1)), w2t, padding=1) + xt)
    y.backward(torch.from_numpy(dout))
    return y.detach().numpy(), xt.grad.numpy(), w1t.grad.numpy(), w2t.grad.numpy()


def check_residual_backward(residual_forward: Callable[..., Any], residual_backward: Callable[..., Any]) -> None:
    """``residual_backward(dout, cache)`` → ``(dx, dw1, dw2)`` for ``y, cache = residual_forward(x, w1, w2)``.

    The block is ``y = relu(conv(relu(conv(x, w1)), w2) + x)`` with 3×3 convolutions, stride 1, padding 1, no
    bias and the identity shortcut (the chapter's ``residual_forward``). Compared in float64 with PyTorch's
    autograd for three shapes and random upstream errors ``dout``; the forward's ``y`` is compared too.
    """
    gen = np.random.default_rng(111)
    cases = [(2, 3, 5, 5), (1, 4, 6, 7), (3, 2, 4, 4)]
    for c, (N, C, H, W) in enumerate(cases):
        x = gen.standard_normal((N, C, H, W))
        w1 = gen.standard_normal((C, C, 3, 3)) / 3
        w2 = gen.standard_normal((C, C, 3, 3)) / 3
        dout = gen.standard_normal((N, C, H, W))
        y_ref, dx_ref, dw1_ref, dw2_ref = _torch_residual(x, w1, w2, dout)
        what = f"case {c} (x {x.shape}, w1 and w2 {w1.shape})"
        y, cache = residual_forward(x.copy(), w1.copy(), w2.copy())
        assert_close(y, y_ref, f"{what}: residual_forward's y (was the forward changed?)", rtol=1e-10, atol=1e-10)
        got = call_student_on_copies(residual_backward, dout, cache, what="residual_backward", context=what)
        try:
            dx, dw1, dw2 = got
        except (TypeError, ValueError):
            raise AssertionError(f"{what}: expected residual_backward to return (dx, dw1, dw2), got {got!r}") from None
        assert_close(dx, dx_ref, f"{what}: dx (both paths: through the two convolutions and the shortcut)",
                     rtol=1e-8, atol=1e-10)
        assert_close(dw1, dw1_ref, f"{what}: dw1", rtol=1e-8, atol=1e-10)
        assert_close(dw2, dw2_ref, f"{what}: dw2", rtol=1e-8, atol=1e-10)
    passed(f"residual_backward: dx, dw1, dw2 equal PyTorch's autograd for {len(cases)} blocks")


def _bottleneck_reference(C: int, d: int, H: int, W: int) -> tuple[int, int]:
    from torch import nn

    def bottleneck():
        return [nn.Conv2d(C, d, 1, bias=False), nn.Conv2d(d, d, 3, 1, 1, bias=False), nn.Conv2d(d, C, 1, bias=False)]

    def two_3x3():
        return [nn.Conv2d(C, C, 3, 1, 1, bias=False), nn.Conv2d(C, C, 3, 1, 1, bias=False)]

    return tuple(sum(int(r["macs"]) for r in _meta_summary_rows((C, H, W), m)) for m in (bottleneck, two_3x3))


def check_bottleneck_macs(bottleneck_macs: Callable[..., Any]) -> None:
    """``bottleneck_macs(C, d, H, W)`` → ``(macs_bottleneck, macs_two_3x3)`` for one image of C×H×W.

    Bottleneck: 1×1 convolution C → d, 3×3 convolution d → d (padding 1), 1×1 convolution d → C. The block it
    replaces: two 3×3 convolutions C → C (padding 1). Stride 1, no biases (batch norm follows every convolution
    in ResNet). Compared with ``summary`` of the layers built from ``torch.nn`` for ResNet-50's first stage
    (C = 256, d = 64 on 56×56) and other sizes.
    """
    cases = [(256, 64, 56, 56), (1024, 256, 14, 14), (64, 16, 7, 9), (100, 30, 5, 3)]
    for C, d, H, W in cases:
        expected = _bottleneck_reference(C, d, H, W)
        what = f"C = {C}, d = {d}, map {H}×{W}"
        got = call_student(bottleneck_macs, C, d, H, W, what="bottleneck_macs")
        try:
            got = tuple(int(v) for v in got)
        except (TypeError, ValueError):
            raise AssertionError(f"{what}: expected a pair (macs_bottleneck, macs_two_3x3), got {got!r}") from None
        if len(got) != 2:
            raise AssertionError(f"{what}: expected a pair (macs_bottleneck, macs_two_3x3), got {got!r}")
        for name, value, ref in (("macs_bottleneck", got[0], expected[0]), ("macs_two_3x3", got[1], expected[1])):
            if value != ref:
                raise AssertionError(f"{what}: {name} should be {ref:,d}, got {value:,d}")
    b, p = _bottleneck_reference(256, 64, 56, 56)
    passed(f"bottleneck_macs: equal to summary() for {len(cases)} blocks (C = 256, d = 64 on 56×56: "
           f"{b:,d} vs {p:,d}, {p / b:.1f}× fewer)")
