"""A summary of a network's sizes: per layer the output shape, neurons, parameters and multiply–adds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..numpy_nn.layer import Layer
from .transfer import _is_torch_module

__all__ = ["ModelSummary", "summary"]


@dataclass
class ModelSummary:
    """Per-layer rows ``{"name", "type", "output_shape", "neurons", "params", "macs"}`` and their totals.

    ``neurons`` = output values per sample, ``params`` = trainable numbers, ``macs`` = multiply–adds per sample
    (convolutions and fully connected layers). ``str()`` gives the table :func:`summary` prints.
    """

    rows: list = field(default_factory=list)
    input_shape: tuple = ()

    @property
    def total_params(self) -> int:
        return int(sum(r["params"] for r in self.rows))

    @property
    def total_macs(self) -> int:
        return int(sum(r["macs"] for r in self.rows))

    def __str__(self) -> str:
        # columns as wide as their longest entry (names like "layer4.1.downsample.0" or "(not called)" types)
        nw = max([12, len("input")] + [len(str(r["name"])) for r in self.rows])
        tw = max([12] + [len(str(r["type"])) for r in self.rows])
        sw = max([16, len(str(tuple(self.input_shape)))] + [len(str(r["output_shape"])) for r in self.rows])
        head = f"{'layer':<{nw}} {'type':<{tw}} {'output shape':<{sw}} {'neurons':>9} {'parameters':>11} {'mult-adds':>12}"
        lines = [head, "-" * len(head),
                 f"{'input':<{nw}} {'':<{tw}} {str(tuple(self.input_shape)):<{sw}} "
                 f"{int(np.prod(self.input_shape)):>9,d} {'':>11} {'':>12}"]
        for r in self.rows:
            shape = str(r["output_shape"]) if r["output_shape"] else "—"
            lines.append(f"{r['name']:<{nw}} {r['type']:<{tw}} {shape:<{sw}} {r['neurons']:>9,d} "
                         f"{r['params']:>11,d} {r['macs']:>12,d}")
        lines += ["-" * len(head),
                  f"{'total':<{nw}} {'':<{tw}} {'':<{sw}} {'':>9} {self.total_params:>11,d} {self.total_macs:>12,d}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ModelSummary({len(self.rows)} layers, {self.total_params:,d} parameters)"


def _summary_numpy(model: Layer, input_shape: tuple[int, ...]) -> list[dict]:
    """One row per top-level layer of a ``numpy_nn.Sequential`` (a single layer is one row)."""
    children = list(model.layers.items()) if hasattr(model, "layers") else [(type(model).__name__, model)]
    x = np.zeros((1, *input_shape), dtype=getattr(model, "dtype", np.float32))
    rows = []
    for name, layer in children:
        macs = layer.macs(tuple(x.shape[1:]))
        x = layer.forward(x, train=False)
        rows.append({"name": name, "type": type(layer).__name__, "output_shape": tuple(x.shape[1:]),
                     "neurons": int(np.prod(x.shape[1:])), "params": layer.num_params, "macs": int(macs)})
    return rows


def _summary_torch(model: Any, input_shape: tuple[int, ...], train: bool = False) -> list[dict]:
    import copy

    import torch

    if train:  # a copy, so that batch norm's running statistics of the caller's model stay as they are
        model = copy.deepcopy(model)
    leaves = [(n, m) for n, m in model.named_modules() if next(m.children(), None) is None]
    calls = []                                       # (name, module, output) in call order
    hooks = []
    for name, module in leaves:
        def hook(module, inputs, output, name=name):
            calls.append((name, module, output))
        hooks.append(module.register_forward_hook(hook))
    try:
        p0 = next(model.parameters(), None)
        dtype = p0.dtype if p0 is not None else torch.float32
        device = p0.device if p0 is not None else torch.device("cpu")
        was_training = model.training
        model.train(train)
        with torch.no_grad():  # two samples: batch norm in training mode needs more than one value per channel
            model(torch.zeros((2 if train else 1, *input_shape), dtype=dtype, device=device))
        model.train(was_training)
    finally:
        for h in hooks:
            h.remove()
    rows, counted = [], set()
    for name, module, out in calls:
        if not torch.is_tensor(out):
            continue
        params = 0
        if id(module) not in counted:  # a module called twice (shared weights) counts its parameters once
            counted.add(id(module))
            params = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
        w = getattr(module, "weight", None)
        per_sample = int(out[0].numel())
        macs = 0
        if torch.is_tensor(w) and w.ndim == 4:
            macs = per_sample * int(w[0].numel())
        elif torch.is_tensor(w) and w.ndim == 2:
            macs = per_sample * int(w.numel() // out.shape[-1])
        rows.append({"name": name, "type": type(module).__name__, "output_shape": tuple(out.shape[1:]),
                     "neurons": per_sample, "params": int(params), "macs": macs})
    # Modules with parameters that this forward never called (GoogLeNet's auxiliary classifiers run only in
    # training mode): listed with their parameters, so the total is always every trainable number.
    for name, module in leaves:
        params = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
        if id(module) not in counted and params:
            counted.add(id(module))
            rows.append({"name": name, "type": f"{type(module).__name__} (not called)", "output_shape": (),
                         "neurons": 0, "params": int(params), "macs": 0})
    return rows


def summary(model: Any, input_shape: tuple[int, ...], print_table: bool = True, *, train: bool = False) -> ModelSummary:
    """Per-layer output shape, neurons, parameters and multiply–adds of ``model`` for one input of ``input_shape``.

    Args:
        model: a NumPy layer (rows are a ``Sequential``'s top-level layers, e.g. ``lenet5()``) or any
            ``torch.nn.Module`` (rows are its leaf modules, in the order of their first call).
        input_shape: shape of one sample without the batch axis, e.g. ``(1, 28, 28)``.
        print_table: print the table.
        train: run a torch model's forward in training mode (on a copy), so that layers used only in training —
            GoogLeNet's auxiliary classifiers — get their shapes and multiply–adds too. In the default
            evaluation mode such layers are still listed, marked "(not called)", with their parameters and no
            multiply–adds: ``total_params`` is always every trainable parameter.

    Returns:
        a :class:`ModelSummary` (``rows``, ``total_params``, ``total_macs``).
    """
    try:
        input_shape = tuple(int(s) for s in input_shape)
    except TypeError:
        raise TypeError(f"summary: input_shape must be a tuple of ints such as (1, 28, 28), got {input_shape!r}") from None
    if not input_shape or min(input_shape) < 1:
        raise ValueError(f"summary: input_shape must be a non-empty tuple of positive ints, got {input_shape}")
    if isinstance(model, Layer):
        rows = _summary_numpy(model, input_shape)
    elif _is_torch_module(model):
        rows = _summary_torch(model, input_shape, train)
    else:
        raise TypeError(f"summary: expected a lecturelib.numpy_nn Layer (e.g. a Sequential) or a torch.nn.Module, "
                        f"got {type(model).__name__}")
    result = ModelSummary(rows, input_shape)
    if print_table:
        print(result)
    return result
