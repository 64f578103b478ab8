"""Network architectures of the course (Parts II–VI): one builder per network, each in the forms a chapter compares.

* :func:`lenet5` — LeNet-5 (``models/lenet.py``); :func:`mlp` and :class:`MLP` — fully connected networks
  (``models/mlp.py``). A builder's ``impl`` picks the layers: ``"numpy"`` (:mod:`lecturelib.numpy_nn`),
  ``"lecturelib"`` (:mod:`lecturelib.torch_nn`, hand-written backward passes) or ``"torch"`` (PyTorch's
  built-ins); the forms share parameter names.
* :func:`get_weights` / :func:`set_weights` / :func:`copy_weights` (``models/transfer.py``) move weights between
  any two forms in the lecture's layout.
* :func:`summary` (``models/summary.py``) — each layer's output shape, neurons, parameters and multiply–adds.

The Part IV builders (AlexNet, VGG, NiN, GoogLeNet, ResNet) get one module each beside these.
"""

from .._moved import moved_names as _moved_names
from ._kit import IMPLS
from .lenet import lenet5
from .mlp import MLP, mlp
from .summary import ModelSummary, summary
from .transfer import copy_weights, get_weights, set_weights

__all__ = ["IMPLS", "MLP", "ModelSummary", "copy_weights", "get_weights", "lenet5", "mlp", "set_weights", "summary"]


def _lenet5_impl(impl: str):
    def build(*args, **kwargs):
        return lenet5(*args, impl=impl, **kwargs)
    return build


def _numpy_layer(name: str):
    from .. import numpy_nn

    return getattr(numpy_nn, name)


__getattr__ = _moved_names("lecturelib.models", {
    "LeNet5": ("lecturelib.models.lenet5(..., impl='numpy')", lambda: _lenet5_impl("numpy")),
    "lenet5_torch_nn": ("lecturelib.models.lenet5(..., impl='lecturelib')", lambda: _lenet5_impl("lecturelib")),
    "lenet5_torch": ("lecturelib.models.lenet5(..., impl='torch')", lambda: _lenet5_impl("torch")),
    **{name: (f"lecturelib.numpy_nn.{name}", lambda name=name: _numpy_layer(name))
       for name in ("AvgPool2d", "Conv2d", "Flatten", "Layer", "Linear", "MaxPool2d", "ReLU", "Sequential", "Tanh")},
})
