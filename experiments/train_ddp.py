"""Data-parallel training of LeNet-5 on Fashion-MNIST with DistributedDataParallel, started by torchrun.

Each process trains a full copy of the network on its shard of every mini-batch (``DistributedSampler``);
DDP all-reduces the gradients during the backward pass, so P processes with ``--batch-size B`` take the
steps of one process with batch P·B (chapter 12 checks this to round-off in float64). The code is
``lecturelib.distributed`` (``train`` sub-command); this script is its command line.

One machine, two CPU processes (backend gloo)::

    torchrun --nproc_per_node=2 experiments/train_ddp.py --epochs 1 --out /tmp/ddp

One machine with GPUs (one process per GPU; backend nccl, chosen because the device is CUDA)::

    torchrun --nproc_per_node=gpu experiments/train_ddp.py --device cuda --out /tmp/ddp

Several machines: run the same command on every machine; HOST is the address of one of them, reachable
from all (``--rdzv-id`` any string shared by the job)::

    torchrun --nnodes=2 --nproc_per_node=8 --rdzv-backend=c10d --rdzv-endpoint=HOST:29500 --rdzv-id=job1 \\
        experiments/train_ddp.py --device cuda --out /tmp/ddp

``--max-steps K`` stops after K steps; ``--grad-sync manual`` replaces DDP by
``lecturelib.distributed.average_gradients`` (one all-reduce per parameter tensor after the backward pass).
Rank 0 writes ``<out>/result.json`` (arguments, world size, backend, the global-batch losses, seconds) and
the final weights ``<out>/<grad-sync>.pt``. ``--help`` lists every option.
"""

from __future__ import annotations

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))  # the repository's lecturelib

from lecturelib.distributed import exit_worker, main  # noqa: E402

if __name__ == "__main__":
    exit_worker(main(["train", *sys.argv[1:]]))
