"""Network architectures of the course, each in the forms a chapter compares, and a summary of their sizes.

NumPy models
------------
:class:`Sequential` chains NumPy layers (:class:`Conv2d`, :class:`MaxPool2d`, :class:`AvgPool2d`,
:class:`ReLU`, :class:`Tanh`, :class:`Flatten`, :class:`Linear`), each a thin object around the
:mod:`lecturelib.numpy_nn` functions that keeps the forward cache for the backward pass. The model follows
the protocol of :func:`lecturelib.training.train_numpy` and of the :mod:`lecturelib.numpy_nn` optimizers:

* ``model.params`` — dict ``"layer.weight"`` / ``"layer.bias"`` → array, updated in place by ``opt.step``;
* ``model.forward(x, train=True)`` → scores; ``model.backward(du)`` → ``model.grads`` (same keys).

Parameter names are those of the PyTorch twins' ``state_dict`` (``"conv1.weight"``, ``"fc3.bias"``, …).
Layouts are the library's: conv weights ``(K', K, M_f, N_f)`` = ``(F, C, HH, WW)`` (``w[k', k, m, n]`` is the
lecture's ``W_{m,n,k,k'}``), linear weights ``(D_in, D_out)`` (the lecture's ``W``, ``u = W^T z + b``).

LeNet-5
-------
:class:`LeNet5` (NumPy), :func:`lenet5_torch_nn` (``torch.nn.Sequential`` of :mod:`lecturelib.torch_nn`
layers, hand-written backward passes) and :func:`lenet5_torch` (PyTorch's built-in layers) build the same
network: conv 5×5×6 – pool 2 – conv 5×5×16 – pool 2 – fc 120 – fc 84 – fc 10 (LeCun et al., 1998, with every
C3 map connected to every S2 map). On 28×28 inputs the first convolution pads by 2, so the feature maps have
the sizes of the original 32×32 design (28 → 14 → 10 → 5).

:func:`get_weights` / :func:`set_weights` / :func:`copy_weights` move parameters between the three forms in
the lecture's layout (``torch.nn.Linear`` stores the transpose, ``(out, in)``), so the three can start from
identical weights; ``get_weights(model, grads=True)`` reads gradients the same way.

Summary
-------
:func:`summary` prints, for any of these models (and any ``torch.nn.Module``), each layer's output shape,
its number of neurons (output values per sample), parameters and multiply–adds per sample.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np

from . import numpy_nn as nnp
from ._random import as_generator
from ._contracts import conv_output_size
from ._contracts import pair as _pair

__all__ = [
    "AvgPool2d",
    "Conv2d",
    "Flatten",
    "LeNet5",
    "Linear",
    "MaxPool2d",
    "ModelSummary",
    "ReLU",
    "Sequential",
    "Tanh",
    "copy_weights",
    "get_weights",
    "lenet5_torch",
    "lenet5_torch_nn",
    "set_weights",
    "summary",
]


# ------------------------------------------------------------------------------------------ NumPy layers

class Layer:
    """A NumPy layer: ``forward(x, p, train)`` → output, ``backward(dout)`` → ``(dx, grads)``.

    ``p`` is the dict of this layer's parameters (``{"weight": …, "bias": …}`` or empty); ``grads`` has the
    same keys. The layer keeps the forward cache of its last call for ``backward``.
    """

    param_names: tuple[str, ...] = ()

    def init_params(self, rng, dtype) -> dict:
        return {}

    def forward(self, x, p, train=True):  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout):  # pragma: no cover - abstract
        raise NotImplementedError

    def macs(self, out_shape) -> int:
        """Multiply–adds per sample for an output of shape ``out_shape`` (without the batch axis)."""
        return 0

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.extra_repr()})"

    def extra_repr(self) -> str:
        return ""


class Conv2d(Layer):
    """Convolution ``u_{i,j,k'} = Σ_{m,n,k} W_{m,n,k,k'} z_{s·i+m, s·j+n, k} + b_{k'}`` (im2col).

    weight (out_channels, in_channels, kh, kw), bias (out_channels,). Initialised ``N(0, ε²)`` with
    ``init`` a rule of :func:`lecturelib.training.init_std` (default He, ε = √(2/fan_in)) and zero biases;
    ``naive=True`` uses the loop implementation (slow, for checking).
    """

    param_names = ("weight", "bias")

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, pad=0, init="he", naive=False):
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.kernel_size = _pair(kernel_size, "kernel_size")
        self.stride, self.pad = _pair(stride, "stride"), _pair(pad, "pad")
        self.init, self.naive = init, naive
        self.cache = None

    def init_params(self, rng, dtype):
        from .training import init_std

        fan_in = self.in_channels * self.kernel_size[0] * self.kernel_size[1]
        eps = init_std(self.init, fan_in, self.out_channels * self.kernel_size[0] * self.kernel_size[1])
        w = eps * rng.standard_normal((self.out_channels, self.in_channels, *self.kernel_size))
        return {"weight": w.astype(dtype), "bias": np.zeros(self.out_channels, dtype=dtype)}

    def forward(self, x, p, train=True):
        fwd = nnp.conv2d_forward_naive if self.naive else nnp.conv2d_forward
        out, self.cache = fwd(x, p["weight"], p["bias"], self.stride, self.pad)
        return out

    def backward(self, dout):
        bwd = nnp.conv2d_backward_naive if self.naive else nnp.conv2d_backward
        dx, dw, db = bwd(dout, self.cache)
        return dx, {"weight": dw, "bias": db}

    def macs(self, out_shape):
        return int(np.prod(out_shape)) * self.in_channels * self.kernel_size[0] * self.kernel_size[1]

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, pad={self.pad}")


class Linear(Layer):
    """Fully connected layer ``u = W^T z + b``; weight (in_features, out_features) — the lecture's ``W``."""

    param_names = ("weight", "bias")

    def __init__(self, in_features, out_features, init="he"):
        self.in_features, self.out_features, self.init = int(in_features), int(out_features), init
        self.cache = None

    def init_params(self, rng, dtype):
        from .training import init_std

        eps = init_std(self.init, self.in_features, self.out_features)
        w = eps * rng.standard_normal((self.in_features, self.out_features))
        return {"weight": w.astype(dtype), "bias": np.zeros(self.out_features, dtype=dtype)}

    def forward(self, x, p, train=True):
        out, self.cache = nnp.linear_forward(x, p["weight"], p["bias"])
        return out

    def backward(self, dout):
        dx, dw, db = nnp.linear_backward(dout, self.cache)
        return dx, {"weight": dw, "bias": db}

    def macs(self, out_shape):
        return self.in_features * self.out_features

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}"


class _Pool(Layer):
    def __init__(self, size=2, stride=2):
        self.size, self.stride = _pair(size, "size"), _pair(stride, "stride")
        self.cache = None

    def forward(self, x, p, train=True):
        out, self.cache = self._fwd(x, self.size, self.stride)
        return out

    def backward(self, dout):
        return self._bwd(dout, self.cache), {}

    def extra_repr(self):
        return f"size={self.size}, stride={self.stride}"


class MaxPool2d(_Pool):
    """Max pooling; backward routes each δ to the window's maximum."""

    _fwd, _bwd = staticmethod(nnp.maxpool2d_forward), staticmethod(nnp.maxpool2d_backward)


class AvgPool2d(_Pool):
    """Average pooling; backward spreads each δ evenly over its window."""

    _fwd, _bwd = staticmethod(nnp.avgpool2d_forward), staticmethod(nnp.avgpool2d_backward)


class _Activation(Layer):
    h = h_grad = None

    def forward(self, x, p, train=True):
        self.cache = x
        return type(self).h(x)

    def backward(self, dout):
        return dout * type(self).h_grad(self.cache), {}


class ReLU(_Activation):
    """``z = max(0, u)``; backward ``δ = h'(u) ⊙ ∂J/∂z``."""

    h, h_grad = staticmethod(nnp.relu), staticmethod(nnp.relu_grad)


class Tanh(_Activation):
    """``z = tanh(u)``; backward ``δ = (1 − tanh²u) ⊙ ∂J/∂z``."""

    h, h_grad = staticmethod(nnp.tanh), staticmethod(nnp.tanh_grad)


class Flatten(Layer):
    """(N, C, H, W) → (N, C·H·W), the bridge from the feature maps to the fully connected layers."""

    def forward(self, x, p, train=True):
        self.cache = x.shape
        return x.reshape(x.shape[0], -1)

    def backward(self, dout):
        return dout.reshape(self.cache), {}


# -------------------------------------------------------------------------------------------- Sequential

class Sequential:
    """A chain of NumPy layers with named parameters, usable with ``train_numpy`` and ``numpy_nn`` optimizers.

    Args:
        layers: ``[(name, layer), ...]`` or an ``OrderedDict``.
        rng: ``numpy.random.Generator`` or int seed for the initial parameters (layers in order).
        dtype: float32 (speed) or float64 (gradient checks).

    Attributes:
        params: ``{"name.weight": array, "name.bias": array, ...}`` in layer order.
        grads: the same keys, filled by :meth:`backward`.
    """

    def __init__(self, layers, rng=None, dtype=np.float32):
        self.layers = OrderedDict(layers)
        self.dtype = np.dtype(dtype)
        rng = as_generator(rng)
        self.params: dict[str, np.ndarray] = {}
        for name, layer in self.layers.items():
            for key, value in layer.init_params(rng, self.dtype).items():
                self.params[f"{name}.{key}"] = value
        self.grads: dict[str, np.ndarray] = {}

    def _p(self, name, layer):
        return {key: self.params[f"{name}.{key}"] for key in layer.param_names}

    @property
    def num_params(self) -> int:
        return int(sum(p.size for p in self.params.values()))

    def forward(self, x, train: bool = True, return_all: bool = False):
        """Scores of x (N, ...); with ``return_all`` a list ``[(name, output), ...]`` of every layer's output."""
        outs = []
        for name, layer in self.layers.items():
            x = layer.forward(x, self._p(name, layer), train)
            if return_all:
                outs.append((name, x))
        return outs if return_all else x

    def backward(self, du, return_input_grad: bool = False):
        """Back-propagate ``du = ∂J/∂(scores)`` through every layer; return (and store) the parameter gradients.

        With ``return_input_grad`` also return ``∂J/∂x``: ``(grads, dx)``.
        """
        grads = {}
        for name, layer in reversed(self.layers.items()):
            du, g = layer.backward(du)
            for key, value in g.items():
                grads[f"{name}.{key}"] = value
        self.grads = {k: grads[k] for k in self.params}
        return (self.grads, du) if return_input_grad else self.grads

    def loss(self, x, y, loss_fn=nnp.softmax_cross_entropy):
        """Forward, loss and backward: ``(J, grads)``."""
        J, du = loss_fn(self.forward(x), y)
        return J, self.backward(du)

    def predict(self, x):
        return self.forward(x, train=False).argmax(axis=1)

    def __repr__(self) -> str:
        lines = [f"  ({name}): {layer!r}" for name, layer in self.layers.items()]
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"


_NUMPY_ACT = {"relu": ReLU, "tanh": Tanh}
_NUMPY_POOL = {"max": MaxPool2d, "avg": AvgPool2d}


def _check_choice(value, options, name):
    if value not in options:
        raise ValueError(f"{name}: expected one of {sorted(options)}, got {value!r}")


def _lenet_spec(in_channels, num_classes, input_size, pad1):
    """Layer list of LeNet-5 as ``(name, kind, args)`` and the flattened size after the second pooling."""
    s = conv_output_size(input_size, 5, 1, pad1)        # conv1
    s = conv_output_size(s, 2, 2)                       # pool1
    s = conv_output_size(s, 5, 1, 0)                    # conv2
    s = conv_output_size(s, 2, 2)                       # pool2
    if s < 1:
        raise ValueError(f"input_size {input_size} (pad {pad1}) is too small for LeNet-5")
    flat = 16 * s * s
    spec = [("conv1", "conv", (in_channels, 6, 5, pad1)), ("act1", "act", ()), ("pool1", "pool", ()),
            ("conv2", "conv", (6, 16, 5, 0)), ("act2", "act", ()), ("pool2", "pool", ()),
            ("flatten", "flatten", ()),
            ("fc1", "linear", (flat, 120)), ("act3", "act", ()),
            ("fc2", "linear", (120, 84)), ("act4", "act", ()),
            ("fc3", "linear", (84, num_classes))]
    return spec


class LeNet5(Sequential):
    """LeNet-5 in NumPy: conv 5×5×6 – act – pool – conv 5×5×16 – act – pool – 120 – act – 84 – act – 10.

    Args:
        activation: ``"relu"`` (default) or ``"tanh"``.
        pool: ``"max"`` (default) or ``"avg"`` (2×2, stride 2).
        in_channels, num_classes: 1 and 10 for Fashion-MNIST.
        input_size: side of the square input (28 for Fashion-MNIST, 32 in the original).
        pad1: zero padding of the first convolution (2 for 28×28 inputs, so conv1's maps are 28×28).
        init: ε of ``W ~ N(0, ε²)`` or a rule name (:func:`lecturelib.training.init_std`); biases start at 0.
        rng, dtype: as :class:`Sequential`.

    With the defaults it has 61,706 parameters (156 + 2,416 + 48,120 + 10,164 + 850).
    """

    def __init__(self, activation="relu", pool="max", in_channels=1, num_classes=10, input_size=28, pad1=2,
                 init=None, rng=None, dtype=np.float32):
        _check_choice(activation, _NUMPY_ACT, "activation")
        _check_choice(pool, _NUMPY_POOL, "pool")
        if init is None:
            init = "he" if activation == "relu" else "lecun"
        layers = []
        for name, kind, args in _lenet_spec(in_channels, num_classes, input_size, pad1):
            if kind == "conv":
                c_in, c_out, k, pad = args
                layers.append((name, Conv2d(c_in, c_out, k, 1, pad, init=init)))
            elif kind == "linear":
                layers.append((name, Linear(*args, init=init)))
            elif kind == "act":
                layers.append((name, _NUMPY_ACT[activation]()))
            elif kind == "pool":
                layers.append((name, _NUMPY_POOL[pool](2, 2)))
            else:
                layers.append((name, Flatten()))
        self.activation, self.pool = activation, pool
        super().__init__(layers, rng=rng, dtype=dtype)


# ------------------------------------------------------------------------------------------ torch twins

def _lenet_torch(builtin, activation, pool, in_channels, num_classes, input_size, pad1, dtype, device):
    from torch import nn

    from . import torch_nn as tnn

    _check_choice(activation, _NUMPY_ACT, "activation")
    _check_choice(pool, _NUMPY_POOL, "pool")
    factory = {"dtype": dtype, "device": device}
    act = {"relu": nn.ReLU, "tanh": nn.Tanh}[activation]
    layers = []
    for name, kind, args in _lenet_spec(in_channels, num_classes, input_size, pad1):
        if kind == "conv":
            c_in, c_out, k, pad = args
            layers.append((name, nn.Conv2d(c_in, c_out, k, padding=pad, **factory) if builtin
                           else tnn.Conv2d(c_in, c_out, k, 1, pad, **factory)))
        elif kind == "linear":
            layers.append((name, nn.Linear(*args, **factory) if builtin else tnn.Linear(*args, **factory)))
        elif kind == "act":
            layers.append((name, act()))
        elif kind == "pool":
            if builtin:
                layers.append((name, {"max": nn.MaxPool2d, "avg": nn.AvgPool2d}[pool](2, 2)))
            else:
                layers.append((name, {"max": tnn.MaxPool2d, "avg": tnn.AvgPool2d}[pool](2, 2)))
        else:
            layers.append((name, nn.Flatten() if builtin else tnn.Flatten()))
    return nn.Sequential(OrderedDict(layers))


def lenet5_torch_nn(activation="relu", pool="max", in_channels=1, num_classes=10, input_size=28, pad1=2,
                    dtype=None, device=None):
    """LeNet-5 as a ``torch.nn.Sequential`` of :mod:`lecturelib.torch_nn` layers (hand-written backward).

    Same layers and names as :class:`LeNet5` (``conv1``, ``act1``, ``pool1``, …, ``fc3``); ``torch_nn.Linear``
    stores weights as (D_in, D_out) like the NumPy model. Activations are ``torch.nn.ReLU`` / ``Tanh``.
    Initialised as PyTorch's layers are; use :func:`copy_weights` to start from another model's weights.
    """
    return _lenet_torch(False, activation, pool, in_channels, num_classes, input_size, pad1, dtype, device)


def lenet5_torch(activation="relu", pool="max", in_channels=1, num_classes=10, input_size=28, pad1=2,
                 dtype=None, device=None):
    """LeNet-5 from PyTorch's built-in layers (``nn.Conv2d``, ``nn.MaxPool2d``, ``nn.Linear`` (out × in), …)."""
    return _lenet_torch(True, activation, pool, in_channels, num_classes, input_size, pad1, dtype, device)


# ---------------------------------------------------------------------------------------- moving weights

def _is_torch_module(model) -> bool:
    try:
        import torch
    except ImportError:  # pragma: no cover
        return False
    return isinstance(model, torch.nn.Module)


def _torch_param_layers(model):
    """``[(name, module), ...]`` of the leaf modules that own a ``weight``, in definition order."""
    out = []
    for name, module in model.named_modules():
        if next(module.children(), None) is None and getattr(module, "weight", None) is not None:
            out.append((name, module))
    return out


def _torch_transposes(module) -> bool:
    import torch

    return isinstance(module, torch.nn.Linear)  # (out, in); lecturelib.torch_nn.Linear is (in, out)


def get_weights(model, grads: bool = False) -> OrderedDict[str, np.ndarray]:
    """Parameters (or, with ``grads=True``, their gradients) of ``model`` as NumPy arrays in the lecture's layout.

    Keys are ``"layer.weight"`` / ``"layer.bias"``; linear weights are (D_in, D_out) whatever the model stores,
    conv weights (F, C, HH, WW). Works for :class:`Sequential` models and ``torch.nn.Module``s.
    """
    out = OrderedDict()
    if isinstance(model, Sequential):
        source = model.grads if grads else model.params
        if grads and not source:
            raise ValueError("get_weights(grads=True): the model has no gradients yet (call backward first)")
        for key in model.params:
            out[key] = np.array(source[key])
        return out
    if not _is_torch_module(model):
        raise ValueError(f"get_weights: expected a lecturelib.models.Sequential or a torch.nn.Module, "
                         f"got {type(model).__name__}")
    for name, module in _torch_param_layers(model):
        for key in ("weight", "bias"):
            p = getattr(module, key, None)
            if p is None:
                continue
            t = p.grad if grads else p
            if t is None:
                raise ValueError(f"get_weights(grads=True): {name}.{key} has no gradient (call backward first)")
            a = t.detach().cpu().numpy().copy()
            if key == "weight" and _torch_transposes(module):
                a = np.ascontiguousarray(a.T)
            out[f"{name}.{key}"] = a
    return out


def set_weights(model, weights) -> None:
    """Copy ``weights`` (a dict as :func:`get_weights` returns) into ``model``, in place.

    Parameterised layers are matched **in order** (names may differ between models), each array's shape must
    match the target's (in the lecture's layout), and the model keeps its dtype and device.
    """
    values = list(weights.items())
    if isinstance(model, Sequential):
        targets = list(model.params.items())
        if len(targets) != len(values):
            raise ValueError(f"model has {len(targets)} parameter arrays, weights holds {len(values)}")
        for (name, p), (src, v) in zip(targets, values):
            v = np.asarray(v)
            if v.shape != p.shape:
                raise ValueError(f"{src} has shape {v.shape}, the model's {name} has {p.shape}")
            p[...] = v
        return
    if not _is_torch_module(model):
        raise ValueError(f"set_weights: expected a lecturelib.models.Sequential or a torch.nn.Module, "
                         f"got {type(model).__name__}")
    import torch

    targets = [(f"{n}.{k}", m, k) for n, m in _torch_param_layers(model) for k in ("weight", "bias")
               if getattr(m, k, None) is not None]
    if len(targets) != len(values):
        raise ValueError(f"model has {len(targets)} parameter arrays, weights holds {len(values)}")
    with torch.no_grad():
        for (name, module, key), (src, v) in zip(targets, values):
            p = getattr(module, key)
            v = np.asarray(v)
            if key == "weight" and _torch_transposes(module):
                v = v.T
            if tuple(v.shape) != tuple(p.shape):
                raise ValueError(f"{src} has shape {v.shape}, the model's {name} has {tuple(p.shape)} "
                                 f"(in the layout the model stores)")
            p.copy_(torch.as_tensor(np.ascontiguousarray(v)).to(dtype=p.dtype, device=p.device))


def copy_weights(src, dst) -> None:
    """Give ``dst`` the parameters of ``src`` (any two of the NumPy, ``torch_nn`` and ``torch.nn`` forms)."""
    set_weights(dst, get_weights(src))


# --------------------------------------------------------------------------------------------- summary

@dataclass
class ModelSummary:
    """Per-layer rows ``{"name", "type", "output_shape", "neurons", "params", "macs"}`` and their totals.

    ``neurons`` = output values per sample, ``params`` = trainable numbers, ``macs`` = multiply–adds per sample
    (convolutions and fully connected layers). ``str()`` gives the table :func:`summary` prints.
    """

    rows: list = field(default_factory=list)
    input_shape: tuple = ()

    @property
    def total_params(self) -> int:
        return int(sum(r["params"] for r in self.rows))

    @property
    def total_macs(self) -> int:
        return int(sum(r["macs"] for r in self.rows))

    def __str__(self) -> str:
        head = f"{'layer':<12} {'type':<12} {'output shape':<16} {'neurons':>9} {'parameters':>11} {'mult-adds':>12}"
        lines = [head, "-" * len(head),
                 f"{'input':<12} {'':<12} {str(tuple(self.input_shape)):<16} "
                 f"{int(np.prod(self.input_shape)):>9,d} {'':>11} {'':>12}"]
        for r in self.rows:
            lines.append(f"{r['name']:<12} {r['type']:<12} {str(r['output_shape']):<16} {r['neurons']:>9,d} "
                         f"{r['params']:>11,d} {r['macs']:>12,d}")
        lines += ["-" * len(head),
                  f"{'total':<12} {'':<12} {'':<16} {'':>9} {self.total_params:>11,d} {self.total_macs:>12,d}"]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"ModelSummary({len(self.rows)} layers, {self.total_params:,d} parameters)"


def _summary_numpy(model, input_shape):
    x = np.zeros((1, *input_shape), dtype=model.dtype)
    rows = []
    for name, out in model.forward(x, train=False, return_all=True):
        layer = model.layers[name]
        params = sum(model.params[f"{name}.{k}"].size for k in layer.param_names)
        rows.append({"name": name, "type": type(layer).__name__, "output_shape": tuple(out.shape[1:]),
                     "neurons": int(np.prod(out.shape[1:])), "params": int(params),
                     "macs": int(layer.macs(out.shape[1:]))})
    return rows


def _summary_torch(model, input_shape):
    import torch

    leaves = [(n, m) for n, m in model.named_modules() if next(m.children(), None) is None]
    calls = []                                       # (name, module, output) in call order
    hooks = []
    for name, module in leaves:
        def hook(module, inputs, output, name=name):
            calls.append((name, module, output))
        hooks.append(module.register_forward_hook(hook))
    try:
        p0 = next(model.parameters(), None)
        dtype = p0.dtype if p0 is not None else torch.float32
        device = p0.device if p0 is not None else torch.device("cpu")
        was_training = model.training
        model.eval()
        with torch.no_grad():
            model(torch.zeros((1, *input_shape), dtype=dtype, device=device))
        model.train(was_training)
    finally:
        for h in hooks:
            h.remove()
    rows, counted = [], set()
    for name, module, out in calls:
        if not torch.is_tensor(out):
            continue
        params = 0
        if id(module) not in counted:  # a module called twice (shared weights) counts its parameters once
            counted.add(id(module))
            params = sum(p.numel() for p in module.parameters(recurse=False) if p.requires_grad)
        w = getattr(module, "weight", None)
        per_sample = int(out[0].numel())
        macs = 0
        if torch.is_tensor(w) and w.ndim == 4:
            macs = per_sample * int(w[0].numel())
        elif torch.is_tensor(w) and w.ndim == 2:
            macs = per_sample * int(w.numel() // out.shape[-1])
        rows.append({"name": name, "type": type(module).__name__, "output_shape": tuple(out.shape[1:]),
                     "neurons": per_sample, "params": int(params), "macs": macs})
    return rows


def summary(model, input_shape, print_table: bool = True) -> ModelSummary:
    """Per-layer output shape, neurons, parameters and multiply–adds of ``model`` for one input of ``input_shape``.

    Args:
        model: a :class:`Sequential` (e.g. :class:`LeNet5`) or any ``torch.nn.Module`` (rows are its leaf
            modules, in call order of their first call).
        input_shape: shape of one sample without the batch axis, e.g. ``(1, 28, 28)``.
        print_table: print the table.

    Returns:
        a :class:`ModelSummary` (``rows``, ``total_params``, ``total_macs``).
    """
    input_shape = tuple(int(s) for s in input_shape)
    if isinstance(model, Sequential):
        rows = _summary_numpy(model, input_shape)
    elif _is_torch_module(model):
        rows = _summary_torch(model, input_shape)
    else:
        raise ValueError(f"summary: expected a lecturelib.models.Sequential or a torch.nn.Module, "
                         f"got {type(model).__name__}")
    result = ModelSummary(rows, input_shape)
    if print_table:
        print(result)
    return result
