"""lecturelib.checks' shared helpers: the in-place check on copies, assert_close on non-numbers, the explicit
public surface."""

from __future__ import annotations

import numpy as np
import pytest

from lecturelib import checks
from lecturelib.checks import assert_close, call_student_on_copies


def test_call_on_copies_reports_the_modified_argument_by_name():
    def scale_in_place(x, factor):
        x *= factor
        return x

    with pytest.raises(AssertionError, match=r"case 3: scale_in_place modified its input x in place; leave the "
                                             r"inputs unchanged and return new arrays"):
        call_student_on_copies(scale_in_place, np.ones(3), 2.0, what="scale_in_place", context="case 3")


def test_call_on_copies_sees_writes_into_lists_of_arrays_and_keyword_arguments():
    def first_weight_to_zero(Ws, bias=None):
        Ws[0][...] = 0
        bias[0] = 1
        return 0

    with pytest.raises(AssertionError, match="modified its input Ws"):
        call_student_on_copies(first_weight_to_zero, [np.ones(2), np.ones(3)], bias=np.zeros(1))

    def bias_only(Ws, bias=None):
        bias += 1
        return 0

    with pytest.raises(AssertionError, match="modified its input bias"):
        call_student_on_copies(bias_only, [np.ones(2)], bias=np.zeros(1))


def test_call_on_copies_passes_a_pure_function_and_keeps_the_originals():
    x = np.arange(4.0)
    out = call_student_on_copies(lambda x: x * 2, x)
    assert np.array_equal(out, [0, 2, 4, 6]) and np.array_equal(x, [0, 1, 2, 3])


def test_call_on_copies_turns_a_stub_into_an_assertion_error():
    def stub(x):
        raise NotImplementedError

    with pytest.raises(AssertionError, match="not implemented yet"):
        call_student_on_copies(stub, np.ones(2), what="stub")


@pytest.mark.parametrize("actual", [np.array(["a", "b"]), ["1.0", "2.0"], [[1, 2], [3]]],
                         ids=["str-array", "str-list", "ragged"])
def test_assert_close_rejects_non_numbers_with_an_assertion_error(actual):
    with pytest.raises(AssertionError, match="expected"):
        assert_close(actual, np.ones(2), "result")


def test_public_surface_is_explicit():
    import lecturelib.checks as module

    source = open(module.__file__, encoding="utf-8").read()
    assert "globals()[" not in source  # no names written into the module at import time
    for name in checks.__all__:
        assert callable(getattr(checks, name)), name
    import importlib
    import pkgutil

    chapters = [m.name for m in pkgutil.iter_modules(module.__path__) if m.name.startswith("ch")]
    exported = {n for n in checks.__all__ if n.startswith("check_")}
    defined = {n for c in chapters for n in importlib.import_module(f"lecturelib.checks.{c}").__all__}
    assert exported == defined
