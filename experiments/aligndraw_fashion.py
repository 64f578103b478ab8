"""Long run of chapter 14: alignDRAW (Mansimov et al., 2016) on captioned Fashion-MNIST, in PyTorch (CPU or GPU).

The data are :func:`lecturelib.generative.captioned_fashion`: each Fashion-MNIST garment placed in one quadrant of
a black 56×56 canvas, captioned "a sneaker at the top left", as the alignDRAW paper built captioned MNIST. Ten
(label, position) pairs (:data:`lecturelib.generative.HELD_OUT`: label y at quadrant y mod 4) never occur in
training, so the chapter can sample captions the model never saw.

The model is :func:`lecturelib.generative.aligndraw`: DRAW's canvas over ``--T`` steps with Gaussian read and
write attention, inference and generative LSTMs, a learned prior p(z_t | h^gen_{t-1}), and the caption read by
a bidirectional LSTM and aligned to the generative state at every step. Loss per image: the Bernoulli negative
log-likelihood of the canvas plus the KL terms of the T steps (nats), averaged over the batch; Adam with step
size ``--lr``, gradients clipped to norm 10 (DRAW's LSTMs occasionally spike).

* data: ``--train-size`` class-balanced training images (default: all 60 000), a quadrant each drawn once with
  ``--seed`` (never a held-out pair); shuffled each epoch; the canvases are built per batch;
* the log: per epoch the training means of loss, reconstruction and kl over the epoch's steps, and on 2 000 test
  images the loss with seen pairs (``test_loss``) and with the held-out pairs (``test_loss_held_out``);
  ``first_losses`` are the training losses of the first steps.

Run from the repository root::

    python experiments/aligndraw_fashion.py --epochs 3
    python experiments/aligndraw_fashion.py ... --max-steps 10 --out /tmp/x    # the first steps (the test)
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

import lecturelib  # noqa: E402
from lecturelib import checkpoints  # noqa: E402
from lecturelib.generative import aligndraw, captioned_fashion, place, state_to_float16  # noqa: E402

N_TEST = 2000


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--T", type=int, default=12)
    p.add_argument("--z-dim", type=int, default=16)
    p.add_argument("--hidden", type=int, default=192)
    p.add_argument("--read-n", type=int, default=6)
    p.add_argument("--write-n", type=int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--train-size", type=int, default=None, help="train on N class-balanced images (default: all)")
    p.add_argument("--name", default="aligndraw_fashion")
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--out", default=None)
    return p.parse_args(argv)


@torch.no_grad()
def evaluate(model: torch.nn.Module, data: dict, seed: int, batch: int = 500) -> float:
    """Mean loss (reconstruction + kl, nats per image) on ``data``, z drawn by a generator seeded with ``seed``."""
    model.eval()
    g = torch.Generator(device="cpu").manual_seed(seed)
    total = 0.0
    n = len(data["labels"])
    for s in range(0, n, batch):
        x = place(data["garments"][s:s + batch], data["positions"][s:s + batch])
        rec, kl = model.loss(x, data["tokens"][s:s + batch], g)
        total += float((rec + kl).sum())
    return total / n


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    args = ["--epochs", str(a.epochs), "--seed", str(a.seed), "--T", str(a.T), "--z-dim", str(a.z_dim),
            "--hidden", str(a.hidden), "--read-n", str(a.read_n), "--write-n", str(a.write_n), "--lr", repr(a.lr),
            "--batch-size", str(a.batch_size), "--name", a.name] + \
        (["--train-size", str(a.train_size)] if a.train_size is not None else [])
    lecturelib.set_seed(a.seed)
    device = torch.device(a.device)
    train = captioned_fashion("train", n=a.train_size, seed=a.seed)
    n_test = 200 if a.max_steps is not None else N_TEST
    test_seen = captioned_fashion("test", n=n_test, seed=a.seed + 1)
    test_new = captioned_fashion("test", n=n_test, seed=a.seed + 1, held_out="only")
    garments = torch.from_numpy(train["garments"])
    positions, tokens = torch.from_numpy(train["positions"]), train["tokens"]
    model = aligndraw(56, a.T, a.z_dim, a.hidden, a.read_n, a.write_n).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    gen = lecturelib.rng(a.seed + 1)
    zgen = torch.Generator(device="cpu").manual_seed(a.seed + lecturelib.seed_offset() + 2)
    n = len(garments)
    steps_per_epoch = -(-n // a.batch_size)
    total = a.epochs * steps_per_epoch
    config = {"canvas": 56, "T": a.T, "z_dim": a.z_dim, "hidden": a.hidden, "read_n": a.read_n,
              "write_n": a.write_n, "params": sum(p.numel() for p in model.parameters()),
              "optimizer": f"Adam lr {a.lr}, gradient norm clipped to 10", "batch_size": a.batch_size,
              "epochs": a.epochs, "n_train": n, "n_test": n_test,
              "held_out": "label y at position y % 4 (lecturelib.generative.HELD_OUT), never in training",
              "likelihood": "Bernoulli (binary cross-entropy summed over the 56x56 pixels), nats per image",
              "storage": "float16", "device": str(device)}
    log = checkpoints.RunLog(a.name, seed=a.seed, framework="torch", script="experiments/aligndraw_fashion.py",
                             args=args, config=config)
    steps = 0
    limit = total if a.max_steps is None else min(a.max_steps, total)
    with lecturelib.progress(total=limit, desc=a.name) as bar:
        for epoch in range(1, a.epochs + 1):
            model.train()
            start = time.perf_counter()
            order = torch.from_numpy(gen.permutation(n))
            sums = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
            count = 0
            for s in range(0, n, a.batch_size):
                idx = order[s:s + a.batch_size]
                x = place(garments[idx], positions[idx]).to(device)
                rec, kl = model.loss(x, tokens[idx].to(device), zgen)
                loss = (rec + kl).mean()
                opt.zero_grad()
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), 10.0)
                opt.step()
                J = float(loss.detach())
                if not math.isfinite(J):
                    raise RuntimeError(f"the loss became {J} at step {steps + 1}")
                log.step(J)
                sums["loss"] += J * len(idx)
                sums["reconstruction"] += float(rec.detach().sum())
                sums["kl"] += float(kl.detach().sum())
                count += len(idx)
                steps += 1
                bar.update(1)
                if steps % 100 == 0:
                    print(f"{a.name} · step {steps}/{limit} · loss {J:.1f} · {time.perf_counter() - start:.0f} s",
                          flush=True)
                if steps >= limit:
                    break
            record = {k: v / count for k, v in sums.items()}
            test_loss = evaluate(model, test_seen, a.seed + 3)
            test_new_loss = evaluate(model, test_new, a.seed + 3)
            log.epoch(epoch=epoch, **record, test_loss=test_loss, test_loss_held_out=test_new_loss,
                      seconds=round(time.perf_counter() - start, 1))
            print(f"{a.name} · epoch {epoch}/{a.epochs} · loss {record['loss']:.1f} (rec {record['reconstruction']:.1f}"
                  f" + kl {record['kl']:.1f}) · test_loss {test_loss:.1f} · held-out pairs {test_new_loss:.1f} · "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
            if steps >= limit:
                break
    last = dict(log.meta["epochs"][-1])
    last.pop("seconds")
    out = log.finish(state_to_float16(model.state_dict()), directory=a.out, steps=steps, **last)
    print(f"{a.name} · wrote {out}", flush=True)


if __name__ == "__main__":
    main()
