"""Long runs of Part IV: residual and plain CNNs on Fashion-MNIST, in PyTorch (CPU or GPU).

One script for the chapter-11 runs that do not fit a chapter's budget:

* the course's best Fashion-MNIST network (``--model resnet --depth 20`` with augmentation), and
* the degradation experiment of He et al. (2016): plain vs residual networks of growing depth trained the same
  way (``--model plain|resnet --depth 8|20|32``), whose training error the chapter compares.

Networks come from :mod:`lecturelib.models` (``resnet_cifar``, ``plain_net``: the CIFAR-style 3-stage designs of
He et al. §4.2 for 28×28 inputs). Training as He et al. train their CIFAR networks, scaled to the epochs given:

* data: the 60 000 training images, the last 5 000 held out for validation; the test set is evaluated once,
  for the selected weights (best validation accuracy);
* SGD with momentum 0.9 and weight decay ``--weight-decay`` (on every parameter, as the paper), learning rate
  ``--lr`` decayed along a half cosine per step to 0, minibatches of ``--batch-size``;
* ``--train-size N`` trains on the first N training images only (the degradation grid, to fit a CPU);
* training loss and accuracy per epoch are measured on a fixed 5 000 of the training images (in evaluation
  mode), validation on all 5 000; with ``--max-steps`` (the test's smoke run) validation and test use their
  first 500 images only;
* augmentation (``--augment``): a random crop of the image zero-padded by 2 pixels and a random horizontal flip,
  drawn per image from the run's generator.

Run from the repository root::

    python experiments/fashion_cnn_torch.py --model resnet --depth 20 --epochs 30 --augment
    python experiments/fashion_cnn_torch.py --model plain --depth 32 --epochs 12 --name plain32_fashion
    python experiments/fashion_cnn_torch.py ... --max-steps 10 --out /tmp/x    # the first steps (the test)
    python experiments/fashion_cnn_torch.py ... --device cuda                   # on a GPU
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import lecturelib  # noqa: E402
from lecturelib import checkpoints  # noqa: E402
from lecturelib.data import fashion_mnist_arrays  # noqa: E402
from lecturelib.models import plain_net, resnet_cifar  # noqa: E402

N_VAL = 5000
BUILDERS = {"resnet": resnet_cifar, "plain": plain_net}


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", choices=sorted(BUILDERS), default="resnet")
    p.add_argument("--depth", type=int, default=20)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--augment", action="store_true")
    p.add_argument("--train-size", type=int, default=None,
                   help="train on the first N of the 55 000 training images (default: all)")
    p.add_argument("--name", default=None, help="checkpoint name (default: <model><depth>_fashion)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--out", default=None)
    return p.parse_args(argv)


def augment(xb: torch.Tensor, gen: np.random.Generator) -> torch.Tensor:
    """Random crop of the 2-pixel zero-padded image and random horizontal flip, per image."""
    n, _, h, w = xb.shape
    padded = F.pad(xb, (2, 2, 2, 2))
    dy, dx = gen.integers(0, 5, size=n), gen.integers(0, 5, size=n)
    flip = gen.random(n) < 0.5
    out = torch.empty_like(xb)
    for i in range(n):  # 128 slices per batch: negligible next to the network
        crop = padded[i, :, dy[i]:dy[i] + h, dx[i]:dx[i] + w]
        out[i] = crop.flip(-1) if flip[i] else crop
    return out


@torch.no_grad()
def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> tuple[float, float]:
    model.eval()
    loss, correct = 0.0, 0
    for s in range(0, len(x), batch):
        scores = model(x[s:s + batch])
        loss += float(F.cross_entropy(scores, y[s:s + batch], reduction="sum"))
        correct += int((scores.argmax(1) == y[s:s + batch]).sum())
    return loss / len(x), correct / len(x)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    name = a.name or f"{a.model}{a.depth}_fashion"
    args = ["--model", a.model, "--depth", str(a.depth), "--width", str(a.width), "--epochs", str(a.epochs),
            "--seed", str(a.seed), "--lr", repr(a.lr), "--weight-decay", repr(a.weight_decay),
            "--batch-size", str(a.batch_size), "--name", name] + (["--augment"] if a.augment else []) + \
        (["--train-size", str(a.train_size)] if a.train_size is not None else [])
    lecturelib.set_seed(a.seed)
    device = torch.device(a.device)
    (x_all, y_all), (x_test, y_test) = fashion_mnist_arrays()                   # float32 in [0, 1], NCHW
    to = lambda arr: torch.from_numpy(arr).to(device)                          # noqa: E731
    x_tr, y_tr, x_val, y_val = to(x_all[:-N_VAL]), to(y_all[:-N_VAL]), to(x_all[-N_VAL:]), to(y_all[-N_VAL:])
    x_te, y_te = to(x_test), to(y_test)
    if a.train_size is not None:
        if not 0 < a.train_size <= len(x_tr):
            raise ValueError(f"--train-size must be between 1 and {len(x_tr)}, got {a.train_size}")
        x_tr, y_tr = x_tr[:a.train_size], y_tr[:a.train_size]
    step_eval = max(1, len(x_tr) // 5000)
    x_tr_eval, y_tr_eval = x_tr[::step_eval][:5000], y_tr[::step_eval][:5000]   # a fixed ≤5 000 for train metrics
    if a.max_steps is not None:
        x_val, y_val, x_te, y_te = x_val[:500], y_val[:500], x_te[:500], y_te[:500]

    model = BUILDERS[a.model](a.depth, width=a.width).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9, weight_decay=a.weight_decay)
    gen = lecturelib.rng(a.seed + 1)
    steps_per_epoch = -(-len(x_tr) // a.batch_size)
    total = a.epochs * steps_per_epoch
    config = {"model": a.model, "depth": a.depth, "width": a.width,
              "params": sum(p.numel() for p in model.parameters()), "optimizer": "SGD momentum 0.9",
              "lr": a.lr, "lr_schedule": "half cosine per step to 0", "weight_decay": a.weight_decay,
              "batch_size": a.batch_size, "augment": "crop (pad 2) + horizontal flip" if a.augment else "none",
              "n_train": len(x_tr), "n_val": len(x_val), "n_test": len(x_te), "n_train_eval": len(x_tr_eval),
              "validation": "the last 5000 of the 60000 training images", "selection": "best val_acc",
              "device": str(device)}
    log = checkpoints.RunLog(name, seed=a.seed, framework="torch", script="experiments/fashion_cnn_torch.py",
                             args=args, config=config)
    steps = 0
    limit = total if a.max_steps is None else min(a.max_steps, total)
    with lecturelib.progress(total=limit, desc=name) as bar:
        for epoch in range(1, a.epochs + 1):
            model.train()
            order = torch.from_numpy(gen.permutation(len(x_tr))).to(device)
            running, count = 0.0, 0
            for s in range(0, len(x_tr), a.batch_size):
                idx = order[s:s + a.batch_size]
                xb, yb = x_tr[idx], y_tr[idx]
                if a.augment:
                    xb = augment(xb, gen)
                for group in opt.param_groups:
                    group["lr"] = 0.5 * a.lr * (1 + math.cos(math.pi * steps / total))
                opt.zero_grad()
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                J = float(loss.detach())
                if not math.isfinite(J):
                    raise RuntimeError(f"the loss became {J} at step {steps + 1}")
                log.step(J)
                running, count, steps = running + J * len(xb), count + len(xb), steps + 1
                bar.update(1)
                if steps >= limit:
                    break
            train_loss, train_acc = evaluate(model, x_tr_eval, y_tr_eval)
            val_loss, val_acc = evaluate(model, x_val, y_val)
            log.epoch(epoch=epoch, running_loss=running / count, train_loss=train_loss, train_acc=train_acc,
                      val_loss=val_loss, val_acc=val_acc)
            improved = log.keep_if_best(model.state_dict())            # selection on validation
            print(f"{name} · epoch {epoch}/{a.epochs} · train_loss {train_loss:.4f} · train_acc {train_acc:.4f} · "
                  f"val_loss {val_loss:.4f} · val_acc {val_acc:.4f}{' *' if improved else ''}", flush=True)
            if steps >= limit:
                break
    model.load_state_dict({k: torch.from_numpy(v) for k, v in log.best_state.items()})
    test_loss, test_acc = evaluate(model, x_te, y_te)
    print(f"{name} · selected epoch {log.best['epoch']} (val_acc {log.best['val_acc']:.4f}) · "
          f"test_loss {test_loss:.4f} · test_acc {test_acc:.4f}", flush=True)
    out = log.finish_best(directory=a.out, test_acc=test_acc, test_loss=test_loss, steps=steps)
    print(f"{name} · wrote {out}", flush=True)


if __name__ == "__main__":
    main()
