"""The basic residual block in NumPy, forward and backward (He, Zhang, Ren & Sun, 2016).

``y = relu(F(x) + s(x))`` with ``F(x) = bn2(conv2(relu(bn1(conv1(x)))))`` (3×3 convolutions without bias, the
first with the block's stride) and ``s`` the identity or, where the shape changes, the projection
``bn(conv1×1(x))`` — :class:`lecturelib.models.BasicBlock` layer for layer, with its parameter names, so
``{k: t.numpy() for k, t in block.state_dict().items()}`` feeds it directly.

The backward pass is the chain rule through the sum: the error ``δ_u = δ_y ⊙ relu'(u)`` of ``u = F(x) + s(x)``
flows unchanged into *both* branches, and ``∂J/∂x`` is the sum of what comes back from ``F`` and from ``s``
(``δ_u`` itself for the identity) — the reason gradients reach the first layers of a deep residual network.
"""

from __future__ import annotations

import numpy as np

from .activations import relu, relu_grad
from .batchnorm import batchnorm_backward, batchnorm_forward
from .conv import conv2d_backward, conv2d_forward

__all__ = ["residual_block_backward", "residual_block_forward"]

_BRANCH = (("conv1", "bn1"), ("conv2", "bn2"))
_PROJECTION = ("downsample.0", "downsample.1")


def _conv_bn_forward(x, params, buffers, conv, bn, stride, pad, train):
    w = params[f"{conv}.weight"]
    u, conv_cache = conv2d_forward(x, w, np.zeros(w.shape[0], dtype=x.dtype), stride, pad)
    y, bn_cache = batchnorm_forward(u, params[f"{bn}.weight"], params[f"{bn}.bias"],
                                        buffers[f"{bn}.running_mean"], buffers[f"{bn}.running_var"], train)
    return y, (conv, bn, conv_cache, bn_cache)


def _conv_bn_backward(dy, cache):
    conv, bn, conv_cache, bn_cache = cache
    du, dgamma, dbeta = batchnorm_backward(dy, bn_cache)
    dx, dw, _ = conv2d_backward(du, conv_cache)        # the convolution has no bias
    return dx, {f"{conv}.weight": dw, f"{bn}.weight": dgamma, f"{bn}.bias": dbeta}


def residual_block_forward(x: np.ndarray, params: dict[str, np.ndarray], buffers: dict[str, np.ndarray],
                           stride: int = 1, train: bool = True) -> tuple[np.ndarray, tuple]:
    """Forward pass of the basic residual block: (N, C, H, W) → (N, C', ⌈H/stride⌉, ⌈W/stride⌉).

    Args:
        x: input (N, C, H, W).
        params: ``conv1.weight`` (C', C, 3, 3), ``bn1.weight``/``bn1.bias`` (C',), ``conv2.weight``
            (C', C', 3, 3), ``bn2.*`` and, for a projection shortcut, ``downsample.0.weight`` (C', C, 1, 1) and
            ``downsample.1.weight``/``.bias``. Without ``downsample.*`` the shortcut is the identity, which
            needs C' = C and stride 1.
        buffers: ``*.running_mean`` and ``*.running_var`` of every batch norm, updated in place when ``train``.
        stride: stride of conv1 (and of the projection).
        train: batch statistics (training) or running statistics (evaluation) in the batch norms.

    Returns:
        ``(y, cache)`` for :func:`residual_block_backward`.
    """
    projection = f"{_PROJECTION[0]}.weight" in params
    if not projection and (stride != 1 or params["conv1.weight"].shape[:2] != params["conv2.weight"].shape[:2]):
        raise ValueError(f"an identity shortcut needs stride 1 and as many output as input channels; got "
                         f"stride {stride} and conv1.weight {params['conv1.weight'].shape} — add downsample.*")
    a1, c1 = _conv_bn_forward(x, params, buffers, *_BRANCH[0], stride, 1, train)
    a2, c2 = _conv_bn_forward(relu(a1), params, buffers, *_BRANCH[1], 1, 1, train)
    shortcut, cs = (_conv_bn_forward(x, params, buffers, *_PROJECTION, stride, 0, train) if projection
                    else (x, None))
    u = a2 + shortcut
    return relu(u), (a1, c1, c2, cs, u)


def residual_block_backward(dout: np.ndarray, cache: tuple) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Backward pass of :func:`residual_block_forward`: ``(dx, grads)`` with ``grads`` keyed like ``params``."""
    a1, c1, c2, cs, u = cache
    du = dout * relu_grad(u)                            # δ of u = F(x) + s(x), shared by both branches
    dz1, grads = _conv_bn_backward(du, c2)
    dx, g1 = _conv_bn_backward(dz1 * relu_grad(a1), c1)
    grads.update(g1)
    if cs is None:
        dx = dx + du                                        # identity shortcut: δ_u passes straight through
    else:
        dxs, gs = _conv_bn_backward(du, cs)
        dx = dx + dxs
        grads.update(gs)
    return dx, grads
