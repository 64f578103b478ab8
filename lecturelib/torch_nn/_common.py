"""Helpers shared by the torch_nn layers."""

from __future__ import annotations

import torch

from .._validate import check_array


def check_tensor(x, name: str, ndim=None, floating: bool = True):
    """Like ``_validate.check_array`` but also requires a ``torch.Tensor``."""
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    return check_array(x, name, ndim=ndim, floating=floating)
