"""The NumPy reference: the lectures' equations, forward and backward, in the CS231n layer shape.

Layers return ``(out, cache)`` from ``*_forward`` and take ``(dout, cache)`` in ``*_backward``. Next to each
pair of functions lives its layer object (:class:`Conv2d`, :class:`Linear`, :class:`MaxPool2d`, :class:`ReLU`,
…; the protocol is :class:`Layer`), which owns its parameters and keeps the cache; :class:`Sequential` and
:class:`Residual` are layers made of layers, so blocks nest.
"""

from .activations import (ACTIVATIONS, Identity, ReLU, Sigmoid, Tanh, identity, identity_grad, relu, relu_grad,
                          sigmoid, sigmoid_grad, softmax, softmax_jacobian, tanh, tanh_grad)
from .gradcheck import numerical_gradient, rel_error
from .init import INIT_RULES, init_std
from .layer import Layer
from .linear import Linear, linear_backward, linear_forward
from .losses import mse_loss, softmax_cross_entropy
from .optim import SGD, Optimizer
from .conv import (Conv2d, col2im, conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive,
                   conv_output_size, im2col)
from .pool import (AvgPool2d, Flatten, MaxPool2d, avgpool2d_backward, avgpool2d_forward, maxpool2d_backward,
                   maxpool2d_forward)
from .batchnorm import batchnorm_backward, batchnorm_forward
from .dropout import dropout_backward, dropout_forward
from .lrn import lrn_backward, lrn_forward
from .optim import AdaGrad, Adam, Momentum, Nesterov, RMSProp
from .spp import spp_backward, spp_bins, spp_forward
from .sequential import Sequential
from .residual import Residual
from .residual_block import residual_block_backward, residual_block_forward
