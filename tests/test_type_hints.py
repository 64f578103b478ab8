"""Every public function of lecturelib states its types: parameters and return (issue 8).

Walks the package's modules; a public function (or a public method of a public class defined in the package,
including the ``forward``/``backward`` static methods of the ``torch.autograd.Function``s) must annotate every
parameter except ``self``/``cls`` and ``*args``/``**kwargs`` passthroughs, and its return value.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import lecturelib

SKIP_PARAMS = {"self", "cls"}


def _modules():
    for info in pkgutil.walk_packages(lecturelib.__path__, "lecturelib."):
        if info.name.split(".")[-1].startswith("_"):
            continue
        yield importlib.import_module(info.name)


def _public_callables():
    seen = set()
    for module in [lecturelib, *_modules()]:
        for name, obj in vars(module).items():
            if name.startswith("_") or getattr(obj, "__module__", None) != module.__name__:
                continue
            if inspect.isfunction(obj) and id(obj) not in seen:
                seen.add(id(obj))
                yield f"{module.__name__}.{name}", obj
            elif inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    func = member.__func__ if isinstance(member, (staticmethod, classmethod)) else member
                    public = not attr.startswith("_") or attr == "__init__"
                    if public and inspect.isfunction(func) and id(func) not in seen:
                        seen.add(id(func))
                        yield f"{module.__name__}.{name}.{attr}", func


def _missing(func) -> list[str]:
    sig = inspect.signature(func)
    missing = [p.name for p in sig.parameters.values()
               if p.name not in SKIP_PARAMS and p.annotation is inspect.Parameter.empty
               and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
    if sig.return_annotation is inspect.Signature.empty and func.__name__ != "__init__":
        missing.append("return")
    return missing


def test_every_public_function_is_annotated():
    found = list(_public_callables())
    assert len(found) > 200, "the walk found too few functions to be looking at the package"
    problems = [f"{name}: {', '.join(m)}" for name, func in found if (m := _missing(func))]
    assert not problems, f"{len(problems)} public functions lack type hints:\n" + "\n".join(problems)


def test_the_walk_sees_the_autograd_functions():
    names = {name for name, _ in _public_callables()}
    assert "lecturelib.torch_nn.conv.Conv2dFunction.backward" in names
