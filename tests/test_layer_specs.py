"""The generic checks of ``layerspec.py`` on every LayerSpec of ``layer_catalog.py`` and every backend, and proof
that the harness catches a layer that writes into its input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from layer_catalog import ALL_SPECS
from layerspec import (
    LayerSpec,
    assert_backends_agree,
    assert_float32,
    assert_inputs_unchanged,
    assert_non_contiguous_inputs_agree,
    assert_numpy_matches_finite_differences,
    numpy_runner,
    torch_runner,
)

from lecturelib import numpy_nn as nnp

OTHER_BACKENDS = [(s, b) for s in ALL_SPECS for b in s.backends if b != "numpy"]
OTHER_IDS = [f"{s.name}-{b}" for s, b in OTHER_BACKENDS]
EVERY_BACKEND = [(s, b) for s in ALL_SPECS for b in s.backends]
EVERY_IDS = [f"{s.name}-{b}" for s, b in EVERY_BACKEND]
SPEC_IDS = [s.name for s in ALL_SPECS]


def test_spec_names_are_unique():
    assert len(set(SPEC_IDS)) == len(SPEC_IDS)


@pytest.mark.parametrize("spec,backend", OTHER_BACKENDS, ids=OTHER_IDS)
def test_backend_matches_numpy_reference(spec, backend):
    assert_backends_agree(spec, backend, np.float64)


@pytest.mark.parametrize("spec", ALL_SPECS, ids=SPEC_IDS)
def test_numpy_matches_finite_differences(spec):
    assert_numpy_matches_finite_differences(spec)


@pytest.mark.parametrize("spec,backend", EVERY_BACKEND, ids=EVERY_IDS)
def test_inputs_unchanged_after_forward_and_backward(spec, backend):
    assert_inputs_unchanged(spec, backend)


@pytest.mark.parametrize("spec,backend", EVERY_BACKEND, ids=EVERY_IDS)
def test_non_contiguous_inputs(spec, backend):
    assert_non_contiguous_inputs_agree(spec, backend)


@pytest.mark.parametrize("spec,backend", EVERY_BACKEND, ids=EVERY_IDS)
def test_float32(spec, backend):
    assert_float32(spec, backend)


# --- the harness catches in-place writes ----------------------------------------------------------------------

def _relu_forward_in_place(u):
    np.maximum(u, 0, out=u)                       # the bug: writes the activation into the caller's array
    return u, u > 0


class _ReLUInPlace(torch.autograd.Function):
    @staticmethod
    def forward(ctx, u):
        mask = u > 0
        ctx.save_for_backward(mask)
        return u.clamp_(min=0)                    # the bug, in a torch_nn-style Function

    @staticmethod
    def backward(ctx, dout):
        (mask,) = ctx.saved_tensors
        return dout * mask


def _relu_backward_in_place(dout, mask):
    dout *= mask                                  # the bug: scales the caller's dout
    return dout


BROKEN = LayerSpec(
    name="broken_relu",
    make_inputs=lambda rng: {"u": rng.standard_normal((3, 4))},
    grad_names=("u",),
    backends={
        "numpy": numpy_runner(lambda u: (nnp.relu(u), u > 0), lambda d, mask: d * mask, ("u",)),
        "writes_input": numpy_runner(_relu_forward_in_place, lambda d, mask: d * mask, ("u",)),
        "writes_dout": numpy_runner(lambda u: (nnp.relu(u), u > 0), _relu_backward_in_place, ("u",)),
        "torch_writes_input": torch_runner(_ReLUInPlace.apply, ("u",)),
    },
)


@pytest.mark.parametrize("backend,message", [
    ("writes_input", "modified its input u in place"),
    ("writes_dout", "backward modified dout in place"),
    ("torch_writes_input", "modified its input u in place"),
], ids=["numpy-forward-writes-input", "numpy-backward-writes-dout", "torch-forward-writes-input"])
def test_harness_catches_a_layer_that_writes_into_its_input(backend, message):
    # the broken layers compute the right values, so only the in-place check can catch them ...
    assert_backends_agree(BROKEN, backend)
    # ... and it does
    with pytest.raises(AssertionError, match=message):
        assert_inputs_unchanged(BROKEN, backend)
    assert_inputs_unchanged(BROKEN, "numpy")     # the correct layer passes
