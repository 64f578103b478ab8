"""The NumPy reference: the lectures' equations, forward and backward, in the CS231n layer shape.

Layers return ``(out, cache)`` from ``*_forward`` and take ``(dout, cache)`` in ``*_backward``.
"""

from .activations import (identity, identity_grad, relu, relu_grad, sigmoid, sigmoid_grad, softmax,
                          softmax_jacobian, tanh, tanh_grad)
from .gradcheck import numerical_gradient, rel_error
from .linear import linear_backward, linear_forward
from .losses import mse_loss, softmax_cross_entropy
from .optim import SGD, Optimizer
