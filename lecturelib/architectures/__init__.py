"""The architectures of Part IV: AlexNet, VGG, NiN, GoogLeNet, ResNet, and the small networks the chapters train.

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

:func:`residual_block_forward` / :func:`residual_block_backward` are the basic residual block in NumPy (built
from :mod:`lecturelib.numpy_nn`), with :class:`BasicBlock`'s parameter names.
"""

from .alexnet import ALEXNET_PAPER_NEURONS, alexnet, alexnet_small
from .blocks import BasicBlock, Bottleneck, PlainBlock, ResidualBlock
from .googlenet import GoogLeNet, GoogLeNetOutputs, googlenet
from .nin import nin
from .numpy_residual import residual_block_backward, residual_block_forward
from .resnet import resnet
from .resnet_cifar import plain_net, resnet_cifar
from .vgg import VGG_CONFIGS, vgg

__all__ = [
    "ALEXNET_PAPER_NEURONS",
    "BasicBlock",
    "Bottleneck",
    "GoogLeNet",
    "GoogLeNetOutputs",
    "PlainBlock",
    "ResidualBlock",
    "VGG_CONFIGS",
    "alexnet",
    "alexnet_small",
    "googlenet",
    "nin",
    "plain_net",
    "residual_block_backward",
    "residual_block_forward",
    "resnet",
    "resnet_cifar",
    "vgg",
]
