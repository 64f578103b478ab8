"""The layers of ``numpy_nn`` in PyTorch: autograd Functions with hand-written backward passes, GPU-ready.

Each ``*Function`` mirrors its NumPy twin line for line; the lower-case functions validate their inputs
and apply the Function; the ``nn.Module`` wrappers let models compose as usual.
"""

from .linear import Linear, LinearFunction, linear
from .losses import SoftmaxCrossEntropy, SoftmaxCrossEntropyFunction, softmax_cross_entropy
from .conv import Conv2d, Conv2dFunction, conv2d
from .pool import (AvgPool2d, AvgPool2dFunction, Flatten, MaxPool2d, MaxPool2dFunction, avg_pool2d,
                   max_pool2d)
from .batchnorm import BatchNorm, BatchNormFunction, batch_norm
from .dropout import Dropout, DropoutFunction, dropout
from .lrn import LRN, LRNFunction, lrn
from .spp import SpatialPyramidPool, SpatialPyramidPoolFunction, spatial_pyramid_pool
from .residual import Residual
