"""The layers of ``numpy_nn`` in PyTorch: autograd Functions with hand-written backward passes, GPU-ready.

Each ``*Function`` mirrors its NumPy twin line for line; the lower-case functions validate their inputs
and apply the Function; the ``nn.Module`` wrappers let models compose as usual.
"""

from .linear import Linear, LinearFunction, linear
from .losses import SoftmaxCrossEntropy, SoftmaxCrossEntropyFunction, softmax_cross_entropy
