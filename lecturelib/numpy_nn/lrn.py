"""Local response normalization (lecture 001 "Local Response Normalization (LRN)"; AlexNet, deck 004).

"Normalise across feature maps at the same pixel": with ``a^i_{x,y}`` the activity of channel ``i`` at
pixel ``(x, y)`` and ``N`` channels::

    b^i_{x,y} = a^i_{x,y} / (k + α Σ_{j=max(0, i−n/2)}^{min(N−1, i+n/2)} (a^j_{x,y})²)^β

with ``n/2`` rounded down (AlexNet: n = 5, k = 2, α = 1e-4, β = 0.75).

PyTorch's ``torch.nn.functional.local_response_norm`` (and ``torch.nn.LocalResponseNorm``) divides α by n
(it averages the squares instead of summing them), so for odd ``n``
``F.local_response_norm(x, size=n, alpha=alpha * n, beta=beta, k=k)`` equals ``lrn_forward(x, n, k, alpha,
beta)``. For even ``n`` the windows also differ: PyTorch's runs over ``[i − n/2, i + n/2 − 1]`` (n channels),
this formula's over ``[i − n/2, i + n/2]`` (n + 1 channels).
"""

from __future__ import annotations

import numpy as np

from .._contracts import check_lrn
from .._validate import check_array

__all__ = ["lrn_backward", "lrn_forward"]


def _channel_window_sum(a, half):
    """``S^i = Σ_{j=max(0,i−half)}^{min(C−1,i+half)} a^j`` along axis 1 (channels) of a (N, C, H, W) array."""
    C = a.shape[1]
    padded = np.zeros((a.shape[0], C + 2 * half) + a.shape[2:], dtype=a.dtype)
    padded[:, half:half + C] = a
    S = np.zeros_like(a)
    for d in range(2 * half + 1):
        S += padded[:, d:d + C]
    return S


def lrn_forward(x: np.ndarray, n: int = 5, k: float = 2.0, alpha: float = 1e-4,
                beta: float = 0.75) -> tuple[np.ndarray, tuple]:
    """Local response normalization across channels, ``b^i = a^i / s_i^β`` with ``s_i = k + α Σ_j (a^j)²``.

    Args:
        x: activities ``a``, shape (N, C, H, W).
        n: number of adjacent channels in the sum (n/2 rounded down on each side of channel i).
        k, alpha, beta: the constants k, α, β of the formula.

    Returns:
        ``(b, cache)``; ``b`` has ``x``'s shape and dtype.
    """
    check_lrn(x, n, k, alpha, beta)
    half = n // 2
    s = x.dtype.type(k) + x.dtype.type(alpha) * _channel_window_sum(x * x, half)
    s_pow = s ** -x.dtype.type(beta)
    return x * s_pow, (x, s, s_pow, half, alpha, beta)


def lrn_backward(dout: np.ndarray, cache: tuple) -> np.ndarray:
    """Gradient of LRN.

    ``∂b^i/∂a^j = δ_ij s_i^{−β} − 2αβ a^i a^j s_i^{−β−1}`` for ``j`` in the window of ``i``; since the
    windows are symmetric (j in window(i) ⇔ i in window(j)), with ``δ_i = ∂J/∂b^i``::

        ∂J/∂a^j = δ_j s_j^{−β} − 2αβ a^j Σ_{i ∈ window(j)} δ_i a^i s_i^{−β−1}
    """
    x, s, s_pow, half, alpha, beta = cache
    check_array(dout, "dout")
    if dout.shape != x.shape:
        raise ValueError(f"dout must have the forward output's shape {x.shape}, got {dout.shape}")
    t = dout * x * s_pow / s                                   # δ_i a^i s_i^{−β−1}
    return dout * s_pow - x.dtype.type(2 * alpha * beta) * x * _channel_window_sum(t, half)
