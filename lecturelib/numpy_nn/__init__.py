"""The NumPy reference: the lectures' equations, forward and backward, in the CS231n layer shape.

Layers return ``(out, cache)`` from ``*_forward`` and take ``(dout, cache)`` in ``*_backward``.
"""

from .activations import (identity, identity_grad, relu, relu_grad, sigmoid, sigmoid_grad, softmax,
                          softmax_jacobian, tanh, tanh_grad)
from .gradcheck import numerical_gradient, rel_error
from .linear import linear_backward, linear_forward
from .losses import mse_loss, softmax_cross_entropy
from .optim import SGD, Optimizer
from .conv import (col2im, conv2d_backward, conv2d_backward_naive, conv2d_forward, conv2d_forward_naive,
                   conv_output_size, im2col)
from .pool import avgpool2d_backward, avgpool2d_forward, maxpool2d_backward, maxpool2d_forward
from .batchnorm import batchnorm_backward, batchnorm_forward
from .dropout import dropout_backward, dropout_forward
from .lrn import lrn_backward, lrn_forward
from .optim import AdaGrad, Adam, Momentum, Nesterov, RMSProp
from .spp import spp_backward, spp_bins, spp_forward
