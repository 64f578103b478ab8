"""Output-size arithmetic of sliding windows (convolution and pooling)."""

from __future__ import annotations


def window_output_size(size: int, kernel: int, stride: int, padding: int = 0, ceil_mode: bool = False) -> int:
    """Output length of a convolution or pooling window along one axis, with PyTorch's ``ceil_mode`` rule.

    ``⌊(size + 2·padding − kernel)/stride⌋ + 1`` (``⌈…⌉`` with ``ceil_mode``, where the last window must
    start inside the input or its left padding).
    """
    span = size + 2 * padding - kernel
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out
