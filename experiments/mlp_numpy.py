"""The long run of chapter 4: the benchmark's 256-128-100 ReLU MLP on Fashion-MNIST, in NumPy.

Chapter 4 trains a 784-256-128-10 MLP with plain SGD for 10 epochs inside its time budget (test accuracy
about 0.87). This script trains the network of the Fashion-MNIST benchmark table's row "MLP 256-128-100"
(test accuracy 0.8833), 784-256-128-100-10 with ReLU hidden units, with the course's own NumPy layers
(``lecturelib.models.mlp(impl="numpy")``: the chapter's forward and backward pass) and ``numpy_nn.Adam``:

* data: the 60 000 training images, the last 5 000 of them held out as a validation set; the 10 000 test
  images are evaluated once, for the selected weights only;
* Adam (ρ = ``--lr``), the step size decayed along a half cosine to 1 % of ρ over ``--epochs`` epochs,
  minibatches of ``--batch-size`` shuffled every epoch, decoupled weight decay ``--weight-decay`` (AdamW
  style: ``W ← W − ρ_t λ W`` on the weight matrices, not the biases);
* model selection on the validation set: the weights of the epoch with the highest validation accuracy are
  the ones stored (early stopping — the run stops when the validation accuracy has not improved for
  ``--patience`` epochs).

Run from the repository root::

    python experiments/mlp_numpy.py                         # the full run (writes lecturelib/checkpoints/mlp_numpy.*)
    python experiments/mlp_numpy.py --max-steps 10 --out /tmp/x   # only the first steps (tests/test_experiments.py)
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lecturelib  # noqa: E402
from lecturelib import checkpoints  # noqa: E402
from lecturelib import numpy_nn as nnp  # noqa: E402
from lecturelib.data import fashion_mnist_arrays  # noqa: E402
from lecturelib.models import mlp  # noqa: E402
from lecturelib.training import evaluate_numpy, iterate_minibatches  # noqa: E402

NAME = "mlp_numpy"
SIZES = [784, 256, 128, 100, 10]
N_VAL = 5000


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=40)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--weight-decay", type=float, default=0.0)
    p.add_argument("--patience", type=int, default=10)
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--out", default=None)
    return p.parse_args(argv)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    # the arguments that define the run (what tests/test_experiments.py re-runs), without --out/--max-steps
    args = ["--epochs", str(a.epochs), "--seed", str(a.seed), "--lr", repr(a.lr), "--batch-size",
            str(a.batch_size), "--weight-decay", repr(a.weight_decay), "--patience", str(a.patience)]
    lecturelib.set_seed(a.seed)
    (x_all, y_all), (x_test, y_test) = fashion_mnist_arrays(flatten=True)      # float32 in [0, 1]
    x_tr, y_tr = x_all[:-N_VAL], y_all[:-N_VAL]
    x_val, y_val = x_all[-N_VAL:], y_all[-N_VAL:]

    model = mlp(SIZES, "relu", impl="numpy", init="he", rng=lecturelib.rng(a.seed))
    opt = nnp.Adam(a.lr)
    shuffle_rng = lecturelib.rng(a.seed + 1)
    config = {"sizes": SIZES, "activation": "relu", "init": "he", "optimizer": "Adam", "lr": a.lr,
              "lr_schedule": "half cosine from lr to lr/100 over the epochs, per epoch",
              "batch_size": a.batch_size, "weight_decay": a.weight_decay, "weight_decay_kind": "decoupled",
              "patience": a.patience, "n_train": len(x_tr), "n_val": len(x_val), "n_test": len(x_test),
              "validation": "the last 5000 of the 60000 training images", "selection": "best val_acc",
              "dtype": "float32"}
    log = checkpoints.RunLog(NAME, seed=a.seed, framework="numpy", script="experiments/mlp_numpy.py",
                             args=args, config=config)
    steps_per_epoch = -(-len(x_tr) // a.batch_size)
    total = a.epochs * steps_per_epoch if a.max_steps is None else min(a.max_steps, a.epochs * steps_per_epoch)
    steps, stale = 0, 0
    with lecturelib.progress(total=total, desc="mlp_numpy") as bar:
        for epoch in range(1, a.epochs + 1):
            lr = a.lr * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * (epoch - 1) / a.epochs)))
            opt.lr = lr
            total_loss, count = 0.0, 0
            for xb, yb in iterate_minibatches(x_tr, y_tr, a.batch_size, shuffle_rng):
                J, du = nnp.softmax_cross_entropy(model.forward(xb, train=True), yb)
                if not math.isfinite(J):
                    raise RuntimeError(f"the loss became {J} at step {steps + 1}")
                model.backward(du)
                if a.weight_decay:
                    for k, p in model.params.items():
                        if k.startswith("W"):
                            p -= (lr * a.weight_decay) * p
                opt.step(model.params, model.grads)
                log.step(J)
                total_loss += J * len(xb)
                count += len(xb)
                steps += 1
                bar.update(1)
                if a.max_steps is not None and steps >= a.max_steps:
                    break
            train_loss, train_acc = evaluate_numpy(model, (x_tr, y_tr))
            val_loss, val_acc = evaluate_numpy(model, (x_val, y_val))
            log.epoch(epoch=epoch, lr=lr, running_loss=total_loss / count, train_loss=train_loss,
                      train_acc=train_acc, val_loss=val_loss, val_acc=val_acc)
            improved = log.keep_if_best(model.params)        # selection on validation accuracy
            if improved:
                stale = 0
            else:
                stale += 1
            bar.set_postfix(val_acc=f"{val_acc:.4f}")
            print(f"mlp_numpy · epoch {epoch}/{a.epochs} · lr {lr:.2e} · train_loss {train_loss:.4f} · "
                  f"train_acc {train_acc:.4f} · val_loss {val_loss:.4f} · val_acc {val_acc:.4f}"
                  f"{' *' if improved else ''}", flush=True)
            if a.max_steps is not None and steps >= a.max_steps:
                break
            if stale >= a.patience:
                print(f"mlp_numpy · no improvement of val_acc for {a.patience} epochs: stopped", flush=True)
                break
    model.params.update(log.best_state)              # the selected weights: best validation accuracy
    test_loss, test_acc = evaluate_numpy(model, (x_test, y_test))
    print(f"mlp_numpy · selected epoch {log.best['epoch']} (val_acc {log.best['val_acc']:.4f}) · "
          f"test_loss {test_loss:.4f} · test_acc {test_acc:.4f}", flush=True)
    out = log.finish_best(directory=a.out, test_acc=test_acc, test_loss=test_loss, steps=steps)
    print(f"mlp_numpy · wrote {out}", flush=True)


if __name__ == "__main__":
    main()
