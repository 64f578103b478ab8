"""The two layer sets every builder draws from: PyTorch's built-in layers or :mod:`lecturelib.torch_nn`'s.

``layer_set(impl)`` returns an object whose methods make one layer each, with the same arguments, parameter
names and shapes in both sets, so a builder written once yields two networks that load each other's
``state_dict``. Layers without parameters whose behaviour is one torch operation (ReLU, tanh) are PyTorch's in
both sets. (The LeNet/MLP builders use :mod:`._kit` instead, which adds a NumPy form and keeps the lectures'
(in, out) weight layout; its docstring says why the two tables stay apart.)
"""

from __future__ import annotations

from torch import nn

from .. import torch_nn as tnn
from . import _lecturelib_layers as lll
from ._args import check_choice

__all__ = ["IMPLS", "layer_set"]


class TorchLayers:
    """PyTorch's built-in layers (``impl="torch"``)."""

    name = "torch"

    def conv(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0, groups: int = 1,
             bias: bool = True) -> nn.Module:
        return nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=bias)

    def linear(self, in_features: int, out_features: int) -> nn.Module:
        return nn.Linear(in_features, out_features)

    def batch_norm(self, num_features: int, eps: float = 1e-5) -> nn.Module:
        return nn.BatchNorm2d(num_features, eps=eps)

    def max_pool(self, kernel_size, stride, padding=0, ceil_mode: bool = False) -> nn.Module:
        return nn.MaxPool2d(kernel_size, stride, padding, ceil_mode=ceil_mode)

    def avg_pool(self, kernel_size, stride) -> nn.Module:
        return nn.AvgPool2d(kernel_size, stride)

    def adaptive_avg_pool(self, output_size) -> nn.Module:
        return nn.AdaptiveAvgPool2d(output_size)

    def lrn(self, n: int = 5, k: float = 2.0, alpha: float = 1e-4, beta: float = 0.75) -> nn.Module:
        """AlexNet's ``b_i = a_i / (k + α Σ_window a_j²)^β``; ``torch.nn.LocalResponseNorm`` divides α by n."""
        return nn.LocalResponseNorm(n, alpha=alpha * n, beta=beta, k=k)

    def dropout(self, p: float) -> nn.Module:
        return nn.Dropout(p)

    def flatten(self) -> nn.Module:
        return nn.Flatten()

    def activation(self, name: str = "relu") -> nn.Module:
        return {"relu": nn.ReLU, "tanh": nn.Tanh}[check_choice(name, ("relu", "tanh"), "activation")]()


class LectureLibLayers(TorchLayers):
    """:mod:`lecturelib.torch_nn`'s layers (``impl="lecturelib"``): hand-written backward passes."""

    name = "lecturelib"

    def conv(self, in_channels, out_channels, kernel_size, stride=1, padding=0, groups=1, bias=True):
        return lll.Conv2d(in_channels, out_channels, kernel_size, stride, padding, groups=groups, bias=bias)

    def linear(self, in_features, out_features):
        return lll.Linear(in_features, out_features)

    def batch_norm(self, num_features, eps=1e-5):
        return lll.BatchNorm2d(num_features, eps=eps)

    def max_pool(self, kernel_size, stride, padding=0, ceil_mode=False):
        return lll.MaxPool2d(kernel_size, stride, padding, ceil_mode=ceil_mode)

    def avg_pool(self, kernel_size, stride):
        return tnn.AvgPool2d(kernel_size, stride)

    def adaptive_avg_pool(self, output_size):
        return lll.AdaptiveAvgPool2d(output_size)

    def lrn(self, n=5, k=2.0, alpha=1e-4, beta=0.75):
        return tnn.LRN(n, k, alpha, beta)

    def dropout(self, p):
        return tnn.Dropout(p)

    def flatten(self):
        return tnn.Flatten()


IMPLS = {"torch": TorchLayers(), "lecturelib": LectureLibLayers()}


def layer_set(impl: str) -> TorchLayers:
    """The layer set of ``impl``: ``"torch"`` (PyTorch's layers) or ``"lecturelib"`` (``lecturelib.torch_nn``)."""
    return IMPLS[check_choice(impl, IMPLS, "impl")]
