"""Results of the course's long runs: small weight files with the log of the run that made them.

A network a chapter cannot train inside its 3-minute budget is trained by a script in the repository's
``experiments/`` folder. The script writes two files here (and into the student zip, which ships this
package):

* ``<name>.npz`` — the weights, one array per ``state_dict`` entry (a NumPy archive: no pickle);
* ``<name>.json`` — the provenance: the command, the seed, the library versions, the losses of the first
  training steps (a test re-runs them), one record per epoch and the final metrics.

A chapter calls :func:`load` and evaluates the weights live on the test set::

    state, meta = checkpoints.load("lenet5_numpy")
    meta["final"]["test_acc"]     # logged by the run
    model.load_state_dict(state)  # then evaluate it yourself

Sizes are bounded (:data:`MAX_BYTES` each, :data:`MAX_TOTAL_BYTES` together) so the repository stays small.
"""

from __future__ import annotations

import builtins
import json
import os
import platform
import time
from pathlib import Path
from typing import Any
from collections.abc import Mapping

import numpy as np

__all__ = ["load", "list", "path", "save", "RunLog", "DIR", "MAX_BYTES", "MAX_TOTAL_BYTES"]

DIR = Path(__file__).resolve().parent
MAX_BYTES = 5 * 1024 * 1024
MAX_TOTAL_BYTES = 30 * 1024 * 1024


def list(directory: str | os.PathLike | None = None) -> builtins.list[str]:  # noqa: A001 - the API's name
    """Names of the checkpoints available (those with both a ``.npz`` and a ``.json`` file), sorted."""
    folder = Path(directory) if directory is not None else DIR
    return sorted(p.stem for p in folder.glob("*.npz") if p.with_suffix(".json").is_file())


def path(name: str, directory: str | os.PathLike | None = None) -> Path:
    """The ``.npz`` file of checkpoint ``name``; raises ``FileNotFoundError`` naming the ones that exist."""
    if not isinstance(name, str) or not name or "/" in name or "\\" in name:
        raise ValueError(f"checkpoints: expected a checkpoint name such as 'lenet5_numpy', got {name!r}")
    folder = Path(directory) if directory is not None else DIR
    file = folder / f"{name}.npz"
    if not file.is_file() or not file.with_suffix(".json").is_file():
        have = ", ".join(list(folder)) or "none"
        raise FileNotFoundError(f"checkpoints: no checkpoint {name!r} in {folder} (available: {have}); "
                                f"the script in experiments/ that makes it writes it there")
    return file


def load(name: str, *, framework: str | None = None,
         directory: str | os.PathLike | None = None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Load checkpoint ``name`` → ``(state_dict, meta)``.

    ``state_dict`` maps parameter names to arrays: ``torch.Tensor``s when the run was a PyTorch one
    (``meta["framework"] == "torch"``) or when ``framework="torch"`` is asked for, NumPy arrays otherwise
    (``framework="numpy"``). ``meta`` is the JSON log (command, seed, versions, ``epochs``, ``final``, ...).
    """
    if framework not in (None, "numpy", "torch"):
        raise ValueError(f"checkpoints.load: framework must be None, 'numpy' or 'torch', got {framework!r}")
    file = path(name, directory)
    meta = json.loads(file.with_suffix(".json").read_text(encoding="utf-8"))
    with np.load(file, allow_pickle=False) as archive:
        state = {key: archive[key] for key in meta.get("keys", archive.files)}
    if (framework or meta.get("framework", "numpy")) == "torch":
        import torch

        state = {key: torch.from_numpy(np.ascontiguousarray(value)) for key, value in state.items()}
    return state, meta


def _to_numpy(value) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().cpu().numpy()
    return np.asarray(value)


def save(name: str, state_dict: Mapping[str, Any], meta: Mapping[str, Any], *,
         directory: str | os.PathLike | None = None) -> Path:
    """Write ``<name>.npz`` (the arrays of ``state_dict``, tensors converted) and ``<name>.json`` (``meta`` plus
    the ordered ``keys``). Refuses a weight file larger than :data:`MAX_BYTES`. Returns the ``.npz`` path."""
    folder = Path(directory) if directory is not None else DIR
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {key: _to_numpy(value) for key, value in state_dict.items()}
    file = folder / f"{name}.npz"
    tmp = folder / f".{name}.tmp.npz"
    np.savez_compressed(tmp, **arrays)
    size = tmp.stat().st_size
    if size > MAX_BYTES:
        tmp.unlink()
        raise ValueError(f"checkpoints.save: {name} would take {size / 2**20:.1f} MiB, more than the "
                         f"{MAX_BYTES / 2**20:.0f} MiB a checkpoint may use; store float16 or a smaller model")
    record = dict(meta)
    record["keys"] = builtins.list(arrays)
    record["bytes"] = size
    file.with_suffix(".json").write_text(json.dumps(record, indent=1, default=_json_default) + "\n",
                                         encoding="utf-8")
    os.replace(tmp, file)
    return file


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _versions() -> dict[str, str]:
    import lecturelib

    versions = {"python": platform.python_version(), "numpy": np.__version__, "lecturelib": lecturelib.__version__}
    try:
        import torch

        versions["torch"] = torch.__version__
    except ImportError:  # pragma: no cover
        pass
    return versions


class RunLog:
    """The provenance a long run records, filled in as it trains.

    >>> log = RunLog("lenet5_numpy", seed=0, framework="numpy", script="experiments/lenet5_numpy.py",
    ...              args=["--epochs", "20"], config={"epochs": 20})
    >>> log.step(loss)                 # every training step; the first ``first_steps`` losses are kept
    >>> log.epoch(epoch=1, train_loss=..., val_acc=...)
    >>> log.keep_if_best(model_state)  # selection on validation: keeps a copy when val_acc improved
    >>> log.finish_best(test_acc=0.91) # writes the kept weights (or log.finish(state_dict, ...) for others)

    ``script`` is the path of the script from the repository root and ``args`` its command-line arguments
    (without ``--out``/``--max-steps``): ``tests/test_experiments.py`` re-runs ``python script *args
    --max-steps K --out DIR`` and compares the first K losses with ``first_losses``.

    ``meta`` holds: ``name``, ``script``, ``args``, ``command`` (how to re-run it), ``seed``, ``framework``, ``config``, ``versions``,
    ``machine``, ``first_losses``, ``epochs`` (one dict per epoch), ``final``, ``seconds``.
    """

    def __init__(self, name: str, *, seed: int, framework: str, script: str, args: builtins.list[str],
                 config: Mapping[str, Any] | None = None, first_steps: int = 20) -> None:
        if framework not in ("numpy", "torch"):
            raise ValueError(f"RunLog: framework must be 'numpy' or 'torch', got {framework!r}")
        self.name = name
        self.first_steps = first_steps
        self._start = time.perf_counter()
        self.meta: dict[str, Any] = {
            "name": name,
            "script": script,
            "args": builtins.list(args),
            "command": " ".join(["python", script, *args]),
            "seed": seed,
            "framework": framework,
            "config": dict(config or {}),
            "versions": _versions(),
            "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, {platform.system()}",
            "first_losses": [],
            "epochs": [],
            "final": {},
        }
        self.best: dict[str, Any] | None = None         # the selected epoch's record (keep_if_best)
        self.best_state: dict[str, np.ndarray] | None = None

    def step(self, loss: float) -> None:
        """Record a training step's loss (kept for the first ``first_steps`` steps)."""
        if len(self.meta["first_losses"]) < self.first_steps:
            self.meta["first_losses"].append(float(loss))

    def epoch(self, **metrics: Any) -> None:
        """Record one epoch's metrics (numbers are stored as plain floats/ints)."""
        self.meta["epochs"].append({k: (v.item() if isinstance(v, np.generic) else v) for k, v in metrics.items()})

    def keep_if_best(self, state_dict: Mapping[str, Any], key: str = "val_acc") -> bool:
        """Model selection, called after :meth:`epoch`: when the last epoch's ``key`` beats every earlier
        epoch's, keep a copy of ``state_dict`` (as NumPy arrays) in ``best_state`` and that epoch's record in
        ``best``; return whether it did."""
        record = self.meta["epochs"][-1]
        if self.best is not None and not record[key] > self.best[key]:
            return False
        self.best = dict(record)
        self.best_state = {k: _to_numpy(v).copy() for k, v in state_dict.items()}
        return True

    def finish_best(self, *, directory: str | os.PathLike | None = None, **final: Any) -> Path:
        """:meth:`finish` with the weights :meth:`keep_if_best` kept: the final metrics are the selected
        epoch's record (its ``epoch`` as ``best_epoch``) updated with ``final`` (e.g. the test accuracy)."""
        if self.best is None:
            raise RuntimeError("RunLog.finish_best: no epoch was kept; call keep_if_best after each epoch")
        selected = {("best_epoch" if k == "epoch" else k): v for k, v in self.best.items()}
        return self.finish(self.best_state, directory=directory, **{**selected, **final})

    def finish(self, state_dict: Mapping[str, Any], *, directory: str | os.PathLike | None = None,
               **final: Any) -> Path:
        """Store the final metrics and the run time, and write the checkpoint (see :func:`save`)."""
        self.meta["final"] = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in final.items()}
        self.meta["seconds"] = round(time.perf_counter() - self._start, 1)
        return save(self.name, state_dict, self.meta, directory=directory)
