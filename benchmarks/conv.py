"""Convolution forward+backward on the CPU: naive loops, im2col (NumPy), torch_nn.conv2d and F.conv2d.

Run with ``.venv/bin/python benchmarks/conv.py [--threads T]`` (about 30 s of CPU time). Layer shapes are
LeNet's and AlexNet's, in float32; NumPy's BLAS and torch both use T threads (default 2). Every time is the
best of up to 7 interleaved runs of forward + backward (dx, dw and db); the naive loops are timed once, on one sample and
the first few output rows, and scaled to the batch. The table prints milliseconds, the ratio to
``F.conv2d`` measured in the same run, and each method's achieved GFLOP/s (``3 × 2·N·F·H_out·W_out·C·HH·WW``:
forward, dw and dx) next to the float32 matrix-product rate of this machine — the ceiling of any im2col
implementation.
"""

from __future__ import annotations

import os
import platform
import sys
import time

# ``--threads T`` (default 2) for both libraries; set before NumPy loads its BLAS.
THREADS = int(sys.argv[sys.argv.index("--threads") + 1]) if "--threads" in sys.argv else 2
os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(THREADS)

import numpy as np
import torch
import torch.nn.functional as F

from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn

# name, N, C, H (=W), F, kernel, stride, pad; the 3×3 16→32 layer is the one issue 8 measured
LAYERS = [
    ("LeNet conv1", 64, 1, 28, 6, 5, 1, 2),
    ("LeNet conv2", 64, 6, 14, 16, 5, 1, 0),
    ("3×3 layer", 64, 16, 28, 32, 3, 1, 1),
    ("AlexNet conv1", 8, 3, 227, 96, 11, 4, 0),
    ("AlexNet conv2", 8, 96, 27, 256, 5, 1, 2),
    ("AlexNet conv3", 8, 256, 13, 384, 3, 1, 1),
]


def best_of(fns, k, budget=6.0):
    """Best wall-clock time in ms of each function in ``fns`` (a dict) over at most k rounds.

    Each round runs every function once, in turn, so a burst of load from other processes hits all of them
    alike; stops early once ``budget`` seconds are spent.
    """
    for fn in fns.values():
        fn()  # warm-up (allocations, torch's first-call dispatch)
    times, start = {name: [] for name in fns}, time.perf_counter()
    for _ in range(k):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget:
            break
    return {name: 1e3 * min(t) for name, t in times.items()}


def matmul_gflops(n=1024):
    a = np.random.default_rng(0).standard_normal((n, n)).astype(np.float32)
    ta = torch.from_numpy(a)
    t = best_of({"numpy": lambda: a @ a, "torch": lambda: ta @ ta}, 7)
    return 2 * n ** 3 / t["numpy"] / 1e6, 2 * n ** 3 / t["torch"] / 1e6


def naive_ms(x, w, b, dout, s, p, max_steps=60_000):
    """Time of the naive loops for the whole batch, extrapolated from one sample and the first r output rows.

    The loops' cost is proportional to the number of samples and (very nearly) of output rows, so the first
    r rows of one sample (r chosen to keep the run around a second) times ``N · H_out / r`` estimates the
    batch. The input is padded beforehand and cropped to the rows those r output rows read.
    """
    N, _, H_out, W_out = dout.shape
    k = w.shape[2]
    r = max(1, min(H_out, max_steps // (3 * W_out * k * k)))
    x1 = np.pad(x[:1], ((0, 0), (0, 0), (p, p), (p, p)))[:, :, :(r - 1) * s + k]
    t0 = time.perf_counter()
    _, cache = nnp.conv2d_forward_naive(x1, w, b, s, 0)
    nnp.conv2d_backward_naive(np.ascontiguousarray(dout[:1, :, :r]), cache)
    return 1e3 * (time.perf_counter() - t0) * N * H_out / r


def bench_layer(N, C, H, Fo, k, s, p, reps):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, H), dtype=np.float32)
    w = (rng.standard_normal((Fo, C, k, k), dtype=np.float32) / np.sqrt(C * k * k)).astype(np.float32)
    b = np.zeros(Fo, np.float32)
    out, _ = nnp.conv2d_forward(x, w, b, s, p)
    dout = rng.standard_normal(out.shape, dtype=np.float32)
    times = {}

    times["naive"] = naive_ms(x, w, b, dout, s, p)

    def im2col():
        _, cache = nnp.conv2d_forward(x, w, b, s, p)
        nnp.conv2d_backward(dout, cache)

    tx, tw, tb = (torch.from_numpy(a.copy()).requires_grad_() for a in (x, w, b))
    tdout = torch.from_numpy(dout)

    def torch_run(conv):
        def run():
            tx.grad = tw.grad = tb.grad = None
            conv().backward(tdout)
        return run
    times.update(best_of({"im2col": im2col,
                          "torch_nn": torch_run(lambda: tnn.conv2d(tx, tw, tb, s, p)),
                          "F.conv2d": torch_run(lambda: F.conv2d(tx, tw, tb, stride=s, padding=p))}, reps))
    H_out = (H + 2 * p - k) // s + 1
    gflop = 3 * 2 * N * Fo * H_out * H_out * C * k * k / 1e9
    return times, gflop


def main():
    torch.set_num_threads(THREADS)
    t_start = time.perf_counter()
    np_gf, torch_gf = matmul_gflops()
    print(f"# Convolution forward+backward, float32, CPU ({platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} cores, torch {torch.__version__} with {torch.get_num_threads()} threads, "
          f"NumPy {np.__version__} with OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']})\n")
    print(f"float32 matmul 1024×1024: NumPy {np_gf:.0f} GFLOP/s, torch {torch_gf:.0f} GFLOP/s\n")
    methods = ["naive", "im2col", "torch_nn", "F.conv2d"]
    print("| layer | N, C→F, H×W, k, s, p | GFLOP | " + " | ".join(f"{m} ms (×F.conv2d)" for m in methods)
          + " | GFLOP/s im2col / torch_nn / F.conv2d |")
    print("|---|---|---:|" + "---:|" * len(methods) + "---|")
    for name, N, C, H, Fo, k, s, p in LAYERS:
        times, gflop = bench_layer(N, C, H, Fo, k, s, p, reps=7)
        ref = times["F.conv2d"]
        cells = [f"{times[m]:.0f} (×{times[m] / ref:.2f})" if times[m] >= 10 else
                 f"{times[m]:.1f} (×{times[m] / ref:.2f})" for m in methods]
        rates = " / ".join(f"{gflop / (times[m] / 1e3):.3g}" for m in ["im2col", "torch_nn", "F.conv2d"])
        print(f"| {name} | {N}, {C}→{Fo}, {H}×{H}, {k}, {s}, {p} | {gflop:.2f} | " + " | ".join(cells)
              + f" | {rates} |", flush=True)
    print(f"\n(total {time.perf_counter() - t_start:.0f} s; naive: one run on one sample and the first output rows, "
          "scaled to the batch)")


if __name__ == "__main__":
    main()
