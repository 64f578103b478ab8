"""Checks for chapter 10, from LeNet to AlexNet: the output shapes and parameter counts of a stack of
convolution, pooling and fully connected layers (derived by hand, compared with the built network's
``summary``), and a grouped convolution assembled from ordinary ones (compared with ``groups=``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import assert_close, call_student, passed

__all__ = ["check_grouped_conv2d", "check_stack_shapes"]

# Stacks for check_stack_shapes: (input (C, H, W), layers). The first is AlexNet as published.
_STACKS: list[tuple[tuple[int, int, int], list[tuple]]] = [
    ((3, 227, 227), [("conv", 96, 11, 4, 0, 1), ("pool", 3, 2), ("conv", 256, 5, 1, 2, 2), ("pool", 3, 2),
                     ("conv", 384, 3, 1, 1, 1), ("conv", 384, 3, 1, 1, 2), ("conv", 256, 3, 1, 1, 2),
                     ("pool", 3, 2), ("fc", 4096), ("fc", 4096), ("fc", 1000)]),
    ((3, 224, 224), [("conv", 96, 11, 4, 0, 1), ("pool", 3, 2), ("conv", 256, 5, 1, 2, 2)]),
    ((1, 28, 28), [("conv", 6, 5, 1, 2, 1), ("pool", 2, 2), ("conv", 16, 5, 1, 0, 1), ("pool", 2, 2),
                   ("fc", 120), ("fc", 84), ("fc", 10)]),
    ((4, 31, 29), [("conv", 8, 3, 2, 1, 2), ("pool", 3, 2), ("conv", 12, 4, 3, 2, 4), ("conv", 6, 1, 1, 0, 3),
                   ("fc", 5)]),
    ((6, 20, 20), [("conv", 9, 7, 3, 0, 3), ("pool", 2, 1), ("fc", 7)]),
]


def _build(input_shape: tuple[int, int, int], layers: list[tuple]) -> Any:
    import torch
    from torch import nn

    modules: list[Any] = []
    channels, flat = input_shape[0], False
    with torch.device("meta"):  # no memory, no initialisation cost: only shapes and parameter counts
        for layer in layers:
            if layer[0] == "conv":
                _, out, k, s, p, g = layer
                modules.append(nn.Conv2d(channels, out, k, s, p, groups=g))
                channels = out
            elif layer[0] == "pool":
                modules.append(nn.MaxPool2d(layer[1], layer[2]))
            else:
                if not flat:
                    modules.append(nn.Flatten())
                    flat = True
                modules.append(nn.LazyLinear(layer[1]))
        model = nn.Sequential(*modules)
        model(torch.zeros((1, *input_shape)))      # materialise the lazy layers' shapes
    return model


def _reference(input_shape: tuple[int, int, int], layers: list[tuple]) -> list[tuple[tuple[int, ...], int]]:
    from ..models import summary

    rows = summary(_build(input_shape, layers), input_shape, print_table=False).rows
    rows = [r for r in rows if r["type"] != "Flatten"]
    return [(tuple(int(d) for d in r["output_shape"]), int(r["params"])) for r in rows]


def check_stack_shapes(stack_shapes: Callable[..., Any]) -> None:
    """``stack_shapes(input_shape, layers)`` → one ``(output_shape, params)`` per layer.

    ``input_shape`` is ``(C, H, W)``; a layer is ``("conv", out_channels, kernel, stride, padding, groups)``,
    ``("pool", kernel, stride)`` (max pooling, no padding) or ``("fc", out_features)`` (the first one flattens
    its input). ``output_shape`` is ``(C, H, W)`` for conv and pool, ``(out_features,)`` for fc; ``params``
    counts weights and biases. The reference is ``summary`` of the same stack built from ``torch.nn`` layers.
    Cases: AlexNet as published (227×227, two groups), its first layers on 224×224 (a size that does not
    divide), LeNet-5, and two odd stacks (stride 3, non-square input, four groups, 1×1 convolution).
    """
    for c, (input_shape, layers) in enumerate(_STACKS):
        expected = _reference(input_shape, layers)
        what = f"case {c} (input {input_shape}, layers {layers})"
        got = call_student(stack_shapes, tuple(input_shape), [tuple(layer) for layer in layers], what="stack_shapes")
        try:
            got = [(tuple(int(d) for d in shape), int(params)) for shape, params in got]
        except (TypeError, ValueError) as exc:
            raise AssertionError(f"{what}: expected a list of (output_shape, params) pairs, got {got!r} "
                                 f"({exc})") from None
        if len(got) != len(expected):
            raise AssertionError(f"{what}: expected {len(expected)} (output_shape, params) pairs, one per layer, "
                                 f"got {len(got)}")
        for i, ((shape, params), (shape_ref, params_ref)) in enumerate(zip(got, expected)):
            if shape != shape_ref:
                raise AssertionError(f"{what}: layer {i} {layers[i]}: output shape should be {shape_ref}, got "
                                     f"{shape} (side = ⌊(H + 2p − k)/s⌋ + 1)")
            if params != params_ref:
                raise AssertionError(f"{what}: layer {i} {layers[i]}: parameters should be {params_ref:,d}, got "
                                     f"{params:,d}")
    passed(f"stack_shapes: output shapes and parameter counts agree with summary() for {len(_STACKS)} stacks, "
           "AlexNet's 60,965,224 parameters included")


def check_grouped_conv2d(grouped_conv2d: Callable[..., Any]) -> None:
    """``grouped_conv2d(x, weight, bias, groups, stride, padding)`` → ``F.conv2d(..., groups=groups)``.

    ``x`` (N, C, H, W), ``weight`` (F, C/groups, k, k), ``bias`` (F,): the input's channels and the filters are
    split into ``groups`` consecutive blocks, block g of the filters sees only block g of the channels, and the
    outputs are concatenated along the channels. Compared in float64 with ``torch.nn.functional.conv2d`` for
    2, 3 and 4 groups, stride and padding, and one group (an ordinary convolution).
    """
    import torch
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(100)
    # N, C, H, W, F, k, groups, stride, padding
    cases = [(2, 4, 9, 9, 6, 3, 2, 1, 1), (1, 6, 8, 10, 9, 3, 3, 2, 0), (3, 8, 7, 7, 8, 5, 4, 1, 2),
             (2, 3, 6, 6, 4, 3, 1, 1, 1), (2, 4, 11, 11, 4, 5, 2, 3, 2)]
    for c, (N, C, H, W, Fo, k, groups, s, p) in enumerate(cases):
        x = torch.randn(N, C, H, W, generator=g, dtype=torch.float64)
        w = torch.randn(Fo, C // groups, k, k, generator=g, dtype=torch.float64)
        b = torch.randn(Fo, generator=g, dtype=torch.float64)
        ref = F.conv2d(x, w, b, stride=s, padding=p, groups=groups)
        what = f"case {c} (x {tuple(x.shape)}, weight {tuple(w.shape)}, groups {groups}, stride {s}, padding {p})"
        out = call_student(grouped_conv2d, x.clone(), w.clone(), b.clone(), groups, s, p, what="grouped_conv2d")
        if not torch.is_tensor(out):
            out = torch.as_tensor(np.asarray(out))
        assert_close(out, ref.numpy(), f"{what}: output", rtol=1e-10, atol=1e-10)
    passed(f"grouped_conv2d: equal to conv2d(groups=g) for {len(cases)} layers (g = 1, 2, 3, 4)")
