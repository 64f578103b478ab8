"""Long run of chapter 14: a DCGAN (Radford et al., 2015) on Fashion-MNIST, in PyTorch (CPU or GPU).

The generator and discriminator are :func:`lecturelib.generative.dcgan_generator` and
:func:`lecturelib.generative.dcgan_discriminator` (28×28, one channel, images in [-1, 1] = ``2x - 1``). Training
as Radford et al.: Adam with step size 2e-4 and β₁ = 0.5 for both networks, weights initialised from
N(0, 0.02²), alternating one discriminator step (real and generated batches through D separately, the minimax
loss) and one generator step (the non-saturating loss ``-log D(G(z))`` through the updated D on the same generated
batch, as PyTorch's DCGAN example), z ~ N(0, I).

* data: the first ``--train-size`` images of a class-balanced subset of the 60 000 training images (default:
  all), shuffled each epoch by the run's generator; no labels are used;
* the log: per epoch the mean discriminator loss, generator loss, D(x) and D(G(z)) over the epoch's steps;
  ``first_losses`` holds loss_D + loss_G of the first steps (the test re-runs them);
* the checkpoint holds both networks (keys ``G.*`` and ``D.*``) in float16; the chapter samples G live.

Run from the repository root::

    python experiments/dcgan_fashion.py --epochs 5
    python experiments/dcgan_fashion.py ... --max-steps 10 --out /tmp/x    # the first steps (the test)
    python experiments/dcgan_fashion.py ... --device cuda                   # on a GPU
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
from lecturelib.generative import (dcgan_discriminator, dcgan_generator, discriminator_loss,  # noqa: E402
                                   generator_loss, state_to_float16)


def parse(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--z-dim", type=int, default=64)
    p.add_argument("--width-g", type=int, default=16)
    p.add_argument("--width-d", type=int, default=32)
    p.add_argument("--lr", type=float, default=2e-4)
    p.add_argument("--beta1", type=float, default=0.5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--train-size", type=int, default=None, help="train on N class-balanced images (default: all)")
    p.add_argument("--name", default="dcgan_fashion")
    p.add_argument("--device", default="cpu")
    p.add_argument("--max-steps", type=int, default=None)
    p.add_argument("--out", default=None)
    return p.parse_args(argv)


def main(argv=None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    a = parse(argv)
    args = ["--epochs", str(a.epochs), "--seed", str(a.seed), "--z-dim", str(a.z_dim), "--width-g", str(a.width_g),
            "--width-d", str(a.width_d), "--lr", repr(a.lr), "--beta1", repr(a.beta1),
            "--batch-size", str(a.batch_size), "--name", a.name] + \
        (["--train-size", str(a.train_size)] if a.train_size is not None else [])
    lecturelib.set_seed(a.seed)
    device = torch.device(a.device)
    (x_all, _), _ = fashion_mnist_arrays(n_train=a.train_size, n_test=10)
    x_tr = torch.from_numpy(x_all).to(device) * 2 - 1                    # [0, 1] → [-1, 1], the range of tanh
    G = dcgan_generator(a.z_dim, a.width_g).to(device)
    D = dcgan_discriminator(a.width_d).to(device)
    opt_g = torch.optim.Adam(G.parameters(), lr=a.lr, betas=(a.beta1, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=a.lr, betas=(a.beta1, 0.999))
    gen = lecturelib.rng(a.seed + 1)
    zgen = torch.Generator(device="cpu").manual_seed(a.seed + lecturelib.seed_offset() + 2)
    steps_per_epoch = len(x_tr) // a.batch_size                         # full batches only (batch norm)
    total = a.epochs * steps_per_epoch
    config = {"z_dim": a.z_dim, "width_g": a.width_g, "width_d": a.width_d,
              "params_g": sum(p.numel() for p in G.parameters()), "params_d": sum(p.numel() for p in D.parameters()),
              "optimizer": f"Adam lr {a.lr}, betas ({a.beta1}, 0.999), both networks", "batch_size": a.batch_size,
              "epochs": a.epochs, "n_train": len(x_tr), "image_range": "[-1, 1] (2x - 1)",
              "losses": "loss_d = minimax discriminator loss; loss_g = non-saturating -log D(G(z))",
              "first_losses": "loss_d + loss_g per step", "storage": "float16", "device": str(device)}
    log = checkpoints.RunLog(a.name, seed=a.seed, framework="torch", script="experiments/dcgan_fashion.py",
                             args=args, config=config)

    def noise(n: int) -> torch.Tensor:
        return torch.randn(n, a.z_dim, generator=zgen).to(device)

    steps = 0
    limit = total if a.max_steps is None else min(a.max_steps, total)
    with lecturelib.progress(total=limit, desc=a.name) as bar:
        for epoch in range(1, a.epochs + 1):
            G.train()
            D.train()
            start = time.perf_counter()
            order = torch.from_numpy(gen.permutation(len(x_tr))).to(device)
            sums = {"loss_d": 0.0, "loss_g": 0.0, "d_real": 0.0, "d_fake": 0.0}
            count = 0
            for s in range(steps_per_epoch):
                real = x_tr[order[s * a.batch_size:(s + 1) * a.batch_size]]
                fake = G(noise(a.batch_size))
                real_logits, fake_logits = D(real), D(fake.detach())
                loss_d = discriminator_loss(real_logits, fake_logits)
                opt_d.zero_grad()
                loss_d.backward()
                opt_d.step()
                fake_logits_g = D(fake)                             # the updated D on the same fakes
                loss_g = generator_loss(fake_logits_g)
                opt_g.zero_grad()
                loss_g.backward()
                opt_g.step()
                jd, jg = float(loss_d.detach()), float(loss_g.detach())
                if not (math.isfinite(jd) and math.isfinite(jg)):
                    raise RuntimeError(f"the losses became {jd}, {jg} at step {steps + 1}")
                log.step(jd + jg)
                sums["loss_d"] += jd
                sums["loss_g"] += jg
                sums["d_real"] += float(torch.sigmoid(real_logits.detach()).mean())
                sums["d_fake"] += float(torch.sigmoid(fake_logits.detach()).mean())
                count += 1
                steps += 1
                bar.update(1)
                if steps >= limit:
                    break
            record = {k: v / count for k, v in sums.items()}
            log.epoch(epoch=epoch, steps=count, seconds=round(time.perf_counter() - start, 1), **record)
            print(f"{a.name} · epoch {epoch}/{a.epochs} · loss_d {record['loss_d']:.4f} · loss_g {record['loss_g']:.4f}"
                  f" · D(x) {record['d_real']:.3f} · D(G(z)) {record['d_fake']:.3f} · "
                  f"{time.perf_counter() - start:.0f} s", flush=True)
            if steps >= limit:
                break
    state = {**{f"G.{k}": v for k, v in G.state_dict().items()}, **{f"D.{k}": v for k, v in D.state_dict().items()}}
    last = dict(log.meta["epochs"][-1])
    out = log.finish(state_to_float16(state), directory=a.out, steps=steps,
                     **{k: last[k] for k in ("epoch", "loss_d", "loss_g", "d_real", "d_fake")})
    print(f"{a.name} · wrote {out}", flush=True)


if __name__ == "__main__":
    main()
