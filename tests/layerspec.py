"""One specification per layer, run over every backend (after Chainer's FunctionTestCase).

A :class:`LayerSpec` names a layer, makes its inputs, and gives one *runner* per backend. A runner takes
the inputs (NumPy float64 or float32 arrays), the keyword arguments, and an upstream gradient ``dout``, and
returns ``(out, grads)``: the forward output and a dict of gradients with respect to the inputs named in
``spec.grad_names``, all as NumPy arrays. Runners work on the arrays they are given — the torch runner's
tensors share their memory — so a layer that writes into an input is seen by the caller.

The generic checks (``tests/test_layer_specs.py`` runs them on every spec and backend):

* :func:`assert_backends_agree` — output and gradients equal the NumPy reference's (float64);
* :func:`assert_numpy_matches_finite_differences` — the reference's gradients equal central differences of
  ``J = Σ out · dout``;
* :func:`assert_inputs_unchanged` — forward and backward leave every input and ``dout`` as they were (the
  spec's ``mutable`` inputs, running statistics, excepted);
* :func:`assert_non_contiguous_inputs_agree` — non-contiguous views of the same values give the same results;
* :func:`assert_float32` — float32 in, float32 out, within the spec's ``f32_tol`` of the float32 reference.

Runner factories: :func:`numpy_runner` for ``*_forward``/``*_backward`` pairs, :func:`torch_runner` for anything
callable on tensors (a ``torch_nn`` function, or a ``torch.nn.functional`` one wrapped to the lectures'
conventions).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

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
    seed: int = 0
    tol: float = 1e-7          # float64: element-wise relative error against the reference
    f32_tol: float = 1e-5      # float32: error relative to the reference's scale (scaled_error)
    fd_h: float = 1e-5         # finite-difference step
    fd_tol: float = 1e-6
    mutable: tuple[str, ...] = ()  # inputs the layer updates in place by contract (running statistics)

    def __str__(self) -> str:
        return self.name

    def inputs(self, dtype=np.float64) -> dict:
        rng = np.random.default_rng(self.seed)
        raw = self.make_inputs(rng)
        return {k: (v.astype(dtype) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else v)
                for k, v in raw.items()}

    def dout_for(self, out, dtype) -> np.ndarray:
        return np.asarray(np.random.default_rng(self.seed + 1).standard_normal(np.shape(out)), dtype=dtype)

    def run(self, backend: str, dtype=np.float64, dout=None, layout=None):
        """Run ``backend`` on fresh copies of the inputs (``layout`` maps each array to the view to pass)."""
        layout = layout or _copy_array
        if dout is None:
            out, _ = self.backends["numpy"](_arrays(self.inputs(dtype), _copy_array), dict(self.kwargs), None)
            dout = self.dout_for(out, dtype)
        out, grads = self.backends[backend](_arrays(self.inputs(dtype), layout), dict(self.kwargs), layout(dout))
        return out, grads, dout


def _copy_array(a: np.ndarray) -> np.ndarray:
    return a.copy()


def non_contiguous(a: np.ndarray) -> np.ndarray:
    """The values of ``a`` in a non-contiguous view (every stride doubled; 0-d arrays are returned as copies)."""
    if a.ndim == 0:
        return a.copy()
    buf = np.zeros(a.shape + (2,), dtype=a.dtype)
    buf[..., 0] = a
    view = buf[..., 0]
    assert not view.flags.c_contiguous and not view.flags.f_contiguous
    return view


def _arrays(inputs: dict, layout) -> dict:
    return {k: (layout(v) if isinstance(v, np.ndarray) and v.dtype.kind == "f" else
                (v.copy() if isinstance(v, np.ndarray) else v)) for k, v in inputs.items()}


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


def torch_runner(fn, grad_names) -> Runner:
    """Runner for ``fn(**tensors, **kwargs) -> Tensor``; gradients by ``out.backward(dout)``.

    NumPy arrays among the inputs become tensors **sharing their memory** (the float ones named in
    ``grad_names`` require grad); integer arrays become int64 tensors.
    """
    def run(inputs, kwargs, dout):
        tensors = {}
        for k, v in inputs.items():
            if isinstance(v, np.ndarray):
                t = torch.from_numpy(v) if v.dtype.kind == "f" else torch.from_numpy(v.astype(np.int64))
                if k in grad_names:
                    t.requires_grad_(True)
                tensors[k] = t
            else:
                tensors[k] = v
        out = fn(**tensors, **kwargs)
        if dout is None:
            return out.detach().numpy().copy(), {}
        out.backward(torch.from_numpy(dout).reshape(out.shape))
        grads = {k: tensors[k].grad.numpy() for k in grad_names}
        return out.detach().numpy().copy(), grads
    return run


# ------------------------------------------------------------------------------------------------ checks

def scaled_error(a, b) -> float:
    """``max |a − b| / max |b|``: the error relative to the reference's scale, not element by element.

    Suited to float32, where an output that is a long sum can land near zero by cancellation and then carries
    an element-wise relative error far above float32's resolution.
    """
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b)) / max(1e-30, float(np.max(np.abs(b))))) if b.size else 0.0


def _compare(spec, backend, out, grads, ref_out, ref_grads, error, tol, what):
    pairs = [("forward", out, ref_out)] + [(f"d{n}", grads[n], ref_grads[n]) for n in spec.grad_names]
    for name, a, b in pairs:
        assert np.shape(a) == np.shape(b), f"{spec.name}/{backend}: {name} shape {np.shape(a)} != {np.shape(b)}"
        err = error(a, b)
        assert err < tol, f"{spec.name}/{backend}: {name} differs from {what}, error {err:.2e} (tolerance {tol:.0e})"


def assert_backends_agree(spec: LayerSpec, backend: str, dtype=np.float64, tol=None):
    """``backend`` matches the NumPy reference in output and every gradient (relative error < tol)."""
    ref_out, ref_grads, dout = spec.run("numpy", dtype)
    out, grads, _ = spec.run(backend, dtype, dout=dout)
    _compare(spec, backend, out, grads, ref_out, ref_grads, rel_error, tol or spec.tol, "numpy_nn")


def assert_numpy_matches_finite_differences(spec: LayerSpec):
    """The NumPy backward equals central differences of ``J = Σ out · dout`` w.r.t. every input in grad_names."""
    inputs = spec.inputs(np.float64)
    run = spec.backends["numpy"]
    _, grads, dout = spec.run("numpy")
    for name in spec.grad_names:
        def J(_x):
            o, _ = run(_arrays(inputs, _copy_array), dict(spec.kwargs), None)
            return float(np.sum(o * dout))

        num = numerical_gradient(J, inputs[name], h=spec.fd_h)
        err = rel_error(num, grads[name])
        assert err < spec.fd_tol, f"{spec.name}: d{name} vs finite differences, rel error {err:.2e}"


def assert_inputs_unchanged(spec: LayerSpec, backend: str, dtype=np.float64):
    """Forward and backward of ``backend`` leave every input (except ``spec.mutable``) and ``dout`` unchanged."""
    inputs = _arrays(spec.inputs(dtype), _copy_array)
    before = {k: v.copy() for k, v in inputs.items() if isinstance(v, np.ndarray)}
    out, _ = spec.backends["numpy"](_arrays(spec.inputs(dtype), _copy_array), dict(spec.kwargs), None)
    dout = spec.dout_for(out, dtype)
    dout_before = dout.copy()
    spec.backends[backend](inputs, dict(spec.kwargs), dout)
    for name, value in before.items():
        if name in spec.mutable:
            continue
        assert np.array_equal(inputs[name], value, equal_nan=True), (
            f"{spec.name}/{backend}: the layer modified its input {name} in place (forward or backward)")
    assert np.array_equal(dout, dout_before), f"{spec.name}/{backend}: backward modified dout in place"


def assert_non_contiguous_inputs_agree(spec: LayerSpec, backend: str):
    """Non-contiguous views of the inputs and of ``dout`` give the results of contiguous arrays."""
    out, grads, dout = spec.run(backend, np.float64)
    out_nc, grads_nc, _ = spec.run(backend, np.float64, dout=dout, layout=non_contiguous)
    _compare(spec, backend, out_nc, grads_nc, out, grads, rel_error, 1e-12, "the contiguous run")


def assert_float32(spec: LayerSpec, backend: str):
    """float32 in → float32 out (output and gradients), within ``spec.f32_tol`` of the float32 reference."""
    ref_out, ref_grads, dout = spec.run("numpy", np.float32)
    out, grads, _ = spec.run(backend, np.float32, dout=dout)
    if np.ndim(out):
        assert out.dtype == np.float32, f"{spec.name}/{backend}: output is {out.dtype}"
    for name, g in grads.items():
        assert g.dtype == np.float32, f"{spec.name}/{backend}: d{name} is {g.dtype}"
    _compare(spec, backend, out, grads, ref_out, ref_grads, scaled_error, spec.f32_tol, "numpy_nn (float32)")
