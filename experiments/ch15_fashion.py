"""Long runs of chapter 15: BitNet vs a wide residual network, quasi-hexagonal vs square kernels, and filters
constrained to matrix manifolds — all on Fashion-MNIST at course scale, several seeds each.

``--experiment`` picks the network and the optimiser:

* ``bitnet`` — ``bitnet(14, width=8, block_depth=4)`` (one BitBlock of depth 4 per stage; Zhang et al. 2017);
* ``wrn`` — its same-depth, same-width comparator ``resnet_cifar(14, width=8)`` (two basic blocks per stage);
* ``hex`` / ``square`` — ``qh_net("hex")`` / ``qh_net("square")`` at an equal parameter budget (Sun et al. 2016);
* ``sgd`` / ``sphere`` / ``oblique`` / ``stiefel`` — ``qh_net("square")`` trained with Euclidean SGD, or with
  :class:`lecturelib.manifold.RiemannianSGD` keeping every convolution's filters on the manifold (Ozay & Okatani).

Training, the same for every experiment: the first ``--train-size`` training images (10 000 by default), the
last 5 000 of the 60 000 held out (their first 2 000 validate); minibatches of ``--batch-size``, momentum 0.9, step size ``--lr`` decayed
along a half cosine per step to 0, weight decay ``--weight-decay`` on unconstrained parameters (not on the
manifold ones, whose norm the constraint fixes), ``--epochs`` epochs (2), no augmentation. After each epoch: loss
and accuracy on a fixed 1 000 of the training images and on the 2 000 validation images (and, for manifold runs, the largest
constraint violation over the layers); the weights of the best validation epoch are kept and evaluated once on
the 10 000 test images. With ``--max-steps`` (the test's smoke run) training metrics use 500 images and
validation and test their first 500.

Run from the repository root::

    python experiments/ch15_fashion.py --experiment hex --seed 0
    python experiments/ch15_fashion.py --experiment hex --seed 0 --max-steps 10 --out /tmp/x   # the test
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import lecturelib  # noqa: E402
from lecturelib import checkpoints, manifold  # noqa: E402
from lecturelib.data import fashion_mnist_arrays  # noqa: E402
from lecturelib.models import bitnet, qh_net, resnet_cifar, summary  # noqa: E402
from lecturelib.models.hexconv import count_params  # noqa: E402

N_VAL = 5000
N_VAL_EVAL = 2000
N_TRAIN_EVAL = 1000
BUILDERS = {"bitnet": bitnet, "resnet_cifar": resnet_cifar, "qh_net": qh_net}
EXPERIMENTS = {
    "bitnet": ("bitnet", {"depth": 14, "width": 8, "block_depth": 4}, "euclidean"),
    "wrn": ("resnet_cifar", {"depth": 14, "width": 8}, "euclidean"),
    "hex": ("qh_net", {"kernel": "hex"}, "euclidean"),
    "square": ("qh_net", {"kernel": "square"}, "euclidean"),
    "sgd": ("qh_net", {"kernel": "square"}, "euclidean"),
    "sphere": ("qh_net", {"kernel": "square"}, "sphere"),
    "oblique": ("qh_net", {"kernel": "square"}, "oblique"),
    "stiefel": ("qh_net", {"kernel": "square"}, "stiefel"),
}


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--experiment", choices=list(EXPERIMENTS), required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--train-size", type=int, default=10000)
    p.add_argument("--lr", type=float, default=0.1)
    p.add_argument("--weight-decay", type=float, default=5e-4)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--name", default=None, help="checkpoint name (default: ch15_<experiment>_s<seed>)")
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--out", default=None)
    return p.parse_args(argv)


@torch.no_grad()
def evaluate(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> tuple[float, float]:
    model.eval()
    loss, correct = 0.0, 0
    for s in range(0, len(x), batch):
        scores = model(x[s:s + batch])
        loss += float(F.cross_entropy(scores, y[s:s + batch], reduction="sum"))
        correct += int((scores.argmax(1) == y[s:s + batch]).sum())
    return loss / len(x), correct / len(x)


def violation(model: torch.nn.Module, kind: str) -> float:
    """The largest constraint violation over the network's convolution weights."""
    return max((manifold.constraint_violation(p, kind) for p in model.parameters() if p.ndim == 4), default=0.0)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    name = a.name or f"ch15_{a.experiment}_s{a.seed}"
    args = ["--experiment", a.experiment, "--seed", str(a.seed), "--epochs", str(a.epochs), "--train-size",
            str(a.train_size), "--lr", repr(a.lr), "--weight-decay", repr(a.weight_decay), "--batch-size",
            str(a.batch_size), "--name", name]
    builder, kwargs, kind = EXPERIMENTS[a.experiment]
    lecturelib.set_seed(a.seed)
    device = torch.device(a.device)
    (x_all, y_all), (x_test, y_test) = fashion_mnist_arrays()                   # float32 in [0, 1], NCHW
    to = lambda arr: torch.from_numpy(arr).to(device)                          # noqa: E731
    x_tr, y_tr = to(x_all[:-N_VAL]), to(y_all[:-N_VAL])
    x_val, y_val = to(x_all[-N_VAL:][:N_VAL_EVAL]), to(y_all[-N_VAL:][:N_VAL_EVAL])
    x_te, y_te = to(x_test), to(y_test)
    if not 0 < a.train_size <= len(x_tr):
        raise ValueError(f"--train-size must be between 1 and {len(x_tr)}, got {a.train_size}")
    x_tr, y_tr = x_tr[:a.train_size], y_tr[:a.train_size]
    n_eval = N_TRAIN_EVAL if a.max_steps is None else 500
    step_eval = max(1, len(x_tr) // n_eval)
    x_tr_eval, y_tr_eval = x_tr[::step_eval][:n_eval], y_tr[::step_eval][:n_eval]
    if a.max_steps is not None:
        x_val, y_val, x_te, y_te = x_val[:500], y_val[:500], x_te[:500], y_te[:500]

    model = BUILDERS[builder](**kwargs).to(device)
    info = summary(model, (1, 28, 28), print_table=False)
    if kind == "euclidean":
        opt: torch.optim.Optimizer = torch.optim.SGD(model.parameters(), lr=a.lr, momentum=0.9,
                                                     weight_decay=a.weight_decay)
    else:
        opt = manifold.RiemannianSGD(manifold.param_groups(model, kind), lr=a.lr, momentum=0.9, manifold=kind,
                                     weight_decay=a.weight_decay)
    gen = lecturelib.rng(a.seed + 1)
    steps_per_epoch = -(-len(x_tr) // a.batch_size)
    total = a.epochs * steps_per_epoch
    config = {"experiment": a.experiment, "builder": builder, "builder_kwargs": kwargs, "manifold": kind,
              "params": count_params(model), "stored_params": sum(p.numel() for p in model.parameters()),
              "macs": info.total_macs,
              "optimizer": "SGD momentum 0.9" if kind == "euclidean" else
              f"RiemannianSGD momentum 0.9 on the {kind} manifold (conv weights), SGD for the rest",
              "lr": a.lr, "lr_schedule": "half cosine per step to 0", "weight_decay": a.weight_decay,
              "weight_decay_on": "all parameters" if kind == "euclidean" else "unconstrained parameters",
              "batch_size": a.batch_size, "epochs": a.epochs, "augment": "none", "n_train": len(x_tr),
              "n_val": len(x_val), "n_test": len(x_te), "n_train_eval": len(x_tr_eval),
              "validation": "the first 2000 of the last 5000 of the 60000 training images", "selection": "best val_acc",
              "device": str(device)}
    log = checkpoints.RunLog(name, seed=a.seed, framework="torch", script="experiments/ch15_fashion.py",
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
            extra = {} if kind == "euclidean" else {"constraint_violation": violation(model, kind)}
            log.epoch(epoch=epoch, steps=steps, running_loss=running / count, train_loss=train_loss,
                      train_acc=train_acc, val_loss=val_loss, val_acc=val_acc, **extra)
            improved = log.keep_if_best(model.state_dict())            # selection on validation
            print(f"{name} · epoch {epoch}/{a.epochs} · train_loss {train_loss:.4f} · train_acc {train_acc:.4f} · "
                  f"val_loss {val_loss:.4f} · val_acc {val_acc:.4f}"
                  f"{''.join(f' · {k} {v:.1e}' for k, v in extra.items())}{' *' if improved else ''}", flush=True)
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
