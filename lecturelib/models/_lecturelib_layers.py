"""``torch.nn``-compatible layers built on :mod:`lecturelib.torch_nn`'s functions (hand-written backward passes).

Each module has the parameter and buffer names and shapes of its ``torch.nn`` namesake, so a network built from
these loads the ``state_dict`` of the same network built from PyTorch's layers, and the other way round:

* :class:`Conv2d` — ``weight`` (out, in/groups, kh, kw), optional ``bias``; groups are computed one after the
  other with :func:`lecturelib.torch_nn.conv2d` (AlexNet's two GPUs) and concatenated.
* :class:`Linear` — ``weight`` (out, in) as ``torch.nn.Linear`` (``lecturelib.torch_nn.Linear`` stores the
  lectures' (in, out)); the forward pass calls :func:`lecturelib.torch_nn.linear` with ``weight.T``.
* :class:`BatchNorm2d` — adds the ``num_batches_tracked`` buffer of ``torch.nn.BatchNorm2d``.
* :class:`MaxPool2d` — padding and ``ceil_mode`` by padding with −∞ before :func:`lecturelib.torch_nn.max_pool2d`.
* :class:`AdaptiveAvgPool2d` — :func:`lecturelib.torch_nn.avg_pool2d` when the input divides into equal windows,
  else PyTorch's adaptive windows ``[⌊iH/h⌋, ⌈(i+1)H/h⌉)`` averaged one by one.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .. import torch_nn as tnn
from ._shapes import window_output_size

__all__ = ["AdaptiveAvgPool2d", "BatchNorm2d", "Conv2d", "Linear", "MaxPool2d"]


def _pair(value) -> tuple[int, int]:
    return (int(value[0]), int(value[1])) if isinstance(value, (tuple, list)) else (int(value), int(value))


class Conv2d(nn.Module):
    """Convolution ``(N, C, H, W) → (N, out_channels, H_out, W_out)``, ``C`` split into ``groups`` groups.

    Group ``g`` sees input channels ``[g·C/G, (g+1)·C/G)`` and produces output channels
    ``[g·out/G, (g+1)·out/G)``, as ``torch.nn.Conv2d(groups=G)``. Initialised as ``torch.nn.Conv2d``.
    """

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, groups: int = 1,
                 bias: bool = True):
        super().__init__()
        if in_channels % groups or out_channels % groups:
            raise ValueError(f"groups={groups} must divide in_channels={in_channels} and "
                             f"out_channels={out_channels}")
        self.in_channels, self.out_channels, self.groups = in_channels, out_channels, groups
        self.kernel_size, self.stride, self.padding = _pair(kernel_size), _pair(stride), _pair(padding)
        self.weight = nn.Parameter(torch.empty(out_channels, in_channels // groups, *self.kernel_size))
        self.bias = nn.Parameter(torch.empty(out_channels)) if bias else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.weight[0].numel())
            nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        bias = self.bias if self.bias is not None else self.weight.new_zeros(self.out_channels)
        if self.groups == 1:
            return tnn.conv2d(x, self.weight, bias, self.stride, self.padding)
        pieces = zip(x.chunk(self.groups, dim=1), self.weight.chunk(self.groups), bias.chunk(self.groups))
        return torch.cat([tnn.conv2d(xg, wg, bg, self.stride, self.padding) for xg, wg, bg in pieces], dim=1)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, stride={self.stride}, "
                f"padding={self.padding}, groups={self.groups}, bias={self.bias is not None}")


class Linear(nn.Module):
    """Fully connected layer ``(N, in) → (N, out)`` with ``weight`` (out, in) as ``torch.nn.Linear``."""

    def __init__(self, in_features: int, out_features: int):
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = nn.Parameter(torch.empty(out_features, in_features))
        self.bias = nn.Parameter(torch.empty(out_features))
        bound = 1 / math.sqrt(in_features)
        nn.init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return tnn.linear(z, self.weight.T, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}"


class BatchNorm2d(nn.Module):
    """Batch normalization per channel of (N, C, H, W) with the parameters and buffers of ``torch.nn.BatchNorm2d``.

    ``weight`` γ = 1, ``bias`` β = 0, buffers ``running_mean`` 0, ``running_var`` 1, ``num_batches_tracked``
    (counts the training batches, as PyTorch does; with a fixed momentum it changes nothing else).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.weight = nn.Parameter(torch.ones(num_features))
        self.bias = nn.Parameter(torch.zeros(num_features))
        self.register_buffer("running_mean", torch.zeros(num_features))
        self.register_buffer("running_var", torch.ones(num_features))
        self.register_buffer("num_batches_tracked", torch.tensor(0, dtype=torch.long))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training:
            self.num_batches_tracked.add_(1)
        return tnn.batch_norm(x, self.weight, self.bias, self.running_mean, self.running_var, self.training,
                              self.momentum, self.eps)

    def extra_repr(self) -> str:
        return f"{self.num_features}, eps={self.eps}, momentum={self.momentum}"


class MaxPool2d(nn.Module):
    """Max pooling (N, C, H, W) → (N, C, H_out, W_out) with PyTorch's ``padding`` and ``ceil_mode``.

    The input is padded with −∞ (never a maximum) so that every window ``torch.nn.MaxPool2d`` takes fits,
    then pooled by :func:`lecturelib.torch_nn.max_pool2d`.
    """

    def __init__(self, kernel_size, stride, padding=0, ceil_mode: bool = False):
        super().__init__()
        self.kernel_size, self.stride, self.padding = _pair(kernel_size), _pair(stride), _pair(padding)
        self.ceil_mode = ceil_mode

    def _pads(self, size: int, axis: int) -> tuple[int, int]:
        k, s, p = self.kernel_size[axis], self.stride[axis], self.padding[axis]
        out = window_output_size(size, k, s, p, self.ceil_mode)
        return p, max(p, (out - 1) * s + k - size - p)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (top, bottom), (left, right) = self._pads(x.shape[2], 0), self._pads(x.shape[3], 1)
        if top or bottom or left or right:
            x = F.pad(x, (left, right, top, bottom), value=-math.inf)
        return tnn.max_pool2d(x, self.kernel_size, self.stride)

    def extra_repr(self) -> str:
        return (f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
                f"ceil_mode={self.ceil_mode}")


class AdaptiveAvgPool2d(nn.Module):
    """Average pooling of (N, C, H, W) to (N, C, h, w) = ``output_size`` whatever H and W are."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = _pair(output_size)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        (H, W), (h, w) = x.shape[2:], self.output_size
        if H % h == 0 and W % w == 0:
            return tnn.avg_pool2d(x, (H // h, W // w), (H // h, W // w))
        rows = [(i * H // h, -(-(i + 1) * H // h)) for i in range(h)]
        cols = [(j * W // w, -(-(j + 1) * W // w)) for j in range(w)]
        cells = [torch.stack([x[:, :, r0:r1, c0:c1].mean(dim=(2, 3)) for c0, c1 in cols], dim=-1)
                 for r0, r1 in rows]
        return torch.stack(cells, dim=-2)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
