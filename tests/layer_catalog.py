"""Every LayerSpec of the library: linear, losses, activations, convolution, pooling, dropout, batch norm, LRN,
spatial pyramid pooling and the residual block, each with its NumPy reference and its other backends.

``tests/test_layer_specs.py`` runs the generic checks of ``layerspec.py`` on all of them; the layer-specific
behaviour lives in the other test files.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from layerspec import LayerSpec, numpy_runner, torch_runner
from torch.func import functional_call

from lecturelib import numpy_nn as nnp
from lecturelib import torch_nn as tnn
from lecturelib.models import set_weights

# --- linear, losses, activations ---------------------------------------------------------------------------

LINEAR = LayerSpec(
    name="linear",
    make_inputs=lambda rng: {"z": rng.standard_normal((4, 5)), "W": rng.standard_normal((5, 3)),
                             "b": rng.standard_normal(3)},
    grad_names=("z", "W", "b"),
    backends={
        "numpy": numpy_runner(nnp.linear_forward, nnp.linear_backward, ("z", "W", "b")),
        "torch_nn": torch_runner(tnn.linear, ("z", "W", "b")),
        # torch.nn.functional.linear stores W as (out, in): the lectures' W is its transpose.
        "torch": torch_runner(lambda z, W, b: F.linear(z, W.T, b), ("z", "W", "b")),
    },
)


def _scalar_runner(numpy_loss):
    """A loss returns (J, dy): treat J as the output and dy·dout as the gradient."""
    def forward(**inputs):
        J, dy = numpy_loss(**inputs)
        return np.asarray(J), dy

    def backward(dout, cache):
        return cache * dout
    return forward, backward


SCE = LayerSpec(
    name="softmax_cross_entropy",
    make_inputs=lambda rng: {"u": 3 * rng.standard_normal((6, 4)), "labels": rng.integers(0, 4, 6)},
    grad_names=("u",),
    backends={
        "numpy": numpy_runner(*_scalar_runner(nnp.softmax_cross_entropy), ("u",)),
        "torch_nn": torch_runner(tnn.softmax_cross_entropy, ("u",)),
        "torch": torch_runner(lambda u, labels: F.cross_entropy(u, labels), ("u",)),
    },
)

MSE = LayerSpec(
    name="mse_loss",
    make_inputs=lambda rng: {"y": rng.standard_normal((5, 3)), "t": rng.standard_normal((5, 3))},
    grad_names=("y",),
    backends={
        "numpy": numpy_runner(*_scalar_runner(nnp.mse_loss), ("y",)),
        # J = (1/N) Σ ½‖y−t‖² = ½ · D · mean((y−t)²)
        "torch": torch_runner(lambda y, t: 0.5 * y.shape[1] * F.mse_loss(y, t), ("y",)),
    },
)


def _activation_spec(name, torch_fn):
    fn, grad = getattr(nnp, name), getattr(nnp, name + "_grad")
    return LayerSpec(
        name=name,
        # keep away from relu's kink at 0, where finite differences are meaningless
        make_inputs=lambda rng: {"u": np.sign(x := rng.standard_normal((3, 7))) * (0.05 + np.abs(x)) * 2},
        grad_names=("u",),
        backends={
            "numpy": numpy_runner(lambda u: (fn(u), u), lambda d, u: d * grad(u), ("u",)),
            "torch": torch_runner(lambda u: torch_fn(u), ("u",)),
        },
    )


ACTIVATIONS = [
    _activation_spec("identity", lambda u: u * 1),
    _activation_spec("sigmoid", torch.sigmoid),
    _activation_spec("tanh", torch.tanh),
    _activation_spec("relu", torch.relu),
]


# --- convolution and pooling -------------------------------------------------------------------------------

# (N, C, H, W, F, HH, WW, stride, pad): a lean cover of stride 1–3, padding 0–2, kernels 1×1…5×5
# (square and rectangular), non-square inputs, batch of 1, and int or (h, w) stride/pad.
CONV_CASES = [
    (2, 3, 8, 8, 4, 3, 3, 1, 0),
    (2, 3, 8, 8, 4, 3, 3, 1, 1),            # "same" padding
    (1, 2, 7, 9, 3, 5, 5, 1, 2),            # batch of 1, non-square, LeNet's 5×5 with pad 2
    (2, 2, 9, 7, 3, 3, 3, 2, 1),            # stride 2
    (2, 2, 10, 11, 2, 3, 3, 3, 0),          # stride 3, leftover rows/columns not covered
    (2, 3, 6, 5, 4, 1, 1, 1, 0),            # 1×1 kernel
    (2, 2, 8, 9, 3, 2, 4, (2, 1), (1, 2)),  # rectangular kernel, (h, w) stride and pad
    (1, 1, 5, 5, 2, 5, 5, 1, 0),            # kernel as large as the input: 1×1 output
    (2, 2, 6, 7, 3, 4, 2, 3, 2),            # stride 3 > kernel width 2: some inputs in no window
    (2, 3, 4, 6, 2, 2, 2, 2, 0),            # stride = kernel: non-overlapping
    (1, 2, 3, 4, 2, 5, 3, 1, 2),            # kernel taller than the unpadded input
    (2, 1, 11, 7, 2, 3, 5, (3, 2), (0, 1)),
]


def conv_id(case):
    N, C, H, W, Fo, HH, WW, s, p = case
    return f"conv2d-N{N}C{C}-{H}x{W}-F{Fo}-k{HH}x{WW}-s{s}-p{p}".replace(" ", "")


def _conv_spec(case, seed=0):
    N, C, H, W, Fo, HH, WW, s, p = case
    return LayerSpec(
        name=conv_id(case),
        make_inputs=lambda rng: {"x": rng.standard_normal((N, C, H, W)), "w": rng.standard_normal((Fo, C, HH, WW)),
                                 "b": rng.standard_normal(Fo)},
        grad_names=("x", "w", "b"),
        kwargs={"stride": s, "pad": p},
        backends={
            "numpy": numpy_runner(nnp.conv2d_forward, nnp.conv2d_backward, ("x", "w", "b")),
            "naive": numpy_runner(nnp.conv2d_forward_naive, nnp.conv2d_backward_naive, ("x", "w", "b")),
            "torch_nn": torch_runner(tnn.conv2d, ("x", "w", "b")),
            "torch": torch_runner(lambda x, w, b, stride, pad: F.conv2d(x, w, b, stride=stride, padding=pad),
                                  ("x", "w", "b")),
        },
        seed=seed,
        fd_h=0.1,  # J = Σ out·dout is linear in each entry of x, w, b: exact differences for any h
    )


# (N, C, H, W, size, stride)
POOL_CASES = [
    (2, 3, 8, 8, 2, 2),            # LeNet's 2×2/2
    (1, 2, 7, 9, 3, 2),            # AlexNet's overlapping 3×3/2, batch of 1, non-square
    (2, 2, 9, 6, (3, 2), (2, 1)),  # rectangular window and stride
    (2, 2, 7, 7, 2, 3),            # stride > size: leftover and skipped pixels
    (2, 1, 5, 6, (5, 6), 1),       # one window covering the whole input (global pooling)
    (1, 2, 6, 5, 1, 1),            # identity
]


def _pool_spec(kind, case):
    N, C, H, W, size, stride = case
    fwd, bwd = getattr(nnp, f"{kind}pool2d_forward"), getattr(nnp, f"{kind}pool2d_backward")
    torch_fn = {"max": F.max_pool2d, "avg": F.avg_pool2d}[kind]
    return LayerSpec(
        name=f"{kind}pool2d-N{N}C{C}-{H}x{W}-size{size}-s{stride}".replace(" ", ""),
        make_inputs=lambda rng: {"x": rng.standard_normal((N, C, H, W))},
        grad_names=("x",),
        kwargs={"size": size, "stride": stride},
        backends={
            "numpy": numpy_runner(fwd, bwd, ("x",)),
            "torch_nn": torch_runner({"max": tnn.max_pool2d, "avg": tnn.avg_pool2d}[kind], ("x",)),
            "torch": torch_runner(lambda x, size, stride: torch_fn(x, size, stride), ("x",)),
        },
    )



CONV_SPECS = [_conv_spec(c) for c in CONV_CASES]
POOL_SPECS = [_pool_spec(k, c) for k in ("max", "avg") for c in POOL_CASES]

# --- dropout, batch normalization, LRN ----------------------------------------------------------------------

DROPOUT_EVAL = LayerSpec(
    name="dropout_eval",
    make_inputs=lambda rng: {"x": rng.standard_normal((4, 6))},
    grad_names=("x",),
    kwargs={"p": 0.3, "train": False},
    backends={
        "numpy": numpy_runner(nnp.dropout_forward, nnp.dropout_backward, ("x",)),
        "torch_nn": torch_runner(lambda x, p, train: tnn.dropout(x, p, train) * 1, ("x",)),
        "torch": torch_runner(lambda x, p, train: F.dropout(x, p, training=train) * 1, ("x",)),
    },
)


def _bn_inputs(shape):
    def make(rng):
        C = shape[1]
        return {"x": 2 + 3 * rng.standard_normal(shape), "gamma": rng.uniform(0.5, 2.0, C),
                "beta": rng.standard_normal(C), "running_mean": rng.standard_normal(C),
                "running_var": rng.uniform(0.5, 2.0, C)}
    return make


def _torch_bn(x, gamma, beta, running_mean, running_var, train, momentum, eps):
    return F.batch_norm(x, running_mean, running_var, gamma, beta, training=train, momentum=momentum, eps=eps)


def _bn_spec(shape, train):
    grads = ("x", "gamma", "beta")
    return LayerSpec(
        name=f"batchnorm_{len(shape)}d_{'train' if train else 'eval'}",
        make_inputs=_bn_inputs(shape),
        grad_names=grads,
        kwargs={"train": train, "momentum": 0.2, "eps": 1e-5},
        mutable=("running_mean", "running_var"),  # updated in place in training, by contract
        backends={
            "numpy": numpy_runner(nnp.batchnorm_forward, nnp.batchnorm_backward, grads),
            "torch_nn": torch_runner(tnn.batch_norm, grads),
            "torch": torch_runner(_torch_bn, grads),
        },
    )


BATCHNORM = [_bn_spec(shape, train) for shape in [(6, 4), (4, 3, 3, 2)] for train in (True, False)]


def _lrn_spec(name, kwargs, scale):
    n, k, alpha, beta = (kwargs.get(key, d) for key, d in [("n", 5), ("k", 2.0), ("alpha", 1e-4), ("beta", 0.75)])
    return LayerSpec(
        name=name,
        make_inputs=lambda rng: {"x": scale * rng.standard_normal((2, 7, 3, 3))},
        grad_names=("x",),
        kwargs=kwargs,
        backends={
            "numpy": numpy_runner(nnp.lrn_forward, nnp.lrn_backward, ("x",)),
            "torch_nn": torch_runner(tnn.lrn, ("x",)),
            # PyTorch averages the squares over the window (α/n): pass α·n to get the lecture's sum
            "torch": torch_runner(lambda x, **kw: F.local_response_norm(x, size=n, alpha=alpha * n, beta=beta,
                                                                        k=k), ("x",)),
        },
    )


LRN = [
    _lrn_spec("lrn_alexnet", {}, scale=30.0),   # AlexNet's constants; large activities so α·Σa² matters
    _lrn_spec("lrn_n3", {"n": 3, "k": 1.5, "alpha": 0.2, "beta": 0.6}, scale=1.0),
]



# --- spatial pyramid pooling --------------------------------------------------------------------------------

def _separated(shape, rng):
    """Distinct values at least 0.01 apart, so that finite differences (h = 1e-5) never cross a tie."""
    return rng.permutation(int(np.prod(shape))).reshape(shape) * 0.01 + rng.uniform(0, 1e-3, size=shape) - 1.0


def _spp_torch_builtin(mode, bins):
    """PyTorch's own pooling arranged as SPP: adaptive pooling, or the paper's windows ⌈a/n⌉ every ⌊a/n⌋."""
    def fn(x, levels, mode=mode, bins=bins):
        blocks = []
        for n in levels:
            if bins == "adaptive":
                pool = F.adaptive_max_pool2d if mode == "max" else F.adaptive_avg_pool2d
                blocks.append(pool(x, n).flatten(1))
            else:
                pool = F.max_pool2d if mode == "max" else F.avg_pool2d
                H, W = x.shape[2:]
                win, step = (math.ceil(H / n), math.ceil(W / n)), (H // n, W // n)
                blocks.append(pool(x, win, step)[:, :, :n, :n].flatten(1))
        return torch.cat(blocks, dim=1)
    return fn


def _spp_spec(shape, levels, mode, bins):
    N, C, H, W = shape
    return LayerSpec(
        name=f"spp-{mode}-{bins}-N{N}C{C}-{H}x{W}-L{'.'.join(map(str, levels))}",
        make_inputs=lambda rng: {"x": _separated(shape, rng)},
        grad_names=("x",),
        kwargs={"levels": levels},
        backends={
            "numpy": numpy_runner(lambda x, levels: nnp.spp_forward(x, levels, mode, bins), nnp.spp_backward, ("x",)),
            "torch_nn": torch_runner(lambda x, levels: tnn.spatial_pyramid_pool(x, levels, mode, bins), ("x",)),
            "torch": torch_runner(_spp_torch_builtin(mode, bins), ("x",)),
        },
    )


SPP = [_spp_spec(shape, levels, mode, bins)
       for shape, levels in [((2, 3, 8, 8), (1, 2, 4)), ((1, 2, 10, 7), (1, 2, 4)), ((2, 1, 7, 7), (3,)),
                             ((1, 2, 9, 11), (1, 3, 6)), ((1, 2, 6, 6), (2, 1)),
                             ((1, 2, 13, 13), (1, 2, 4)),   # SPP-net's conv5 size for a 224×224 input
                             ((1, 2, 4, 5), (1, 2, 4))]     # smallest input: four 1-row bins
       for mode in ("max", "avg") for bins in ("adaptive", "sppnet")]


# --- residual block: numpy_nn.Residual (Sequential nesting), torch_nn.Residual, autograd ---------------------

def _residual_inputs(C, F_, projection):
    def make(rng):
        inputs = {"x": rng.standard_normal((2, C, 6, 5)),
                  "w1": 0.5 * rng.standard_normal((F_, C, 3, 3)), "b1": rng.standard_normal(F_),
                  "w2": 0.5 * rng.standard_normal((F_, F_, 3, 3)), "b2": rng.standard_normal(F_)}
        if projection:
            inputs |= {"ws": rng.standard_normal((F_, C, 1, 1)), "bs": rng.standard_normal(F_)}
        return inputs
    return make


def _residual_numpy(C, F_, stride, projection):
    """y = ReLU(conv2(ReLU(conv1(x))) + S(x)) built as numpy_nn.Residual(Sequential(...), shortcut)."""
    names = ("w1", "b1", "w2", "b2") + (("ws", "bs") if projection else ())

    def forward(x, **weights):
        branch = nnp.Sequential([("conv1", nnp.Conv2d(C, F_, 3, stride, 1)), ("relu", nnp.ReLU()),
                                 ("conv2", nnp.Conv2d(F_, F_, 3, 1, 1))], rng=0, dtype=x.dtype)
        block = nnp.Residual(branch, nnp.Conv2d(C, F_, 1, stride) if projection else None)
        block.init_params(0, x.dtype)
        set_weights(block, {n: weights[n] for n in names})
        return block.forward(x), block

    def backward(dout, block):
        dx = block.backward(dout)
        return (dx, *block.grads.values())

    return numpy_runner(forward, backward, ("x", *names))


def _residual_torch_nn(C, F_, stride, projection):
    branch = torch.nn.Sequential(tnn.Conv2d(C, F_, 3, stride, 1), torch.nn.ReLU(), tnn.Conv2d(F_, F_, 3, 1, 1))
    block = tnn.Residual(branch, tnn.Conv2d(C, F_, 1, stride) if projection else None)
    keys = {"w1": "branch.0.weight", "b1": "branch.0.bias", "w2": "branch.2.weight", "b2": "branch.2.bias",
            "ws": "shortcut.weight", "bs": "shortcut.bias"}

    def fn(x, **weights):
        return functional_call(block, {keys[n]: t for n, t in weights.items()}, (x,))
    return fn


def _residual_autograd(stride):
    def fn(x, w1, b1, w2, b2, ws=None, bs=None):
        f = F.conv2d(F.relu(F.conv2d(x, w1, b1, stride=stride, padding=1)), w2, b2, padding=1)
        return F.relu(f + (x if ws is None else F.conv2d(x, ws, bs, stride=stride)))
    return fn


def _residual_spec(C, F_, stride, projection):
    names = ("x", "w1", "b1", "w2", "b2") + (("ws", "bs") if projection else ())
    return LayerSpec(
        name=f"residual-{'projection' if projection else 'identity'}-C{C}F{F_}-s{stride}",
        make_inputs=_residual_inputs(C, F_, projection),
        grad_names=names,
        backends={
            "numpy": _residual_numpy(C, F_, stride, projection),
            "torch_nn": torch_runner(_residual_torch_nn(C, F_, stride, projection), names),
            "torch": torch_runner(_residual_autograd(stride), names),
        },
        fd_h=1e-6,
    )


RESIDUAL = [_residual_spec(3, 3, 1, False), _residual_spec(2, 4, 2, True)]

ALL_SPECS = [LINEAR, SCE, MSE, *ACTIVATIONS, *CONV_SPECS, *POOL_SPECS, DROPOUT_EVAL, *BATCHNORM, *LRN, *SPP,
             *RESIDUAL]
