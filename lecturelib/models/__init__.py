"""Network architectures of the course (Parts II–VI): one builder per network, each in the forms a chapter compares.

* :func:`lenet5` — LeNet-5 (``models/lenet.py``); :func:`mlp` and :class:`MLP` — fully connected networks
  (``models/mlp.py``). A builder's ``impl`` picks the layers: ``"numpy"`` (:mod:`lecturelib.numpy_nn`),
  ``"lecturelib"`` (:mod:`lecturelib.torch_nn`, hand-written backward passes) or ``"torch"`` (PyTorch's
  built-ins); the forms share parameter names.
* :func:`get_weights` / :func:`set_weights` / :func:`copy_weights` (``models/transfer.py``) move weights between
  any two forms in the lecture's layout.
* :func:`summary` (``models/summary.py``) — each layer's output shape, neurons, parameters and multiply–adds.

The architectures of Part IV, one module each.

Every builder returns a ``torch.nn.Module`` of PyTorch's built-in layers by default; ``impl="lecturelib"``
builds the same network from :mod:`lecturelib.torch_nn`'s layers (hand-written backward passes) with the same
parameter names and shapes, so the two load each other's ``state_dict``. The ImageNet networks have the
``state_dict`` names and shapes of ``torchvision.models`` (AlexNet's ``variant="torchvision"``, VGG, GoogLeNet,
ResNet), so weights trained with torchvision load into them.

=============================================  ====================================  ==================================
builder                                        paper                                 parameters (1000 classes)
=============================================  ====================================  ==================================
``alexnet(variant="paper")``                   Krizhevsky, Sutskever & Hinton, 2012  60,965,224
``alexnet(variant="torchvision")``             torchvision's single tower            61,100,840
``vgg(11 / 13 / 16 / 19)``                     Simonyan & Zisserman, 2015            132.9 / 133.0 / 138.4 / 143.7 M
``nin()``                                      Lin, Chen & Yan, 2014                 966,986 (10 classes)
``googlenet()``                                Szegedy et al., 2015                  6,624,904
``resnet(18 / 34 / 50 / 101 / 152)``           He, Zhang, Ren & Sun, 2016            11.7 / 21.8 / 25.6 / 44.5 / 60.2 M
``alexnet_small()``                            AlexNet's structure for 28×28 inputs  163,146 (10 classes)
``resnet_cifar(depth)``, ``plain_net(depth)``  He et al., 2016, §4.2 (depth 6n + 2)  0.27 M for depth 20
=============================================  ====================================  ==================================

:func:`lecturelib.numpy_nn.residual_block_forward` / ``_backward`` are the basic residual block in NumPy, with
:class:`BasicBlock`'s parameter names.
"""

from .._moved import moved_names as _moved_names
from ._kit import IMPLS
from .lenet import lenet5
from .mlp import MLP, mlp
from .summary import ModelSummary, summary
from .transfer import copy_weights, get_weights, set_weights
from .alexnet import ALEXNET_PAPER_NEURONS, alexnet, alexnet_small
from .bitnet import bitnet
from .blocks import BasicBlock, Bottleneck, PlainBlock, ResidualBlock
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet
from .hexconv import qh_net
from .nin import nin
from .resnet import resnet
from .resnet_cifar import plain_net, resnet_cifar
from .vgg import VGG_CONFIGS, vgg

__all__ = [
    "ALEXNET_PAPER_NEURONS", "BasicBlock", "Bottleneck", "GoogLeNet", "GoogLeNetOutputs", "IMPLS", "MLP",
    "ModelSummary", "PlainBlock", "ResidualBlock", "VGG_CONFIGS", "alexnet", "alexnet_small", "bitnet",
    "copy_weights", "get_weights", "googlenet", "lenet5", "mlp", "nin", "plain_net", "qh_net", "resnet",
    "resnet_cifar", "set_weights", "summary", "vgg",
]


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
