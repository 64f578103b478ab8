"""Long run of chapter 14: a convolutional VAE (Kingma & Welling, 2014) on Fashion-MNIST, in PyTorch (CPU or GPU).

The model is :func:`lecturelib.generative.vae` (Bernoulli decoder on pixels in [0, 1], diagonal Gaussian
posterior, N(0, I) prior); the loss is the negative ELBO, ``reconstruction + beta * kl`` per image
(:func:`lecturelib.generative.elbo_terms`), one z per image (the reparameterisation trick), averaged over the
batch. Adam with step size ``--lr``.

* data: the first ``--train-size`` images of a class-balanced subset of the 60 000 training images (default:
  all), shuffled each epoch; the test set (10 000 images) is evaluated after each epoch, with one z per image
  drawn by a generator seeded the same way each time (a one-sample estimate of the negative ELBO);
* the log: per epoch the training means of loss, reconstruction and kl (nats per image, over the epoch's
  steps) and the same on the test set; ``first_losses`` are the training losses of the first steps;
* ``--z-dim 2`` (the default, ``vae_fashion``) gives the 2-D latent space the chapter draws as a manifold;
  ``--z-dim 16 --name vae_fashion_z16`` the model the chapter compares with the GAN by a Fréchet distance.

Run from the repository root::

    python experiments/vae_fashion.py --epochs 10
    python experiments/vae_fashion.py --z-dim 16 --name vae_fashion_z16
    python experiments/vae_fashion.py ... --max-steps 10 --out /tmp/x    # the first steps (the test)
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
from lecturelib.data import fashion_mnist_arrays  # noqa: E402
from lecturelib.generative import elbo_terms, state_to_float16, vae  # noqa: E402


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--z-dim", type=int, default=2)
    p.add_argument("--width", type=int, default=16)
    p.add_argument("--hidden", type=int, default=128)
    p.add_argument("--beta", type=float, default=1.0)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--train-size", type=int, default=None, help="train on N class-balanced images (default: all)")
    p.add_argument("--name", default="vae_fashion")
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--out", default=None)
    return p.parse_args(argv)


@torch.no_grad()
def evaluate(model: torch.nn.Module, x: torch.Tensor, beta: float, seed: int, batch: int = 1000) -> dict[str, float]:
    """Mean loss, reconstruction and kl per image on x, one z per image from a generator seeded with ``seed``."""
    model.eval()
    g = torch.Generator(device="cpu").manual_seed(seed)
    rec_sum, kl_sum = 0.0, 0.0
    for s in range(0, len(x), batch):
        xb = x[s:s + batch]
        mu, logvar = model.encode(xb)
        eps = torch.randn(mu.shape, generator=g).to(mu.device)
        rec, kl = elbo_terms(xb, model.decode(mu + torch.exp(0.5 * logvar) * eps), mu, logvar)
        rec_sum, kl_sum = rec_sum + float(rec.sum()), kl_sum + float(kl.sum())
    rec, kl = rec_sum / len(x), kl_sum / len(x)
    return {"loss": rec + beta * kl, "reconstruction": rec, "kl": kl}


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    args = ["--epochs", str(a.epochs), "--seed", str(a.seed), "--z-dim", str(a.z_dim), "--width", str(a.width),
            "--hidden", str(a.hidden), "--beta", repr(a.beta), "--lr", repr(a.lr), "--batch-size", str(a.batch_size),
            "--name", a.name] + (["--train-size", str(a.train_size)] if a.train_size is not None else [])
    lecturelib.set_seed(a.seed)
    device = torch.device(a.device)
    (x_all, _), (x_test, _) = fashion_mnist_arrays(n_train=a.train_size)
    x_tr, x_te = torch.from_numpy(x_all).to(device), torch.from_numpy(x_test).to(device)
    if a.max_steps is not None:
        x_te = x_te[:500]
    model = vae(a.z_dim, a.width, a.hidden).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=a.lr)
    gen = lecturelib.rng(a.seed + 1)
    zgen = torch.Generator(device="cpu").manual_seed(a.seed + lecturelib.seed_offset() + 2)
    steps_per_epoch = -(-len(x_tr) // a.batch_size)
    total = a.epochs * steps_per_epoch
    config = {"z_dim": a.z_dim, "width": a.width, "hidden": a.hidden, "beta": a.beta,
              "params": sum(p.numel() for p in model.parameters()), "optimizer": f"Adam lr {a.lr}",
              "batch_size": a.batch_size, "epochs": a.epochs, "n_train": len(x_tr), "n_test": len(x_te),
              "likelihood": "Bernoulli (binary cross-entropy summed over the 784 pixels), nats per image",
              "loss": "reconstruction + beta * kl, one z per image", "storage": "float16", "device": str(device)}
    log = checkpoints.RunLog(a.name, seed=a.seed, framework="torch", script="experiments/vae_fashion.py",
                             args=args, config=config)
    steps = 0
    limit = total if a.max_steps is None else min(a.max_steps, total)
    with lecturelib.progress(total=limit, desc=a.name) as bar:
        for epoch in range(1, a.epochs + 1):
            model.train()
            start = time.perf_counter()
            order = torch.from_numpy(gen.permutation(len(x_tr))).to(device)
            sums = {"loss": 0.0, "reconstruction": 0.0, "kl": 0.0}
            count = 0
            for s in range(0, len(x_tr), a.batch_size):
                xb = x_tr[order[s:s + a.batch_size]]
                x_hat, mu, logvar = model(xb, zgen)
                rec, kl = elbo_terms(xb, x_hat, mu, logvar)
                loss = (rec + a.beta * kl).mean()
                opt.zero_grad()
                loss.backward()
                opt.step()
                J = float(loss.detach())
                if not math.isfinite(J):
                    raise RuntimeError(f"the loss became {J} at step {steps + 1}")
                log.step(J)
                n = len(xb)
                sums["loss"] += J * n
                sums["reconstruction"] += float(rec.detach().sum())
                sums["kl"] += float(kl.detach().sum())
                count += n
                steps += 1
                bar.update(1)
                if steps >= limit:
                    break
            record = {k: v / count for k, v in sums.items()}
            test = evaluate(model, x_te, a.beta, a.seed + 3)
            log.epoch(epoch=epoch, **record, **{f"test_{k}": v for k, v in test.items()},
                      seconds=round(time.perf_counter() - start, 1))
            print(f"{a.name} · epoch {epoch}/{a.epochs} · loss {record['loss']:.2f} (rec {record['reconstruction']:.2f}"
                  f" + kl {record['kl']:.2f}) · test_loss {test['loss']:.2f} · "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
            if steps >= limit:
                break
    last = dict(log.meta["epochs"][-1])
    last.pop("seconds")
    out = log.finish(state_to_float16(model.state_dict()), directory=a.out, steps=steps, **last)
    print(f"{a.name} · wrote {out}", flush=True)


if __name__ == "__main__":
    main()
