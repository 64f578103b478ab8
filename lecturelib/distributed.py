"""Data-parallel and model-parallel training on ``torch.distributed`` (chapter 12).

The same code runs on one CPU process, on several CPU processes (backend ``gloo``) and on several GPUs of one
or many machines (backend ``nccl``): only the device changes. Processes are started by ``torchrun``, which
sets ``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR`` and ``MASTER_PORT``; :func:`setup` reads them.

**Data parallelism.** Each of the :math:`P` workers holds a full copy of the parameters :math:`W` and computes
the gradient of the mean loss over its own shard :math:`\\mathcal B_r` of the global mini-batch
:math:`\\mathcal B = \\bigcup_r \\mathcal B_r` (all shards of size :math:`B`):
:math:`g_r = \\frac1B \\sum_{i\\in\\mathcal B_r} \\partial J_i/\\partial W`. An all-reduce sums the
:math:`g_r` on every worker; dividing by :math:`P` gives

.. math:: \\frac1P \\sum_r g_r = \\frac{1}{PB} \\sum_{i \\in \\mathcal B} \\frac{\\partial J_i}{\\partial W},

the gradient of one process with batch :math:`PB`, so every worker takes the same SGD step.
``DistributedDataParallel`` does this during the backward pass (buckets of gradients, overlapped with the
computation); :func:`average_gradients` does it by hand after the backward pass.

**Model parallelism.** :func:`model_parallel_forward` splits every layer of an ``alexnet_small(groups=P)``
network by output channels (units) across the :math:`P` workers, as Krizhevsky et al. (2012) split AlexNet
over two GPUs: grouped convolutions need only the worker's own maps, and the layers that read all maps
(conv3, fc6, fc7, fc8) first gather the activations of every worker (:func:`all_gather_channels`).

Command line (also ``experiments/train_ddp.py``)::

    torchrun --nproc_per_node=2 -m lecturelib.distributed train --out /tmp/ddp      # 2 CPU processes, gloo
    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 --rdzv-id=job1 \\
        -m lecturelib.distributed train --device cuda --out /tmp/ddp                 # 2 machines × 8 GPUs, nccl
    torchrun --nproc_per_node=2 -m lecturelib.distributed allreduce --out /tmp/ar    # all-reduce timings
    torchrun --nproc_per_node=2 -m lecturelib.distributed model-parallel --out /tmp/mp
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, DistributedSampler, TensorDataset

__all__ = ["DistInfo", "backend_for", "local_device", "setup", "cleanup", "rank_and_world", "shard_loader",
           "broadcast_parameters", "average_gradients", "train", "all_gather_channels", "model_parallel_forward",
           "time_allreduce", "free_port", "torchrun_command", "launch", "main", "exit_worker"]


@dataclass
class DistInfo:
    """Where this process stands: ``rank`` in ``0..world_size-1``, ``local_rank`` on its machine, its device."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str


def backend_for(device: torch.device | str) -> str:
    """``"nccl"`` for a CUDA device (GPU-to-GPU transfers), ``"gloo"`` for the CPU."""
    return "nccl" if torch.device(device).type == "cuda" else "gloo"


def local_device(local_rank: int = 0, device: str = "auto") -> torch.device:
    """The device of the process with ``local_rank`` on its machine.

    ``device="auto"``: GPU number ``local_rank`` when CUDA is available (one GPU per process), else the CPU;
    ``"cpu"`` or ``"cuda"`` force the choice (``"cuda"`` still picks GPU ``local_rank``).
    """
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"device: expected 'auto', 'cpu' or 'cuda', got {device!r}")
    if device == "cpu" or (device == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    return torch.device("cuda", local_rank)


def setup(device: str = "auto") -> DistInfo:
    """Join the process group that ``torchrun`` describes in the environment; backend chosen by device.

    Without ``torchrun``'s variables (``WORLD_SIZE`` unset) nothing is initialised and the process is rank 0
    of 1: the same script then trains in one process.
    """
    rank = int(os.environ.get("RANK", 0))
    world_size = int(os.environ.get("WORLD_SIZE", 1))
    local_rank = int(os.environ.get("LOCAL_RANK", 0))
    dev = local_device(local_rank, device)
    backend = backend_for(dev)
    if dev.type == "cuda":
        torch.cuda.set_device(dev)
    if world_size > 1 and not dist.is_initialized():
        dist.init_process_group(backend=backend)
    return DistInfo(rank, world_size, local_rank, dev, backend)


def cleanup(barrier: bool = True) -> None:
    """Leave the process group (if one was joined), after a barrier unless ``barrier=False``.

    Without the barrier a rank that finished its last collective early can tear gloo down while its peer is
    still completing it; the peer then aborts ("terminate called without an active exception" — seen once in
    the model-parallel launch of chapter 12). After an error, skip it: the peers may never reach it.
    """
    if dist.is_available() and dist.is_initialized():
        if barrier and dist.get_world_size() > 1:
            dist.barrier()
        dist.destroy_process_group()


def rank_and_world() -> tuple[int, int]:
    """``(rank, world_size)`` of the current process group, ``(0, 1)`` without one."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def shard_loader(x: torch.Tensor, y: torch.Tensor, batch_size: int, *, seed: int = 0, shuffle: bool = True,
                 rank: int | None = None, world_size: int | None = None) -> tuple[DataLoader, DistributedSampler]:
    """A loader of this worker's shard: ``DistributedSampler`` + ``DataLoader`` of ``batch_size`` samples.

    Every worker draws the same permutation of the N samples (seeded by ``seed`` and the epoch, see
    ``sampler.set_epoch``) and keeps positions ``rank, rank + P, rank + 2P, …``; so step k of the P workers
    together covers positions ``kPB … (k+1)PB − 1`` — exactly batch k of one process with batch ``PB`` and
    ``world_size=1``. N must be a multiple of ``P · batch_size`` (no padded or partial batches).
    x: (N, …), y: (N,). Returns ``(loader, sampler)``.
    """
    r, p = rank_and_world()
    rank = r if rank is None else rank
    world_size = p if world_size is None else world_size
    if len(x) % (world_size * batch_size):
        raise ValueError(f"shard_loader: N = {len(x)} is not a multiple of world_size · batch_size = "
                         f"{world_size} · {batch_size}")
    sampler = DistributedSampler(TensorDataset(x, y), num_replicas=world_size, rank=rank, shuffle=shuffle,
                                 seed=seed, drop_last=False)
    return DataLoader(TensorDataset(x, y), batch_size=batch_size, sampler=sampler), sampler


def broadcast_parameters(module: nn.Module, src: int = 0) -> None:
    """Copy rank ``src``'s parameters and buffers to every worker (what DDP does when it wraps a model)."""
    if rank_and_world()[1] == 1:
        return
    for t in [*module.parameters(), *module.buffers()]:
        dist.broadcast(t.data, src)


def average_gradients(params: Iterable[nn.Parameter]) -> None:
    """The hand-written all-reduce: ``p.grad ← (1/P) Σ_r p.grad_r`` for every parameter, in place.

    One ``dist.all_reduce`` (sum) per tensor, then a division by P; DDP does the same in buckets of ~25 MB,
    overlapped with the backward pass. Without a process group (P = 1) nothing changes.
    """
    _, world = rank_and_world()
    if world == 1:
        return
    for p in params:
        if p.grad is not None:
            dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
            p.grad /= world


def train(model: nn.Module, x: torch.Tensor, y: torch.Tensor, *, batch_size: int, steps: int, lr: float,
          momentum: float = 0.0, seed: int = 0, grad_sync: str = "ddp",
          device: torch.device | str = "cpu") -> dict[str, Any]:
    """Train ``model`` with SGD on this worker's shard for ``steps`` steps (epochs repeat as needed).

    ``grad_sync="ddp"`` wraps the model in ``DistributedDataParallel``; ``"manual"`` broadcasts rank 0's
    parameters and calls :func:`average_gradients` after each backward pass. With one process both are plain
    SGD. Loss: mean cross-entropy over the worker's ``batch_size`` samples. x: (N, C, H, W), y: (N,).

    Returns ``{"losses": [...], "epochs": e}``, the losses being the mean over the *global* batch of
    P · batch_size samples (all-reduced), i.e. the loss one process with batch P · batch_size would log.
    """
    if grad_sync not in ("ddp", "manual"):
        raise ValueError(f"grad_sync: expected 'ddp' or 'manual', got {grad_sync!r}")
    device = torch.device(device)
    _, world = rank_and_world()
    model = model.to(device)
    loader, sampler = shard_loader(x, y, batch_size, seed=seed)
    if world > 1 and grad_sync == "ddp":
        net: nn.Module = nn.parallel.DistributedDataParallel(
            model, device_ids=[device.index] if device.type == "cuda" else None)
    else:
        net = model
        broadcast_parameters(model)
    opt = torch.optim.SGD(net.parameters(), lr=lr, momentum=momentum)
    losses: list[float] = []
    epoch = 0
    while len(losses) < steps:
        sampler.set_epoch(epoch)
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(net(xb), yb)
            loss.backward()
            if grad_sync == "manual":
                average_gradients(model.parameters())
            opt.step()
            logged = loss.detach().clone()
            if world > 1:
                dist.all_reduce(logged)
            losses.append(float(logged) / world)
            if len(losses) == steps:
                break
        epoch += 1
    return {"losses": losses, "epochs": epoch}


def all_gather_channels(z: torch.Tensor) -> torch.Tensor:
    """Concatenate every worker's ``z`` along dimension 1 in rank order: (N, C/P, …) → (N, C, …).

    The activation exchange of model parallelism (all workers must call it with tensors of one shape).
    """
    _, world = rank_and_world()
    if world == 1:
        return z
    parts = [torch.empty_like(z) for _ in range(world)]
    dist.all_gather(parts, z.contiguous())
    return torch.cat(parts, dim=1)


def _block(t: torch.Tensor, rank: int, world: int) -> torch.Tensor:
    n = t.shape[0] // world
    return t[rank * n:(rank + 1) * n]


def model_parallel_forward(model: nn.Sequential, x: torch.Tensor, rank: int, world_size: int,
                           gather: Callable[[torch.Tensor], torch.Tensor] = all_gather_channels
                           ) -> tuple[torch.Tensor, list[str]]:
    """Forward of ``model`` with each layer's filters / units split across ``world_size`` workers.

    Worker ``rank`` computes output channels (units) ``rank·F/P … (rank+1)·F/P − 1`` of every convolution and
    fully connected layer. A convolution with ``groups == P`` reads only the worker's own maps (its group);
    an ordinary convolution or a fully connected layer reads all of them, so the split activations are first
    gathered with ``gather`` (an exchange between the GPUs). Activations, pooling, flatten and dropout (in
    evaluation mode) act per channel and need no exchange; LRN mixes neighbouring channels and is refused.

    x: (N, C, H, W), the full input on every worker. Returns ``(out, exchanges)``: ``out`` (N, classes), the
    whole output (gathered), and the names of the layers before which activations were exchanged.
    """
    split, exchanges = False, []
    z = x
    for name, layer in model.named_children():
        if isinstance(layer, nn.Conv2d):
            if layer.groups == world_size and world_size > 1:
                if not split:  # a grouped layer on full input: keep this worker's block of channels
                    z = _block(z.transpose(0, 1), rank, world_size).transpose(0, 1)
                groups = 1
            elif layer.groups == 1:
                if split:
                    z, split = gather(z), False
                    exchanges.append(name)
                groups = 1
            else:
                raise ValueError(f"{name}: groups={layer.groups} is neither 1 nor world_size={world_size}")
            bias = None if layer.bias is None else _block(layer.bias, rank, world_size)
            z = F.conv2d(z, _block(layer.weight, rank, world_size), bias, layer.stride, layer.padding,
                         layer.dilation, groups)
            split = world_size > 1
        elif isinstance(layer, nn.Linear):
            if split:
                z, split = gather(z), False
                exchanges.append(name)
            bias = None if layer.bias is None else _block(layer.bias, rank, world_size)
            z = F.linear(z, _block(layer.weight, rank, world_size), bias)
            split = world_size > 1
        elif isinstance(layer, nn.LocalResponseNorm):
            raise ValueError(f"{name}: LRN mixes neighbouring channels across the split; build the model with "
                             "lrn=False")
        elif isinstance(layer, nn.Dropout):
            continue
        else:
            z = layer(z)
    if split:
        z = gather(z)
    return z, exchanges


def time_allreduce(sizes_bytes: Sequence[int], repeats: int = 5, dtype: torch.dtype = torch.float32
                   ) -> list[float]:
    """Median wall-clock seconds of one ``dist.all_reduce`` (sum) of a tensor of each size, on this worker.

    Tensors of 10 MB and more are timed at most 3 times (bandwidth dominates them, not scheduling noise).
    Every worker must call it with the same arguments. A few warm-up calls first (the first calls set up the
    connections), one more per size, and a barrier before each timed call so that all workers start together.
    """
    itemsize = torch.empty((), dtype=dtype).element_size()
    warm = torch.ones(2 ** 18, dtype=dtype)
    for _ in range(3):
        dist.all_reduce(warm)
    medians = []
    for nbytes in sizes_bytes:
        t = torch.ones(max(1, int(nbytes) // itemsize), dtype=dtype)
        dist.all_reduce(t)
        times = []
        for _ in range(repeats if t.numel() * itemsize < 10 ** 7 else min(repeats, 3)):
            dist.barrier()
            start = time.perf_counter()
            dist.all_reduce(t)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return medians


# ------------------------------------------------------------------------------------------ launching
def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now (for a rendezvous endpoint)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def torchrun_command(args: Sequence[str], nproc: int = 2, *, endpoint: str | None = None,
                     script: str | os.PathLike | None = None, run_id: str = "lecturelib") -> list[str]:
    """``python -m torch.distributed.run`` (what the ``torchrun`` command runs) with this interpreter.

    Without ``endpoint``: ``--standalone`` (one machine, a free port chosen by torchrun). With
    ``endpoint="HOST:PORT"``: the multi-machine form ``--nnodes=1 --rdzv-backend=c10d --rdzv-endpoint=…``
    (on several machines every one runs it with ``--nnodes=M``). The program is ``script`` or, by default,
    ``-m lecturelib.distributed``; ``args`` follow it.
    """
    cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}"]
    if endpoint is None:
        cmd.append("--standalone")
    else:
        cmd += ["--nnodes=1", "--rdzv-backend=c10d", f"--rdzv-endpoint={endpoint}", f"--rdzv-id={run_id}"]
    cmd += ["-m", "lecturelib.distributed"] if script is None else [str(script)]
    return cmd + [str(a) for a in args]


def launch(args: Sequence[str], nproc: int = 2, *, endpoint: str | None = None,
           script: str | os.PathLike | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run :func:`torchrun_command` in a subprocess whose ``lecturelib`` is this one; raise if it fails.

    The workers inherit the environment (so ``LECTURELIB_SEED_OFFSET`` shifts their seeds too), with this
    ``lecturelib``'s folder put first on ``PYTHONPATH``. Output is captured (torchrun's notes go to stderr).
    """
    root = str(pathlib.Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])))
    proc = subprocess.run(torchrun_command(args, nproc, endpoint=endpoint, script=script), env=env,
                          capture_output=True, text=True, timeout=timeout, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"torchrun failed with exit code {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


# ------------------------------------------------------------------------------------------ command line
_EPILOG = ("One machine, 2 CPU processes:  torchrun --nproc_per_node=2 experiments/train_ddp.py --out /tmp/ddp\n"
            "Several machines (run on each; HOST = first machine):\n"
            "  torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 "
            "--rdzv-id=job1 experiments/train_ddp.py --device cuda --out /tmp/ddp\n"
            "--device cuda (or auto with GPUs) gives each process GPU LOCAL_RANK and the nccl backend.")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="torchrun [--nproc_per_node=N ...] -m lecturelib.distributed",
        description="Data- and model-parallel training on torch.distributed (gloo on CPU, nccl on GPU), "
                    "started by torchrun.", epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    t = sub.add_parser("train", help="train LeNet-5 on a Fashion-MNIST subset with DDP (or a manual all-reduce)",
                       epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    t.add_argument("--epochs", type=int, default=1, help="passes over the training subset")
    t.add_argument("--max-steps", type=int, default=None, help="stop after K steps")
    t.add_argument("--batch-size", type=int, default=32, help="samples per worker and step (global: × P)")
    t.add_argument("--n-train", type=int, default=1024, help="training images (a multiple of P · batch size)")
    t.add_argument("--lr", type=float, default=0.05)
    t.add_argument("--momentum", type=float, default=0.9)
    t.add_argument("--seed", type=int, default=0)
    t.add_argument("--dtype", choices=("float32", "float64"), default="float32")
    t.add_argument("--grad-sync", choices=("ddp", "manual"), nargs="+", default=["ddp"],
                   help="DistributedDataParallel, or average_gradients after backward (several: one run each)")
    for q in (t, sub.add_parser("allreduce", help="time all-reduce for tensors of several sizes"),
              sub.add_parser("model-parallel", help="AlexNet-style network split over the workers, one forward")):
        q.add_argument("--device", choices=("auto", "cpu", "cuda"), default="auto")
        q.add_argument("--out", type=pathlib.Path, default=pathlib.Path("ddp_run"), help="folder for results")
    a = sub.choices["allreduce"]
    a.add_argument("--sizes", type=int, nargs="+", default=[10 ** k for k in range(3, 9)], help="bytes")
    a.add_argument("--repeats", type=int, default=5)
    m = sub.choices["model-parallel"]
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--batch", type=int, default=4)
    return p


def _fashion_subset(n: int, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    from .data import fashion_mnist_arrays

    (x, y), _ = fashion_mnist_arrays(n_train=n, n_test=10)
    return torch.from_numpy(x).to(dtype), torch.from_numpy(y)


def train_command(args: argparse.Namespace, info: DistInfo) -> dict[str, Any]:
    """The ``train`` sub-command: LeNet-5, seeded, on ``--n-train`` images; one result per ``--grad-sync``."""
    from . import set_seed
    from .models import lenet5

    dtype = getattr(torch, args.dtype)
    x, y = _fashion_subset(args.n_train, dtype)
    steps_per_epoch = args.n_train // (info.world_size * args.batch_size)
    steps = args.epochs * steps_per_epoch if args.max_steps is None else args.max_steps
    results: dict[str, Any] = {}
    for mode in args.grad_sync:
        set_seed(args.seed)
        model = lenet5(impl="torch", dtype=dtype)
        start = time.perf_counter()
        log = train(model, x, y, batch_size=args.batch_size, steps=steps, lr=args.lr, momentum=args.momentum,
                    seed=args.seed, grad_sync=mode, device=info.device)
        log["seconds"] = time.perf_counter() - start
        if info.rank == 0:
            torch.save({k: v.detach().cpu() for k, v in model.state_dict().items()}, args.out / f"{mode}.pt")
        results[mode] = log
    return results


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``torchrun ... -m lecturelib.distributed`` and ``experiments/train_ddp.py``.

    Rank 0 writes ``<out>/result.json`` (arguments, world size, backend, per-mode losses / timings / the
    exchanges) and the tensors (``<mode>.pt``, ``model_parallel.pt``).
    """
    from . import set_seed

    args = _parser().parse_args(argv)
    info = setup(args.device)
    args.out.mkdir(parents=True, exist_ok=True)
    result: dict[str, Any] = {"command": args.command, "world_size": info.world_size, "backend": info.backend,
                              "device": str(info.device), "torch": torch.__version__,
                              "argv": list(sys.argv[1:] if argv is None else argv)}
    finished = False
    try:
        if args.command == "train":
            result["runs"] = train_command(args, info)
        elif args.command == "allreduce":
            result["sizes"] = list(args.sizes)
            result["seconds"] = time_allreduce(args.sizes, args.repeats)
        else:
            from .models import alexnet_small

            set_seed(args.seed)
            model = alexnet_small(groups=info.world_size, lrn=False, dropout=0.0).double().eval()
            x = torch.randn(args.batch, 1, 28, 28, dtype=torch.float64)
            with torch.no_grad():
                out, exchanges = model_parallel_forward(model, x, info.rank, info.world_size)
            result["exchanges"] = exchanges
            if info.rank == 0:
                torch.save({"state_dict": model.state_dict(), "x": x, "out": out}, args.out / "model_parallel.pt")
        if info.rank == 0:
            (args.out / "result.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
            print(f"{args.command}: world size {info.world_size}, backend {info.backend}, results in {args.out}")
        finished = True
    finally:
        cleanup(barrier=finished)
    return 0


def exit_worker(code: int) -> None:
    """End a torchrun worker at once after its work: flush, then ``os._exit`` without interpreter teardown.

    Gloo's threads can abort the teardown that follows ``destroy_process_group`` ("terminate called without an
    active exception", exit code 1 — seen in loaded runs of chapter 12 after the results were written), and
    torchrun then reports the whole job as failed.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_worker(main())
