"""Checks for chapter 12, GPUs, frameworks and data-parallel training: one data-parallel SGD step with the
gradients averaged by hand through an all-reduce (run on simulated workers), and the time model of
communication schemes (parameter server, reduction tree, ring all-reduce). Each check_* is listed in
``__all__`` and re-exported by the package."""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from ._core import assert_close, call_student, passed

__all__ = ["check_data_parallel_step", "check_comm_time"]


class _SimulatedWorkers:
    """``world_size`` threads that share an ``all_reduce(t)``: sum over the workers, in place, in rank order.

    Each worker's call waits until every worker has made its matching call (as ``dist.all_reduce`` does);
    an exception in one worker releases the others (the barrier is aborted) instead of hanging them.
    """

    def __init__(self, world_size: int) -> None:
        self.world_size = world_size
        self.barrier = threading.Barrier(world_size, timeout=30)
        self.slots: list[Any] = [None] * world_size
        self.calls = [0] * world_size

    def all_reduce_for(self, rank: int) -> Callable[..., None]:
        def all_reduce(tensor: Any, *args: Any, **kwargs: Any) -> None:
            self.calls[rank] += 1
            self.slots[rank] = tensor.detach().clone()
            self.barrier.wait()
            if any(s is None or s.shape != self.slots[rank].shape for s in self.slots):
                raise AssertionError("the workers passed tensors of different shapes to all_reduce at the same call")
            total = self.slots[0].clone()
            for s in self.slots[1:]:
                total += s
            self.barrier.wait()
            self.slots[rank] = None
            tensor.data.copy_(total)
        return all_reduce

    def run(self, work: Callable[[int, Callable[..., None]], None]) -> None:
        errors: list[BaseException | None] = [None] * self.world_size

        def target(rank: int) -> None:
            try:
                work(rank, self.all_reduce_for(rank))
            except BaseException as exc:  # noqa: BLE001 - reported below, after every worker has stopped
                errors[rank] = exc
                self.barrier.abort()

        threads = [threading.Thread(target=target, args=(r,)) for r in range(self.world_size)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        first = next((e for e in errors if e is not None and not isinstance(e, threading.BrokenBarrierError)),
                     next((e for e in errors if e is not None), None))
        if isinstance(first, threading.BrokenBarrierError):
            raise AssertionError("the workers did not call all_reduce the same number of times (one waited for "
                                 "the others forever)") from None
        if first is not None:
            raise first


def _model(seed: int) -> Any:
    import torch
    from torch import nn

    torch.manual_seed(seed)
    return nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(3 * 5 * 5, 4)).double()


def check_data_parallel_step(data_parallel_step: Callable[..., Any]) -> None:
    """``data_parallel_step(model, x, y, lr, all_reduce, world_size)`` on each simulated worker.

    Each of P workers (threads) gets its own copy of one model and a shard of one global batch: x (B, 2, 5, 5)
    float64, y (B,) class indices. After one call on every worker, every copy must hold the parameters of one
    SGD step ``W ← W − lr · ∂J/∂W`` of the mean cross-entropy J over the whole global batch of P·B samples
    (computed by autograd in one process). Cases: P = 2 and 3, B = 4 and 2, two learning rates.
    """
    import torch
    import torch.nn.functional as F

    for case, (world, shard, lr) in enumerate(((2, 4, 0.5), (3, 2, 0.1))):
        gen = torch.Generator().manual_seed(100 + case)
        x = torch.randn(world * shard, 2, 5, 5, generator=gen, dtype=torch.float64)
        y = torch.randint(0, 4, (world * shard,), generator=gen)
        reference = _model(case)
        replicas = [copy.deepcopy(reference) for _ in range(world)]
        loss = F.cross_entropy(reference(x), y)
        grads = torch.autograd.grad(loss, list(reference.parameters()))
        with torch.no_grad():
            expected = [p - lr * g for p, g in zip(reference.parameters(), grads)]
        workers = _SimulatedWorkers(world)

        def work(rank: int, all_reduce: Callable[..., None], replicas: list = replicas, x: Any = x, y: Any = y,
                 shard: int = shard, lr: float = lr, world: int = world) -> None:
            sl = slice(rank * shard, (rank + 1) * shard)
            call_student(data_parallel_step, replicas[rank], x[sl].clone(), y[sl].clone(), lr, all_reduce, world,
                         what="data_parallel_step")

        workers.run(work)
        if min(workers.calls) == 0:
            raise AssertionError(f"case {case} ({world} workers): all_reduce was never called — each worker "
                                 "must combine its gradients with the others'")
        names = [n for n, _ in reference.named_parameters()]
        for rank, replica in enumerate(replicas):
            for name, p, e in zip(names, replica.parameters(), expected):
                what = (f"case {case} ({world} workers, {shard} samples each, lr {lr}): worker {rank}'s {name} "
                        "after the step (expected one SGD step on the mean loss of the whole global batch; "
                        "did you divide the summed gradients by world_size?)")
                assert_close(p.detach(), e.numpy(), what, rtol=1e-9, atol=1e-12)
    passed("data_parallel_step: every worker took the SGD step of one process with the whole global batch")


def _comm_time_reference(n_params: float, workers: int, bandwidth: float, latency: float, scheme: str,
                         bytes_per_param: int = 4) -> float:
    p, message = workers, n_params * bytes_per_param / bandwidth
    if p == 1:
        return 0.0
    if scheme == "ps":
        return 2 * p * (latency + message)
    if scheme == "tree":
        return 2 * math.ceil(math.log2(p)) * (latency + message)
    return 2 * (p - 1) * (latency + message / p)


def check_comm_time(comm_time: Callable[..., Any]) -> None:
    """``comm_time(n_params, workers, bandwidth, latency, scheme, bytes_per_param=4)`` → seconds per step.

    The reference: a message of m bytes over one link costs ``latency + m / bandwidth``; with p = 1 nothing
    is sent. ``"ps"``: the server receives p gradients and sends p weight copies one after the other,
    ``2p (α + b|W|/β)``; ``"tree"``: reduce up and broadcast down a binary tree, ``2⌈log₂ p⌉ (α + b|W|/β)``;
    ``"ring"``: reduce-scatter and all-gather around a ring, ``2(p − 1)(α + b|W|/(pβ))``. Cases cover AlexNet-,
    GoogLeNet- and ResNet-50-sized models, 1–128 workers (powers of two and others) and two links.
    """
    cases = []
    for n_params in (60_965_224, 6_624_904, 25_557_032, 1000):
        for workers in (1, 2, 3, 8, 32, 100, 128):
            for bandwidth, latency in ((10e9, 5e-6), (1.25e9, 50e-6)):
                for scheme in ("ps", "tree", "ring"):
                    cases.append((n_params, workers, bandwidth, latency, scheme))
    got, expected = [], []
    for n_params, workers, bandwidth, latency, scheme in cases:
        value = call_student(comm_time, n_params, workers, bandwidth, latency, scheme, what="comm_time")
        try:
            got.append(float(value))
        except (TypeError, ValueError):
            raise AssertionError(f"comm_time({n_params}, {workers}, {bandwidth}, {latency}, {scheme!r}): expected "
                                 f"a number of seconds, got {value!r}") from None
        expected.append(_comm_time_reference(n_params, workers, bandwidth, latency, scheme))
    got_a, expected_a = np.array(got), np.array(expected)
    bad = ~np.isclose(got_a, expected_a, rtol=1e-9, atol=1e-15)
    if bad.any():
        i = int(np.argmax(bad))
        n_params, workers, bandwidth, latency, scheme = cases[i]
        raise AssertionError(f"comm_time({n_params:,d} parameters, {workers} workers, bandwidth {bandwidth:g} B/s, "
                             f"latency {latency:g} s, {scheme!r}): expected {expected_a[i]:.6g} s, got {got_a[i]:.6g} s "
                             f"({int(bad.sum())} of {len(cases)} cases differ)")
    assert_close(got_a, expected_a, "comm_time", rtol=1e-9, atol=1e-15)
    passed(f"comm_time: {len(cases)} cases (parameter server, reduction tree, ring) agree with the model")
