"""Long runs of chapter 13: adversarial training as a defence (Goodfellow et al. 2015; Madry et al. 2018).

The same network is trained twice with the same recipe, once on clean images (``--train standard``) and once
on adversarial examples generated on the fly against the current weights (``--train pgd`` or ``fgsm``);
chapter 13 loads both checkpoints and measures the cost (clean accuracy) and the gain (accuracy under FGSM and
PGD at several ε) live.

* network: LeNet-5 of :mod:`lecturelib.models` in PyTorch's layers (``lenet5(impl="torch")``, 61,706
  parameters: the architecture of chapter 7's ``lenet5_numpy``, so chapter 13 compares like with like and a
  run fits a CPU thread in minutes);
* data: the first ``--train-size`` (default 20 000) of the 55 000 training images (the last 5 000 of the 60 000
  are held out for validation); the test set is evaluated once, for the final weights;
* training: Adam at ``--lr``, decayed along a half cosine per step to 0, minibatches of ``--batch-size``,
  ``--epochs`` epochs, the final weights kept (no selection: the two runs differ only in their inputs);
* adversarial training (``--train pgd``, Madry et al.): each minibatch is replaced by its PGD examples —
  a uniform random start in the ε-box, ``--pgd-steps`` sign-gradient steps of ``2.5 ε / steps`` on the loss,
  each projected onto {‖x̃ − x‖_∞ ≤ ε} ∩ [0, 1] — made with the network in evaluation mode, then one ordinary
  training step is taken on them. ``--adv-fraction f`` replaces only the first f of each minibatch (Goodfellow
  et al.'s mix is f = 0.5; the default 1.0 is Madry et al.'s pure min–max training). ``--train fgsm`` uses one
  step of size ε from the clean image (Goodfellow et al.'s examples);
* per epoch: training loss (running, on the inputs trained on), validation accuracy on clean images and under
  PGD (ε, 10 steps of ε/4, the first 500 validation images); at the end, the clean accuracy on the full test
  set and the PGD accuracy on its first 1 000 images.

Run from the repository root::

    python experiments/adversarial_fashion.py --train standard --seed 0
    python experiments/adversarial_fashion.py --train pgd --seed 0
    python experiments/adversarial_fashion.py ... --max-steps 10 --out /tmp/x    # the first steps (the test)
    python experiments/adversarial_fashion.py ... --device cuda                   # on a GPU
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
from lecturelib.models import lenet5  # noqa: E402

N_VAL = 5000
N_VAL_ROBUST = 500
N_TEST_ROBUST = 1000
EVAL_STEPS = 10


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--train", choices=("standard", "pgd", "fgsm"), default="standard")
    p.add_argument("--eps", type=float, default=0.1, help="L∞ radius in [0, 1] pixel units")
    p.add_argument("--pgd-steps", type=int, default=3)
    p.add_argument("--adv-fraction", type=float, default=1.0)
    p.add_argument("--epochs", type=int, default=4)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--train-size", type=int, default=20000,
                   help="train on the first N of the 55 000 training images (default 20 000, to fit a CPU thread)")
    p.add_argument("--name", default=None, help="checkpoint name (default: adv_<train>_s<seed>)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--out", default=None)
    return p.parse_args(argv)


def project(adv: torch.Tensor, x: torch.Tensor, eps: float) -> torch.Tensor:
    """Π onto {‖x̃ − x‖_∞ ≤ ε} ∩ [0, 1]."""
    return torch.minimum(torch.maximum(adv, x - eps), x + eps).clamp(0, 1)


def input_gradient(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    x = x.detach().clone().requires_grad_(True)
    (g,) = torch.autograd.grad(F.cross_entropy(model(x), y, reduction="sum"), x)
    return g


def attack(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float, steps: int, step: float,
           start: torch.Tensor | None = None) -> torch.Tensor:
    """Sign-gradient ascent on the loss from ``x + start`` (``start`` None: from x), projected at every step."""
    was_training = model.training
    model.eval()
    adv = x if start is None else project(x + start, x, eps)
    for _ in range(steps):
        adv = project(adv + step * input_gradient(model, adv, y).sign(), x, eps)
    model.train(was_training)
    return adv.detach()


def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, eps: float | None = None,
             batch: int = 1000) -> tuple[float, float]:
    """(mean loss, accuracy) on clean images, or under PGD (ε, 10 steps of ε/4, from x) when ``eps`` is given."""
    model.eval()
    loss, correct = 0.0, 0
    for s in range(0, len(x), batch):
        xb, yb = x[s:s + batch], y[s:s + batch]
        if eps is not None:
            xb = attack(model, xb, yb, eps, EVAL_STEPS, eps / 4)
        with torch.no_grad():
            scores = model(xb)
        loss += float(F.cross_entropy(scores, yb, reduction="sum"))
        correct += int((scores.argmax(1) == yb).sum())
    return loss / len(x), correct / len(x)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    if not 0.0 < a.adv_fraction <= 1.0:
        raise ValueError(f"--adv-fraction must be in (0, 1], got {a.adv_fraction}")
    name = a.name or f"adv_{a.train}_s{a.seed}"
    args = ["--train", a.train, "--eps", repr(a.eps), "--pgd-steps", str(a.pgd_steps),
            "--adv-fraction", repr(a.adv_fraction), "--epochs", str(a.epochs), "--seed", str(a.seed),
            "--lr", repr(a.lr), "--batch-size", str(a.batch_size), "--train-size", str(a.train_size), "--name", name]
    lecturelib.set_seed(a.seed)
    device = torch.device(a.device)
    (x_all, y_all), (x_test, y_test) = fashion_mnist_arrays()                   # float32 in [0, 1], NCHW
    to = lambda arr: torch.from_numpy(arr).to(device)                          # noqa: E731
    x_tr, y_tr, x_val, y_val = to(x_all[:-N_VAL]), to(y_all[:-N_VAL]), to(x_all[-N_VAL:]), to(y_all[-N_VAL:])
    x_te, y_te = to(x_test), to(y_test)
    if not 0 < a.train_size <= len(x_tr):
        raise ValueError(f"--train-size must be between 1 and {len(x_tr)}, got {a.train_size}")
    x_tr, y_tr = x_tr[:a.train_size], y_tr[:a.train_size]
    n_val_robust, n_test_robust = N_VAL_ROBUST, N_TEST_ROBUST
    if a.max_steps is not None:
        x_val, y_val, x_te, y_te, n_val_robust, n_test_robust = x_val[:500], y_val[:500], x_te[:500], y_te[:500], 200, 200

    model = lenet5(impl="torch").to(device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    gen = lecturelib.rng(a.seed + 1)
    steps_per_epoch = -(-len(x_tr) // a.batch_size)
    total = a.epochs * steps_per_epoch
    adv_desc = {"standard": "none (clean images)",
                "pgd": f"PGD: uniform random start in the ε-box, {a.pgd_steps} steps of 2.5ε/{a.pgd_steps}",
                "fgsm": "FGSM: one step of ε from the clean image"}[a.train]
    config = {"model": "lenet5 (torch)", "params": sum(p.numel() for p in model.parameters()),
              "train": a.train, "adversarial_examples": adv_desc, "eps": a.eps,
              "adv_fraction": a.adv_fraction if a.train != "standard" else 0.0,
              "optimizer": "Adam", "lr": a.lr, "lr_schedule": "half cosine per step to 0",
              "batch_size": a.batch_size, "epochs": a.epochs, "augment": "none",
              "n_train": len(x_tr), "n_val": len(x_val), "n_val_robust": n_val_robust, "n_test": len(x_te),
              "n_test_robust": n_test_robust,
              "robust_eval": f"PGD ε={a.eps}, {EVAL_STEPS} steps of ε/4, start at x",
              "validation": "the last 5000 of the 60000 training images", "selection": "final weights",
              "device": str(device)}
    log = checkpoints.RunLog(name, seed=a.seed, framework="torch", script="experiments/adversarial_fashion.py",
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
                if a.train != "standard":
                    k = max(1, round(a.adv_fraction * len(xb)))
                    if a.train == "pgd":
                        start = torch.from_numpy(gen.uniform(-a.eps, a.eps, size=tuple(xb[:k].shape))
                                                 .astype(np.float32)).to(device)
                        adv = attack(model, xb[:k], yb[:k], a.eps, a.pgd_steps, 2.5 * a.eps / a.pgd_steps, start)
                    else:
                        adv = attack(model, xb[:k], yb[:k], a.eps, 1, a.eps)
                    xb = torch.cat([adv, xb[k:]])
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
            val_loss, val_acc = evaluate(model, x_val, y_val)
            _, val_robust = evaluate(model, x_val[:n_val_robust], y_val[:n_val_robust], eps=a.eps)
            log.epoch(epoch=epoch, running_loss=running / count, val_loss=val_loss, val_acc=val_acc,
                      val_robust_acc=val_robust)
            print(f"{name} · epoch {epoch}/{a.epochs} · running_loss {running / count:.4f} · val_acc {val_acc:.4f} · "
                  f"val_robust_acc (PGD ε={a.eps}) {val_robust:.4f}", flush=True)
            if steps >= limit:
                break
    test_loss, test_acc = evaluate(model, x_te, y_te)
    _, test_robust = evaluate(model, x_te[:n_test_robust], y_te[:n_test_robust], eps=a.eps)
    print(f"{name} · test_loss {test_loss:.4f} · test_acc {test_acc:.4f} · test_robust_acc (PGD ε={a.eps}, "
          f"first {n_test_robust}) {test_robust:.4f}", flush=True)
    last = log.meta["epochs"][-1]
    out = log.finish(model.state_dict(), directory=a.out, epochs_run=last["epoch"], val_acc=last["val_acc"],
                     val_robust_acc=last["val_robust_acc"], test_acc=test_acc, test_loss=test_loss,
                     test_robust_acc=test_robust, steps=steps)
    print(f"{name} · wrote {out}", flush=True)


if __name__ == "__main__":
    main()
