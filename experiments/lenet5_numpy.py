"""LeNet-5 trained in NumPy for longer than chapter 7's budget allows (the chapter loads the result).

The network is chapter 7's: ``lecturelib.models.lenet5(impl="numpy")`` (ReLU, 2×2 max pooling, He
initialisation, float32), trained with the course's own NumPy layers — forward, loss, backward and
``numpy_nn.Adam`` — on Fashion-MNIST:

* the 60 000 training images split as in the chapter: the first 55 000 for training, the last 5 000 held out
  for validation; the test set is touched once, at the end, by the weights chosen on validation;
* minibatches of 64, Adam with the step size ε held for the first ``--hold`` fraction of the steps and then
  decayed to 0 along a half cosine;
* light augmentation (``lecturelib.augment``): every training image is mirrored left–right with probability ½
  (garments are nearly symmetric) and shifted by up to ``--shift`` pixels (zero padding + random 28×28 crop);
* after every epoch the validation accuracy is measured and the best weights so far are kept; those are the
  checkpoint.

    python experiments/lenet5_numpy.py                           # the full run (writes lenet5_numpy.npz/.json)
    python experiments/lenet5_numpy.py --max-steps 10 --out /tmp/x   # the first steps only
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import lecturelib  # noqa: E402
from lecturelib import augment, checkpoints  # noqa: E402
from lecturelib import numpy_nn as nnp  # noqa: E402
from lecturelib.data import fashion_mnist_arrays  # noqa: E402
from lecturelib.models import lenet5  # noqa: E402
from lecturelib.training import evaluate_numpy  # noqa: E402

NAME = "lenet5_numpy"
SCRIPT = "experiments/lenet5_numpy.py"
N_VAL = 5000


def parse(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--lr", type=float, default=2e-3, help="Adam's step size ε before the decay")
    p.add_argument("--hold", type=float, default=0.2, help="fraction of the steps at the full step size")
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--shift", type=int, default=2, help="largest random translation in pixels (0: none)")
    p.add_argument("--no-flip", action="store_true", help="no random left-right mirroring")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many training steps")
    p.add_argument("--out", type=str, default=None, help="checkpoint folder (default lecturelib/checkpoints)")
    return p.parse_args(argv)


def recorded_args(argv: list[str]) -> list[str]:
    """The command-line arguments without --out/--max-steps (what the checkpoint records)."""
    out, skip = [], False
    for a in argv:
        if skip:
            skip = False
            continue
        if a in ("--out", "--max-steps"):
            skip = True
            continue
        if a.startswith(("--out=", "--max-steps=")):
            continue
        out.append(a)
    return out


def step_size(t: int, total: int, lr: float, hold: float) -> float:
    """ε for update t (0-based) of ``total``: ``lr`` for the first ``hold`` fraction, then a half cosine to 0."""
    t0 = hold * total
    if t < t0:
        return lr
    f = (t - t0) / max(total - t0, 1)
    return lr * 0.5 * (1 + math.cos(math.pi * f))


def augmented(xb: np.ndarray, rng: np.random.Generator, shift: int, flip: bool) -> np.ndarray:
    if flip:
        xb = augment.horizontal_flip(xb, rng=rng)
    if shift:
        xb = augment.random_crop(xb, xb.shape[-2:], rng=rng, pad=shift)
    return xb


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parse(argv)
    lecturelib.set_seed(args.seed)
    (x_all, y_all), (x_test, y_test) = fashion_mnist_arrays()           # float32 in [0, 1], (N, 1, 28, 28)
    x_tr, y_tr = x_all[:-N_VAL], y_all[:-N_VAL]
    x_val, y_val = x_all[-N_VAL:], y_all[-N_VAL:]

    model = lenet5(rng=lecturelib.rng(args.seed))                       # the chapter's network, float32
    opt = nnp.Adam(args.lr)
    data_rng = lecturelib.rng(args.seed + 1)                            # shuffling and augmentation
    flip = not args.no_flip
    steps_per_epoch = -(-len(x_tr) // args.batch_size)
    total = args.epochs * steps_per_epoch
    config = {"epochs": args.epochs, "batch_size": args.batch_size, "optimizer": "Adam", "lr": args.lr,
              "schedule": f"constant for the first {args.hold:.0%} of the steps, then half cosine to 0",
              "hold": args.hold, "augment": {"hflip_p": 0.5 if flip else 0.0, "max_shift_px": args.shift},
              "n_train": len(x_tr), "n_val": len(x_val), "val_split": "last 5000 training images",
              "selection": "best validation accuracy", "model": "lecturelib.models.lenet5(impl='numpy')"}
    log = checkpoints.RunLog(NAME, seed=args.seed, framework="numpy", script=SCRIPT, args=recorded_args(argv),
                             config=config)
    out = args.out if args.out is not None else None

    t, start = 0, time.perf_counter()
    print(f"{NAME}: {len(x_tr)} training / {len(x_val)} validation images, {args.epochs} epochs of "
          f"{steps_per_epoch} steps", flush=True)
    with lecturelib.progress(total=total if args.max_steps is None else min(total, args.max_steps),
                             desc=NAME) as bar:
        for epoch in range(1, args.epochs + 1):
            order = data_rng.permutation(len(x_tr))
            loss_sum, correct, seen = 0.0, 0, 0
            for s in range(0, len(x_tr), args.batch_size):
                idx = order[s:s + args.batch_size]
                xb, yb = augmented(x_tr[idx], data_rng, args.shift, flip), y_tr[idx]
                opt.lr = step_size(t, total, args.lr, args.hold)
                scores = model.forward(xb, train=True)
                J, dscores = nnp.softmax_cross_entropy(scores, yb)
                if not math.isfinite(J):
                    raise RuntimeError(f"loss became {J} at step {t + 1}")
                model.backward(dscores)
                opt.step(model.params, model.grads)
                log.step(J)
                loss_sum += J * len(idx)
                correct += int(np.sum(scores.argmax(axis=1) == yb))
                seen += len(idx)
                t += 1
                bar.update(1)
                if args.max_steps is not None and t >= args.max_steps:
                    break
            val_loss, val_acc = evaluate_numpy(model, (x_val, y_val))
            record = {"epoch": epoch, "train_loss": loss_sum / seen, "train_acc": correct / seen,
                      "val_loss": val_loss, "val_acc": val_acc, "lr_end": opt.lr, "steps": t,
                      "seconds": round(time.perf_counter() - start, 1)}
            log.epoch(**record)
            log.keep_if_best(model.params)                              # selection on validation
            bar.set_postfix(val_acc=f"{val_acc:.4f}")
            print(f"{NAME} · epoch {epoch}/{args.epochs} · loss {record['train_loss']:.4f} · "
                  f"acc {record['train_acc']:.4f} · val_loss {val_loss:.4f} · val_acc {val_acc:.4f} · "
                  f"ε {opt.lr:.2e} · {record['seconds']:.0f} s", flush=True)
            if args.max_steps is not None and t >= args.max_steps:
                break

    for k, v in log.best_state.items():                                 # the weights chosen on validation
        model.params[k][...] = v
    test_loss, test_acc = evaluate_numpy(model, (x_test, y_test))
    best = log.best
    path = log.finish_best(directory=out, test_loss=test_loss, test_acc=test_acc, steps=t)
    print(f"{NAME}: best validation accuracy {best['val_acc']:.4f} after epoch {best['epoch']}; "
          f"test accuracy of those weights {test_acc:.4f} (loss {test_loss:.4f}) → {path}", flush=True)


if __name__ == "__main__":
    main()
