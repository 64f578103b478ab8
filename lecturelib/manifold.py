"""Convolution filters constrained to matrix manifolds and trained by Riemannian SGD (Ozay & Okatani, 2016).

A convolution weight of shape (out, in, kh, kw) is read as the matrix W = weight.reshape(out, −1).T of shape
d × n (d = in·kh·kw, one filter per column, n = out) — :func:`as_matrix`. Three constraints:

* ``"sphere"``: ‖W‖²_F = 1 (the whole matrix on the unit sphere of R^(d×n));
* ``"oblique"``: ddiag(WᵀW) = I (every filter, every column, of unit norm);
* ``"stiefel"``: WᵀW = I (orthonormal filters; needs n ≤ d — when a layer has more filters than entries per
  filter, n > d, the rows are made orthonormal instead, WWᵀ = I, i.e. Wᵀ is on the Stiefel manifold).

One step of :class:`RiemannianSGD` at a point W with Euclidean gradient G:

1. tangent projection ξ = P_W(G): sphere G − ⟨W, G⟩W; oblique G − W ddiag(WᵀG); Stiefel G − W sym(WᵀG);
2. momentum: the buffer, a tangent vector at the previous point, is carried to the tangent space at W by the
   same projection (vector transport by projection), b ← μ·P_W(b) + ξ;
3. retraction W ← R_W(−η·b): sphere (W + V)/‖W + V‖_F; oblique each column normalised; Stiefel the Q factor of
   the QR decomposition of W + V with the signs making diag(R) positive.

Parameters in a group whose ``"manifold"`` is ``"euclidean"`` take the ordinary SGD step (with momentum and
weight decay as ``torch.optim.SGD``); weight decay is not applied on a manifold (the constraint fixes the norm).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import nn

__all__ = ["MANIFOLDS", "RiemannianSGD", "as_matrix", "constraint_violation", "from_matrix", "param_groups",
           "project_to_manifold", "retract", "tangent_projection"]

MANIFOLDS = ("euclidean", "sphere", "oblique", "stiefel")


def _check(manifold: str) -> None:
    if manifold not in MANIFOLDS:
        raise ValueError(f"manifold: expected one of {list(MANIFOLDS)}, got {manifold!r}")


def as_matrix(weight: torch.Tensor) -> torch.Tensor:
    """The d × n matrix of a weight tensor: ``weight.reshape(out, -1).T`` (a view, one filter per column)."""
    if weight.ndim < 2:
        raise ValueError(f"as_matrix: expected a weight with at least 2 dimensions, got shape {tuple(weight.shape)}")
    return weight.reshape(weight.shape[0], -1).T


def from_matrix(W: torch.Tensor, shape: torch.Size | tuple[int, ...]) -> torch.Tensor:
    """The inverse of :func:`as_matrix`: the d × n matrix back to a weight of ``shape``."""
    return W.T.reshape(shape)


def _wide(W: torch.Tensor) -> bool:
    return W.shape[1] > W.shape[0]


def _sym(A: torch.Tensor) -> torch.Tensor:
    return 0.5 * (A + A.T)


def tangent_projection(W: torch.Tensor, G: torch.Tensor, manifold: str) -> torch.Tensor:
    """The orthogonal projection of ``G`` onto the tangent space of ``manifold`` at the point ``W`` (d × n)."""
    _check(manifold)
    if manifold == "euclidean":
        return G
    if manifold == "sphere":
        return G - (W * G).sum() * W
    if manifold == "oblique":
        return G - W * (W * G).sum(dim=0, keepdim=True)
    if _wide(W):                                       # rows orthonormal: project the transposes
        return tangent_projection(W.T, G.T, "stiefel").T
    return G - W @ _sym(W.T @ G)


def _qf(A: torch.Tensor) -> torch.Tensor:
    Q, R = torch.linalg.qr(A)
    signs = torch.sign(torch.diagonal(R))
    signs[signs == 0] = 1
    return Q * signs


def retract(W: torch.Tensor, V: torch.Tensor, manifold: str) -> torch.Tensor:
    """The point of ``manifold`` reached from ``W`` along the tangent vector ``V`` (normalisation or QR)."""
    _check(manifold)
    A = W + V
    if manifold == "euclidean":
        return A
    return project_to_manifold(A, manifold)


def project_to_manifold(W: torch.Tensor, manifold: str) -> torch.Tensor:
    """A point of ``manifold`` near ``W``: sphere W/‖W‖_F, oblique columns normalised, Stiefel the Q factor of
    W = QR with diag(R) > 0 (of Wᵀ when W has more columns than rows)."""
    _check(manifold)
    if manifold == "euclidean":
        return W
    if manifold == "sphere":
        return W / W.norm()
    if manifold == "oblique":
        return W / W.norm(dim=0, keepdim=True)
    return _qf(W.T).T if _wide(W) else _qf(W)


def constraint_violation(W: torch.Tensor, manifold: str) -> float:
    """How far ``W`` (d × n, or a weight tensor, read by :func:`as_matrix`) is from ``manifold``: sphere
    |‖W‖²_F − 1|, oblique max |diag(WᵀW) − 1|, Stiefel max |WᵀW − I| (|WWᵀ − I| when n > d); 0 for Euclidean."""
    _check(manifold)
    if W.ndim != 2:
        W = as_matrix(W)
    W = W.detach().double()
    if manifold == "euclidean":
        return 0.0
    if manifold == "sphere":
        return abs(float((W * W).sum()) - 1.0)
    if manifold == "oblique":
        return float(((W * W).sum(dim=0) - 1).abs().max())
    gram = W @ W.T if _wide(W) else W.T @ W
    return float((gram - torch.eye(gram.shape[0], dtype=gram.dtype)).abs().max())


def param_groups(model: nn.Module, manifold: str) -> list[dict[str, Any]]:
    """Two parameter groups for :class:`RiemannianSGD`: the convolution weights (parameters with 4 dimensions)
    on ``manifold``, everything else (batch norm, fully connected layers, biases) ``"euclidean"``."""
    _check(manifold)
    conv = [p for p in model.parameters() if p.ndim == 4]
    rest = [p for p in model.parameters() if p.ndim != 4]
    return [{"params": conv, "manifold": manifold}, {"params": rest, "manifold": "euclidean"}]


class RiemannianSGD(torch.optim.Optimizer):
    """SGD on the sphere, oblique or Stiefel manifold (module docstring), with momentum.

    Args:
        params: parameters or parameter groups; a group may set ``"manifold"`` (else the ``manifold`` given),
            ``"lr"``, ``"momentum"``, ``"weight_decay"``.
        lr: step size η.
        momentum: μ (0 for plain Riemannian SGD).
        manifold: ``"sphere"``, ``"oblique"``, ``"stiefel"`` or ``"euclidean"``.
        weight_decay: L2 penalty added to the gradient of ``"euclidean"`` parameters only.

    The constructor moves every constrained parameter onto its manifold (:func:`project_to_manifold`, in
    place), so the constraint holds from the first forward pass; after every :meth:`step` it holds to round-off.
    """

    def __init__(self, params: Iterable[Any], lr: float, momentum: float = 0.0, manifold: str = "sphere",
                 weight_decay: float = 0.0) -> None:
        if not lr > 0:
            raise ValueError(f"lr: expected a positive step size, got {lr!r}")
        if not 0 <= momentum < 1:
            raise ValueError(f"momentum: expected a value in [0, 1), got {momentum!r}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay: expected a value ≥ 0, got {weight_decay!r}")
        _check(manifold)
        super().__init__(params, {"lr": lr, "momentum": momentum, "manifold": manifold,
                                  "weight_decay": weight_decay})
        with torch.no_grad():
            for group in self.param_groups:
                _check(group["manifold"])
                if group["manifold"] == "euclidean":
                    continue
                for p in group["params"]:
                    p.copy_(from_matrix(project_to_manifold(as_matrix(p), group["manifold"]), p.shape))

    @torch.no_grad()
    def step(self, closure: Any = None) -> Any:
        """One Riemannian SGD step for every parameter with a gradient; returns ``closure()`` if given."""
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        for group in self.param_groups:
            manifold, lr, mu = group["manifold"], group["lr"], group["momentum"]
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if manifold == "euclidean":
                    d_p = p.grad.add(p, alpha=group["weight_decay"]) if group["weight_decay"] else p.grad
                    if mu:
                        buf = state.get("momentum_buffer")
                        buf = d_p.clone() if buf is None else buf.mul_(mu).add_(d_p)
                        state["momentum_buffer"], d_p = buf, buf
                    p.add_(d_p, alpha=-lr)
                    continue
                W, G = as_matrix(p), as_matrix(p.grad)
                xi = tangent_projection(W, G, manifold)
                if mu:
                    buf = state.get("momentum_buffer")
                    buf = xi.clone() if buf is None else tangent_projection(W, buf, manifold).mul_(mu).add_(xi)
                    state["momentum_buffer"], xi = buf, buf
                p.copy_(from_matrix(retract(W, -lr * xi, manifold), p.shape))
        return loss
