"""One specification per layer, run over every backend (after Chainer's FunctionTestCase).

A :class:`LayerSpec` names a layer, makes its inputs, and gives one *runner* per backend. A runner takes
the inputs (NumPy float64 or float32 arrays), the keyword arguments, and an upstream gradient ``dout``, and
returns ``(out, grads)``: the forward output and a dict of gradients with respect to the inputs named in
``spec.grad_names``, all as NumPy arrays. The tests then assert that

* every backend's output and gradients equal the NumPy reference's (``assert_backends_agree``), and
* the NumPy reference's gradients equal central finite differences of ``sum(out * dout)``
  (``assert_numpy_matches_finite_differences``).

Runner factories cover the three backends: :func:`numpy_runner` for ``*_forward``/``*_backward`` pairs,
:func:`torch_runner` for anything callable on tensors (a ``torch_nn`` function, or a ``torch.nn.functional``
one wrapped to the lectures' conventions).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Callable

import numpy as np
import torch

from lecturelib.numpy_nn import numerical_gradient, rel_error

Runner = Callable[[dict, dict, np.ndarray], tuple]


@dataclass
class LayerSpec:
    name: str
    make_inputs: Callable[[np.random.Generator], dict]  # float64 arrays, keyed by argument name
    grad_names: tuple[str, ...]
    backends: dict[str, Runner]
    kwargs: dict = field(default_factory=dict)
    # Inputs that are not differentiated but must be passed (labels, running statistics, ...).
    seed: int = 0

    def __str__(self) -> str:  # pytest ids
        return self.name

    def inputs(self, dtype=np.float64) -> dict:
        rng = np.random.default_rng(self.seed)
        raw = self.make_inputs(rng)
        return {k: (v.astype(dtype) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v)
                for k, v in raw.items()}

    def run(self, backend: str, dtype=np.float64, dout=None):
        inputs = self.inputs(dtype)
        if dout is None:
            out, _ = self.backends["numpy"](_copy(inputs), dict(self.kwargs), None)
            dout = np.random.default_rng(self.seed + 1).standard_normal(np.shape(out)).astype(dtype)
        out, grads = self.backends[backend](_copy(inputs), dict(self.kwargs), dout)
        return out, grads, dout


def _copy(inputs: dict) -> dict:
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in inputs.items()}


def numpy_runner(forward, backward, grad_names, output_index=None) -> Runner:
    """Runner for a NumPy ``forward(**inputs, **kwargs) -> (out, cache)`` / ``backward(dout, cache)`` pair.

    ``backward`` returns one gradient or a tuple in the order of ``grad_names``.
    """
    def run(inputs, kwargs, dout):
        out, cache = forward(**inputs, **kwargs)
        if dout is None:
            return out, {}
        g = backward(dout, cache)
        g = g if isinstance(g, tuple) else (g,)
        return out, dict(zip(grad_names, g))
    return run


def torch_runner(fn, grad_names, tensor_names=None) -> Runner:
    """Runner for ``fn(**tensors, **kwargs) -> Tensor``; gradients by ``out.backward(dout)``.

    NumPy arrays among the inputs become tensors (the float ones named in ``grad_names`` require grad);
    integer arrays become int64 tensors.
    """
    def run(inputs, kwargs, dout):
        tensors = {}
        for k, v in inputs.items():
            if isinstance(v, np.ndarray):
                t = torch.from_numpy(v.copy())
                if k in grad_names:
                    t.requires_grad_(True)
                tensors[k] = t
            else:
                tensors[k] = v
        out = fn(**tensors, **kwargs)
        if dout is None:
            return out.detach().numpy(), {}
        out.backward(torch.from_numpy(np.asarray(dout, dtype=out.detach().numpy().dtype)).reshape(out.shape))
        grads = {k: tensors[k].grad.numpy() for k in grad_names}
        return out.detach().numpy(), grads
    return run


def assert_backends_agree(spec: LayerSpec, backend: str, dtype=np.float64, tol=1e-7):
    """``backend`` matches the NumPy reference in output and every gradient (relative error < tol)."""
    ref_out, ref_grads, dout = spec.run("numpy", dtype)
    out, grads, _ = spec.run(backend, dtype, dout=dout)
    assert np.shape(out) == np.shape(ref_out), f"{spec.name}/{backend}: output shape {np.shape(out)} != {np.shape(ref_out)}"
    err = rel_error(out, ref_out)
    assert err < tol, f"{spec.name}/{backend}: forward differs from numpy_nn, rel error {err:.2e}"
    for name in spec.grad_names:
        assert grads[name].shape == ref_grads[name].shape, (
            f"{spec.name}/{backend}: d{name} shape {grads[name].shape} != {ref_grads[name].shape}")
        err = rel_error(grads[name], ref_grads[name])
        assert err < tol, f"{spec.name}/{backend}: d{name} differs from numpy_nn, rel error {err:.2e}"


def assert_numpy_matches_finite_differences(spec: LayerSpec, tol=1e-6, h=1e-5):
    """The NumPy backward equals central differences of ``J = Σ out · dout`` w.r.t. every input in grad_names."""
    inputs = spec.inputs(np.float64)
    run = spec.backends["numpy"]
    out, grads, dout = spec.run("numpy")
    for name in spec.grad_names:
        x = inputs[name]

        def J(_x, name=name):
            o, _ = run(_copy(inputs), dict(spec.kwargs), None)
            return float(np.sum(o * dout))

        num = numerical_gradient(J, x, h=h)
        err = rel_error(num, grads[name])
        assert err < tol, f"{spec.name}: d{name} vs finite differences, rel error {err:.2e}"


def scaled_error(a, b) -> float:
    """``max |a − b| / max |b|``: the error relative to the reference's scale, not element by element.

    Suited to float32, where an output that is a long sum can land near zero by cancellation and then carries
    an element-wise relative error far above float32's resolution.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-30, float(np.max(np.abs(b))))) if b.size else 0.0


def assert_backends_close_scaled(spec: LayerSpec, backend: str, dtype=np.float32, tol=1e-5):
    """Like :func:`assert_backends_agree`, with :func:`scaled_error` (for float32 runs of long sums)."""
    ref_out, ref_grads, dout = spec.run("numpy", dtype)
    out, grads, _ = spec.run(backend, dtype, dout=dout)
    for what, a, b in [("forward", out, ref_out)] + [(f"d{n}", grads[n], ref_grads[n]) for n in spec.grad_names]:
        assert np.shape(a) == np.shape(b), f"{spec.name}/{backend}: {what} shape {np.shape(a)} != {np.shape(b)}"
        err = scaled_error(a, b)
        assert err < tol, f"{spec.name}/{backend}: {what} differs from numpy_nn, scaled error {err:.2e}"
