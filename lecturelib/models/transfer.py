"""One weight-copy API for every form of a network: NumPy models, ``torch_nn`` modules and ``torch.nn`` modules.

Weights travel as an ordered dict ``name → NumPy array`` **in the lecture's layout**: linear weights
(D_in, D_out) — the lecture's ``W``, ``u = W^T z + b`` — whatever the model stores (``torch.nn.Linear`` keeps
the transpose, (out, in)), conv weights (F, C, HH, WW). Parameterised layers are matched **in order**, so the
names may differ between models (an :class:`~lecturelib.models.MLP`'s ``W1, b1, …`` fill a torch model's
``0.weight, 0.bias, …``); every array's shape must match its target's.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["copy_weights", "get_weights", "set_weights"]


def _is_torch_module(model: Any) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return isinstance(model, torch.nn.Module)


def _is_numpy_model(model: Any) -> bool:
    """A NumPy model: ``params`` is a mapping of arrays (``numpy_nn.Layer``s, ``Sequential``, ``MLP``)."""
    params = getattr(model, "params", None)
    return isinstance(params, Mapping) and all(isinstance(v, np.ndarray) for v in params.values())


def _check_model(model: Any, what: str) -> None:
    if not (_is_numpy_model(model) or _is_torch_module(model)):
        raise TypeError(f"{what}: expected a NumPy model (with a params dict of arrays, e.g. numpy_nn.Sequential "
                        f"or models.MLP) or a torch.nn.Module, got {type(model).__name__}")


def _torch_targets(model) -> list[tuple[str, Any, str]]:
    """``(name, module, "weight"|"bias")`` of every leaf module's parameters, in definition order."""
    out = []
    for name, module in model.named_modules():
        if next(module.children(), None) is None and getattr(module, "weight", None) is not None:
            out.extend((f"{name}.{key}", module, key) for key in ("weight", "bias")
                       if getattr(module, key, None) is not None)
    return out


def _transposed(module, key: str) -> bool:
    import torch

    return key == "weight" and isinstance(module, torch.nn.Linear)  # (out, in); torch_nn.Linear is (in, out)


def get_weights(model: Any, grads: bool = False) -> OrderedDict[str, np.ndarray]:
    """Parameters (or, with ``grads=True``, their gradients) of ``model`` as NumPy arrays in the lecture's layout.

    Keys are the model's own names (``"conv1.weight"``, ``"W1"``); the arrays are copies.
    """
    _check_model(model, "get_weights")
    out = OrderedDict()
    if _is_numpy_model(model):
        source = model.grads if grads else model.params
        if grads and not source:
            raise ValueError("get_weights(grads=True): the model has no gradients yet (call backward first)")
        for key in model.params:
            out[key] = np.array(source[key])
        return out
    for name, module, key in _torch_targets(model):
        p = getattr(module, key)
        t = p.grad if grads else p
        if t is None:
            raise ValueError(f"get_weights(grads=True): {name} has no gradient (call backward first)")
        a = t.detach().cpu().numpy().copy()
        out[name] = np.ascontiguousarray(a.T) if _transposed(module, key) else a
    return out


def set_weights(model: Any, weights: Mapping[str, Any]) -> None:
    """Copy ``weights`` (a mapping as :func:`get_weights` returns) into ``model``, in place.

    Parameterised layers are matched in order; each array's shape must match the target's (in the lecture's
    layout); the model keeps its dtype and device.
    """
    _check_model(model, "set_weights")
    if not isinstance(weights, Mapping):
        raise TypeError(f"set_weights: expected a dict name → array, got {type(weights).__name__}")
    values = list(weights.items())
    if _is_numpy_model(model):
        targets = list(model.params.items())
    else:
        targets = _torch_targets(model)
    if len(targets) != len(values):
        raise ValueError(f"model has {len(targets)} parameter arrays, weights holds {len(values)}")
    if _is_numpy_model(model):
        for (name, p), (src, v) in zip(targets, values):
            v = np.asarray(v)
            if v.shape != p.shape:
                raise ValueError(f"{src} has shape {v.shape}, the model's {name} has {p.shape}")
            p[...] = v
        return
    import torch

    with torch.no_grad():
        for (name, module, key), (src, v) in zip(targets, values):
            p = getattr(module, key)
            v = np.asarray(v.detach().cpu() if torch.is_tensor(v) else v)
            if _transposed(module, key):
                v = v.T
            if tuple(v.shape) != tuple(p.shape):
                raise ValueError(f"{src} has shape {v.shape}, the model's {name} has {tuple(p.shape)} "
                                 f"(in the layout the model stores)")
            p.copy_(torch.as_tensor(np.ascontiguousarray(v)).to(dtype=p.dtype, device=p.device))


def copy_weights(src: Any, dst: Any) -> None:
    """Give ``dst`` the parameters of ``src`` (any two of the NumPy, ``torch_nn`` and ``torch.nn`` forms)."""
    set_weights(dst, get_weights(src))
