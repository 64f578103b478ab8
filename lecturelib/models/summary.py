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
        head = f"{'layer':<12} {'type':<12} {'output shape':<16} {'neurons':>9} {'parameters':>11} {'mult-adds':>12}"
        lines = [head, "-" * len(head),
                 f"{'input':<12} {'':<12} {str(tuple(self.input_shape)):<16} "
                 f"{int(np.prod(self.input_shape)):>9,d} {'':>11} {'':>12}"]
        for r in self.rows:
            lines.append(f"{r['name']:<12} {r['type']:<12} {str(r['output_shape']):<16} {r['neurons']:>9,d} "
                         f"{r['params']:>11,d} {r['macs']:>12,d}")
        lines += ["-" * len(head),
                  f"{'total':<12} {'':<12} {'':<16} {'':>9} {self.total_params:>11,d} {self.total_macs:>12,d}"]
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


def _summary_torch(model: Any, input_shape: tuple[int, ...]) -> list[dict]:
    import torch

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
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), dtype=dtype, device=device))
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
    return rows


def summary(model: Any, input_shape: tuple[int, ...], print_table: bool = True) -> ModelSummary:
    """Per-layer output shape, neurons, parameters and multiply–adds of ``model`` for one input of ``input_shape``.

    Args:
        model: a NumPy layer (rows are a ``Sequential``'s top-level layers, e.g. ``lenet5()``) or any
            ``torch.nn.Module`` (rows are its leaf modules, in the order of their first call).
        input_shape: shape of one sample without the batch axis, e.g. ``(1, 28, 28)``.
        print_table: print the table.

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
        rows = _summary_torch(model, input_shape)
    else:
        raise TypeError(f"summary: expected a lecturelib.numpy_nn Layer (e.g. a Sequential) or a torch.nn.Module, "
                        f"got {type(model).__name__}")
    result = ModelSummary(rows, input_shape)
    if print_table:
        print(result)
    return result
