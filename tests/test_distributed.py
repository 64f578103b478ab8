"""lecturelib.distributed: torchrun + DDP on gloo equals single-process training; model parallelism; helpers.

The two process tests start ``python -m torch.distributed.run --nproc_per_node=2`` (about 5–10 s each: every
process imports torch). The DDP test uses the multi-machine form (``--rdzv-backend=c10d --rdzv-endpoint=
127.0.0.1:PORT --nnodes=1``) and the experiments/ script, as a user would run them.
"""

from __future__ import annotations

import json
import pathlib

import numpy as np
import pytest
import torch
from torch import nn

import lecturelib
from lecturelib import distributed as dlib
from lecturelib.data import fashion_mnist_arrays
from lecturelib.models import alexnet_small, lenet5

ROOT = pathlib.Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "experiments" / "train_ddp.py"


def _data(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    (x, y), _ = fashion_mnist_arrays(n_train=n, n_test=10)
    return torch.from_numpy(x).double(), torch.from_numpy(y)


def test_torchrun_ddp_and_manual_allreduce_equal_one_process_with_twice_the_batch(tmp_path):
    steps, batch, n = 6, 8, 256
    args = ["--dtype", "float64", "--n-train", n, "--batch-size", batch, "--max-steps", steps, "--lr", 0.05,
            "--momentum", 0.9, "--seed", 3, "--grad-sync", "ddp", "manual", "--out", tmp_path]
    proc = dlib.launch(args, nproc=2, endpoint=f"127.0.0.1:{dlib.free_port()}", script=SCRIPT, timeout=300)
    assert "world size 2, backend gloo" in proc.stdout
    result = json.loads((tmp_path / "result.json").read_text())
    assert result["world_size"] == 2 and result["backend"] == "gloo" and result["device"] == "cpu"

    x, y = _data(n)
    lecturelib.set_seed(3)
    model = lenet5(impl="torch", dtype=torch.float64)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    log = dlib.train(model, x, y, batch_size=2 * batch, steps=steps, lr=0.05, momentum=0.9, seed=3)
    reference = model.state_dict()
    assert max(float((reference[k] - initial[k]).abs().max()) for k in reference) > 1e-3   # training moved them
    for mode in ("ddp", "manual"):
        state = torch.load(tmp_path / f"{mode}.pt")
        assert state.keys() == reference.keys()
        for k in reference:
            torch.testing.assert_close(state[k], reference[k], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(result["runs"][mode]["losses"], log["losses"], rtol=1e-10)
        assert len(result["runs"][mode]["losses"]) == steps


def test_torchrun_model_parallel_alexnet_small_equals_the_whole_network(tmp_path):
    dlib.launch(["model-parallel", "--seed", 1, "--batch", 3, "--out", tmp_path], nproc=2, timeout=300)
    saved = torch.load(tmp_path / "model_parallel.pt")
    assert json.loads((tmp_path / "result.json").read_text())["exchanges"] == ["conv3", "fc6", "fc7", "fc8"]
    model = alexnet_small(groups=2, lrn=False, dropout=0.0).double().eval()
    model.load_state_dict(saved["state_dict"])
    with torch.no_grad():
        torch.testing.assert_close(saved["out"], model(saved["x"]), rtol=1e-10, atol=1e-12)


def test_shards_of_the_distributed_sampler_make_up_the_single_process_batches():
    x, y = torch.arange(48.0).reshape(48, 1), torch.arange(48)
    single, sampler = dlib.shard_loader(x, y, 12, seed=5, rank=0, world_size=1)
    sampler.set_epoch(2)
    shards = []
    for rank in range(3):
        loader, s = dlib.shard_loader(x, y, 4, seed=5, rank=rank, world_size=3)
        s.set_epoch(2)
        shards.append([yb for _, yb in loader])
    for k, (_, yb) in enumerate(single):
        together = torch.cat([shards[r][k] for r in range(3)])
        assert sorted(together.tolist()) == sorted(yb.tolist())
    with pytest.raises(ValueError, match="multiple"):
        dlib.shard_loader(x, y, 5, rank=0, world_size=2)


def test_one_process_train_is_plain_sgd():
    x, y = _data(64)
    lecturelib.set_seed(0)
    a = lenet5(impl="torch", dtype=torch.float64)
    b = lenet5(impl="torch", dtype=torch.float64)
    b.load_state_dict(a.state_dict())
    log = dlib.train(a, x, y, batch_size=64, steps=2, lr=0.1, grad_sync="manual")
    opt = torch.optim.SGD(b.parameters(), lr=0.1)
    for _ in range(2):                               # one batch = the whole (permuted) set: order does not matter
        opt.zero_grad()
        loss = nn.functional.cross_entropy(b(x), y)
        loss.backward()
        opt.step()
    for k, v in a.state_dict().items():
        torch.testing.assert_close(v, b.state_dict()[k], rtol=1e-12, atol=1e-14)
    assert len(log["losses"]) == 2 and log["epochs"] == 2
    with pytest.raises(ValueError, match="grad_sync"):
        dlib.train(a, x, y, batch_size=64, steps=1, lr=0.1, grad_sync="allreduce")


def test_model_parallel_forward_with_one_worker_and_refusals():
    lecturelib.set_seed(0)
    model = alexnet_small(groups=1, lrn=False, dropout=0.0).eval()
    x = torch.randn(2, 1, 28, 28)
    with torch.no_grad():
        out, exchanges = dlib.model_parallel_forward(model, x, rank=0, world_size=1)
        torch.testing.assert_close(out, model(x))
    assert exchanges == []
    with pytest.raises(ValueError, match="LRN"):
        dlib.model_parallel_forward(alexnet_small(groups=2).eval(), x, rank=0, world_size=2)


def test_backend_device_and_command():
    assert dlib.backend_for("cpu") == "gloo" and dlib.backend_for("cuda:1") == "nccl"
    assert dlib.local_device(3, "cpu") == torch.device("cpu")
    assert dlib.local_device(3, "cuda") == torch.device("cuda", 3)
    assert dlib.local_device(0, "auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(ValueError):
        dlib.local_device(0, "tpu")
    cmd = dlib.torchrun_command(["train", "--epochs", 2], nproc=4, endpoint="10.0.0.1:29500")
    assert cmd[1:] == ["-m", "torch.distributed.run", "--nproc_per_node=4", "--nnodes=1", "--rdzv-backend=c10d",
                       "--rdzv-endpoint=10.0.0.1:29500", "--rdzv-id=lecturelib", "-m", "lecturelib.distributed",
                       "train", "--epochs", "2"]
    assert "--standalone" in dlib.torchrun_command(["allreduce"], script=SCRIPT)
    assert 0 < dlib.free_port() < 65536


def test_help_documents_multi_node_and_nccl(capsys):
    with pytest.raises(SystemExit) as exc:
        dlib.main(["train", "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--rdzv-endpoint" in text and "--nnodes" in text and "nccl" in text
    assert "--rdzv-endpoint" in SCRIPT.read_text() and "nccl" in SCRIPT.read_text()
