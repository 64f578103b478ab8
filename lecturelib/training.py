"""Training loops the chapters share, one shape for NumPy and for PyTorch.

* :func:`iterate_minibatches` — one epoch of ``(x_batch, y_batch)`` pairs, every sample exactly once.
* :func:`accuracy` — fraction of correct arg-max predictions (NumPy arrays or torch tensors).
* :func:`train_numpy` / :func:`evaluate_numpy` — minibatch gradient descent for a NumPy model (``params``,
  ``forward(x, train)``, ``backward(du)`` filling ``grads``: a ``numpy_nn.Sequential``, a ``models.MLP``)
  with a :mod:`lecturelib.numpy_nn` optimizer.
* :func:`train_torch` / :func:`evaluate_torch` — the same loop for a ``torch.nn.Module`` and a
  ``torch.optim`` optimizer, on whatever device the model lives on.

Both pairs take the same arguments in the same order::

    train_*(model, optimizer, data, epochs, *, batch_size=128, rng=None, val=None, loss_fn=…, shuffle=True,
            eval_train=False, progress=True, desc="train")
    evaluate_*(model, data, *, batch_size=1000, loss_fn=…)

with ``data`` and ``val`` tuples ``(x, y)``, and return the same *history* dict of per-epoch lists
(:func:`train_numpy`). With ``progress=True`` they show a live bar (:func:`lecturelib.progress`, off when
outputs are being stored) and print a compact log, one line per epoch (at most ten lines), e.g.
``train · epoch 2/5 · loss 0.4321 · acc 0.8512 · val_acc 0.8700``. A loss that becomes NaN or infinite
stops training with a ``RuntimeWarning`` (the parameters are those before the step that diverged); inputs
with NaN or inf are refused before training starts.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from . import numpy_nn as nnp
from ._contracts import positive_int
from ._contracts import Seed
from ._moved import moved_names
from ._random import as_generator
from .notebook import progress as _progress_bar

__all__ = [
    "accuracy",
    "evaluate_numpy",
    "evaluate_torch",
    "iterate_minibatches",
    "train_numpy",
    "train_torch",
]

__getattr__ = moved_names("lecturelib.training", {
    "MLP": ("lecturelib.models.MLP", lambda: _models().MLP),
    "torch_mlp": ("lecturelib.models.mlp(sizes, activation, impl='lecturelib', ...)",
                  lambda: _partial_impl(_models().mlp, "lecturelib")),
    "load_numpy_params": ("lecturelib.models.set_weights(model, params)", lambda: _models().set_weights),
    "init_std": ("lecturelib.numpy_nn.init_std", lambda: nnp.init_std),
    "ACTIVATIONS": ("lecturelib.numpy_nn.ACTIVATIONS", lambda: nnp.ACTIVATIONS),
})


def _models():
    from . import models

    return models


def _partial_impl(builder: Callable, impl: str) -> Callable:
    def build(*args, **kwargs):
        return builder(*args, impl=impl, **kwargs)
    return build


# ----------------------------------------------------------------------------------------------- batches

def _torch():
    import torch

    return torch


def _is_torch(x: Any) -> bool:
    mod = type(x).__module__
    return mod.startswith("torch") and hasattr(x, "detach")


def iterate_minibatches(x: Any, y: Any, batch_size: int, rng: Seed = None, shuffle: bool = True) -> Iterator[tuple[Any, Any]]:
    """Yield ``(x[idx], y[idx])`` minibatches that cover every sample exactly once (one epoch).

    Args:
        x: inputs, first axis = samples, shape (N, ...) (NumPy array or torch tensor).
        y: labels, shape (N,) (or (N, ...)).
        batch_size: samples per batch; the last batch holds the remaining ``N mod batch_size`` samples.
        rng: ``numpy.random.Generator``, an int seed, or ``None`` (the library's generator, seeded by
            :func:`lecturelib.set_seed`), used to shuffle (ignored with ``shuffle=False``).
        shuffle: visit the samples in a random order (stochastic gradient descent) or in data-set order.
    """
    n = len(x)
    if len(y) != n:
        raise ValueError(f"x and y must hold the same number of samples, got {n} and {len(y)}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) or batch_size < 1:
        raise ValueError(f"batch_size: expected a positive int, got {batch_size!r}")
    order = as_generator(rng).permutation(n) if shuffle else np.arange(n)
    for start in range(0, n, batch_size):
        idx = order[start:start + batch_size]
        if not shuffle:  # contiguous slices: views, no copy
            idx = slice(start, start + batch_size)
        elif _is_torch(x):
            idx = _torch().as_tensor(idx, device=x.device)
        yield x[idx], y[idx]


def accuracy(scores: Any, labels: Any) -> float:
    """Fraction of samples whose arg-max score is the label: scores (N, K), labels (N,) int."""
    if _is_torch(scores):
        scores = scores.detach().cpu().numpy()
    if _is_torch(labels):
        labels = labels.detach().cpu().numpy()
    scores, labels = np.asarray(scores), np.asarray(labels)
    if scores.ndim != 2 or labels.shape != (scores.shape[0],):
        raise ValueError(f"accuracy: expected scores (N, K) and labels (N,), "
                         f"got {scores.shape} and {labels.shape}")
    if scores.shape[0] == 0:
        raise ValueError("accuracy: no samples")
    return float(np.mean(scores.argmax(axis=1) == labels))


# ------------------------------------------------------------------------------------------- arguments

def _check_pair(data: Any, name: str, caller: str, allow_iterable: bool) -> bool:
    """``data`` is ``(x, y)`` (True) or, where allowed, an iterable of batches (False); anything else raises."""
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = data
        if not (hasattr(x, "shape") and hasattr(y, "shape")):
            raise TypeError(f"{caller}: {name} must be a tuple (x, y) of arrays or tensors, got "
                            f"({type(x).__name__}, {type(y).__name__})")
        if len(x) != len(y):
            raise ValueError(f"{caller}: {name} = (x, y) must hold the same number of samples, got {len(x)} and {len(y)}")
        if len(x) == 0:
            raise ValueError(f"{caller}: {name} holds no samples")
        _check_finite(x, f"{name}[0] (the inputs x)", caller)
        return True
    if allow_iterable and isinstance(data, Iterable) and not hasattr(data, "shape"):
        return False
    raise TypeError(f"{caller}: {name} must be a tuple (x, y) of inputs and labels"
                    f"{' or an iterable of (x_batch, y_batch) such as a DataLoader' if allow_iterable else ''}, "
                    f"got {type(data).__name__}; the signature is {caller}(model, optimizer, data, epochs, *, "
                    f"batch_size=..., ...) — see docs/MIGRATION-lib.md")


def _check_finite(x: Any, name: str, caller: str) -> None:
    if _is_torch(x):
        torch = _torch()
        if not (x.is_floating_point() or x.is_complex()) or bool(torch.isfinite(x).all()):
            return
        bad_mask = ~torch.isfinite(x).cpu().numpy()
    else:
        a = np.asarray(x)
        if a.dtype.kind not in "fc" or np.isfinite(a).all():
            return
        bad_mask = ~np.isfinite(a)
    bad = tuple(int(i) for i in np.argwhere(bad_mask)[0])
    raise ValueError(f"{caller}: {name} contains NaN or inf (first at index {bad}); clean the data before training")


def _check_loop_args(caller: str, epochs: int, batch_size: int, loss_fn: Any) -> int:
    positive_int(batch_size, "batch_size")
    if loss_fn is not None and not callable(loss_fn):
        raise TypeError(f"{caller}: loss_fn must be callable (scores, labels) -> loss, got {type(loss_fn).__name__}")
    return positive_int(epochs, "epochs")


def _check_numpy_model(model: Any, optimizer: Any = None) -> None:
    for attr in ("params", "forward", "backward"):
        if not hasattr(model, attr):
            raise TypeError(f"train_numpy: model must have params, forward(x, train) and backward(du) "
                            f"(e.g. numpy_nn.Sequential or models.MLP); {type(model).__name__} has no {attr}")
    if optimizer is not None and (type(optimizer).__module__.startswith("torch")
                                  or not callable(getattr(optimizer, "step", None))):
        # duck typing: a schedule that wraps an optimizer (chapter 7's HoldThenDecay) is an optimizer too
        raise TypeError(f"train_numpy: optimizer must have step(params, grads) (a lecturelib.numpy_nn optimizer "
                        f"such as SGD or Adam, or a wrapper of one), got {type(optimizer).__name__}")


def _check_torch_model(model: Any, optimizer: Any = None, caller: str = "train_torch") -> None:
    torch = _torch()
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"{caller}: model must be a torch.nn.Module, got {type(model).__name__}")
    if optimizer is not None and not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"{caller}: optimizer must be a torch.optim optimizer, got {type(optimizer).__name__}")


# -------------------------------------------------------------------------------------- the shared loop

def _log_epoch(desc: str, epoch: int, epochs: int, history: dict) -> None:
    """Print one compact line for epoch ``epoch`` (0-based) of ``epochs``: at most ten lines per run."""
    every = -(-epochs // 10)
    if (epoch + 1) % every and epoch + 1 != epochs:
        return
    parts = [f"{desc} · epoch {epoch + 1}/{epochs}"]
    for key in ("loss", "acc", "train_loss", "train_acc", "val_loss", "val_acc"):
        if key in history:
            parts.append(f"{key} {history[key][-1]:.4f}")
    print(" · ".join(parts), flush=True)


def new_history(eval_train: bool, validate: bool) -> dict[str, list[float]]:
    """The history dict both loops fill: ``step_loss``, ``loss``, ``acc`` and optional ``train_*``/``val_*``."""
    history = {"step_loss": [], "loss": [], "acc": []}
    if eval_train:
        history.update(train_loss=[], train_acc=[])
    if validate:
        history.update(val_loss=[], val_acc=[])
    return history


def _fit(step: Callable, batches: Callable, evaluate: Callable, data: Any, val: Any, epochs: int,
         steps_per_epoch: int | None, eval_train: bool, progress: bool, desc: str,
         start_epoch: Callable = lambda: None) -> dict[str, list[float]]:
    """Run ``epochs`` passes: ``step(xb, yb) → (J, correct)`` per batch, then the per-epoch bookkeeping."""
    history = new_history(eval_train, val is not None)
    total = None if steps_per_epoch is None else epochs * steps_per_epoch
    with _progress_bar(total=total, desc=desc, enabled=progress) as bar:
        for epoch in range(epochs):
            start_epoch()
            total_loss, correct, count = 0.0, 0, 0
            for xb, yb in batches():
                J, right = step(xb, yb)
                if not math.isfinite(J):
                    warnings.warn(f"{desc}: the loss became {J} at epoch {epoch + 1}, step "
                                  f"{len(history['step_loss']) + 1}; training stopped there (the parameters are "
                                  "those before that step). Lower the learning rate or check the data.",
                                  RuntimeWarning, stacklevel=3)
                    return history
                history["step_loss"].append(J)
                total_loss += J * len(xb)
                correct += right
                count += len(xb)
                bar.update(1)
            history["loss"].append(total_loss / count)
            history["acc"].append(correct / count)
            postfix = {"loss": f"{total_loss / count:.4f}"}
            if eval_train:
                tl, ta = evaluate(data)
                history["train_loss"].append(tl)
                history["train_acc"].append(ta)
            if val is not None:
                vl, va = evaluate(val)
                history["val_loss"].append(vl)
                history["val_acc"].append(va)
                postfix["val_acc"] = f"{va:.4f}"
            bar.set_postfix(postfix)
            if progress:
                _log_epoch(desc, epoch, epochs, history)
    return history


# ------------------------------------------------------------------------------------- NumPy training

def evaluate_numpy(model: Any, data: tuple[np.ndarray, np.ndarray], *, batch_size: int = 1000,
                   loss_fn: Callable = nnp.softmax_cross_entropy) -> tuple[float, float]:
    """Mean loss and accuracy of a NumPy ``model`` on ``data = (x, y)``, in batches (test mode): ``(loss, acc)``."""
    _check_numpy_model(model)
    _check_pair(data, "data", "evaluate_numpy", allow_iterable=False)
    positive_int(batch_size, "batch_size")
    x, y = data
    total_loss, correct = 0.0, 0
    for xb, yb in iterate_minibatches(x, y, batch_size, shuffle=False):
        scores = model.forward(xb, train=False)
        J, _ = loss_fn(scores, yb)
        total_loss += J * len(xb)
        correct += int(np.sum(scores.argmax(axis=1) == yb))
    return total_loss / len(x), correct / len(x)


def train_numpy(model: Any, optimizer: nnp.Optimizer, data: tuple[np.ndarray, np.ndarray], epochs: int, *,
                batch_size: int = 128, rng: Seed = None, val: tuple[np.ndarray, np.ndarray] | None = None,
                loss_fn: Callable = nnp.softmax_cross_entropy, shuffle: bool = True, eval_train: bool = False,
                progress: bool = True, desc: str = "train") -> dict[str, list[float]]:
    """Minibatch gradient descent: for every batch, forward → loss → backward → ``optimizer.step``.

    Args:
        model: has ``params`` (arrays updated in place), ``forward(x, train=True)`` returning scores (N, K) and
            ``backward(du)`` filling ``grads`` (keys of ``params``) — a ``numpy_nn.Sequential``, a ``models.MLP``.
        optimizer: a :mod:`lecturelib.numpy_nn` optimizer (``step(params, grads)`` updates in place).
        data: ``(x, y)``, training inputs (N, ...) and integer labels (N,).
        epochs: passes over the data.
        batch_size: samples per update (``batch_size=len(x)`` with ``shuffle=False`` is batch learning,
            ``batch_size=1`` online learning).
        rng: ``numpy.random.Generator`` or int seed for the shuffling.
        val: optional held-out ``(x, y)``, evaluated after every epoch.
        loss_fn: ``loss_fn(scores, labels) -> (J, ∂J/∂scores)``.
        shuffle: shuffle the samples every epoch.
        eval_train: also evaluate the whole training set after every epoch (costs one extra pass).
        progress: show a live progress bar and print one log line per epoch (at most ten).

    Returns:
        history dict: ``"step_loss"`` (loss of every update), ``"loss"`` and ``"acc"`` (mean over the epoch's
        minibatches, measured while training), and per epoch ``"train_loss"``/``"train_acc"`` (with
        ``eval_train``) and ``"val_loss"``/``"val_acc"`` (with ``val``). Shorter than ``epochs`` when the
        loss diverged (a ``RuntimeWarning`` says where).
    """
    _check_numpy_model(model, optimizer)
    epochs = _check_loop_args("train_numpy", epochs, batch_size, loss_fn)
    _check_pair(data, "data", "train_numpy", allow_iterable=False)
    if val is not None:
        _check_pair(val, "val", "train_numpy", allow_iterable=False)
    rng = as_generator(rng)
    x, y = data

    def step(xb, yb):
        scores = model.forward(xb, train=True)
        J, du = loss_fn(scores, yb)
        if not math.isfinite(J):
            return J, 0
        model.backward(du)
        optimizer.step(model.params, model.grads)
        return J, int(np.sum(scores.argmax(axis=1) == yb))

    return _fit(step, lambda: iterate_minibatches(x, y, batch_size, rng, shuffle=shuffle),
                lambda d: evaluate_numpy(model, d, loss_fn=loss_fn), data, val, epochs,
                -(-len(x) // batch_size), eval_train, progress, desc)


# ------------------------------------------------------------------------------------- torch training

def _batches(data: Any, batch_size: int, rng, shuffle: bool, device) -> Iterator:
    """Batches of ``data`` (a tuple ``(x, y)`` of arrays/tensors, or an iterable of batches) on ``device``."""
    torch = _torch()
    if isinstance(data, (tuple, list)) and len(data) == 2:
        x, y = data
        batches = iterate_minibatches(x, y, batch_size, rng, shuffle=shuffle)
    else:
        batches = data
    for xb, yb in batches:
        xb = torch.as_tensor(xb).to(device)
        yb = torch.as_tensor(yb).to(device=device, dtype=torch.long)
        yield xb, yb


def _num_batches(data: Any, batch_size: int) -> int | None:
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return -(-len(data[0]) // batch_size)
    try:
        return len(data)
    except TypeError:
        return None


def _model_device(model: Any):
    for p in model.parameters():
        return p.device
    return _torch().device("cpu")


def evaluate_torch(model: Any, data: Any, *, batch_size: int = 1000, loss_fn: Callable | None = None,
                   device: Any = None) -> tuple[float, float]:
    """Mean loss and accuracy of a ``torch.nn.Module`` on ``data``; returns ``(loss, acc)`` as floats.

    ``data`` is a tuple ``(x, y)`` (NumPy arrays or tensors; x (N, ...), y (N,) int) or an iterable of
    ``(x_batch, y_batch)`` such as a ``DataLoader``. Runs in ``model.eval()`` mode under ``torch.no_grad()``
    on ``device`` (default: the model's) and restores the model's previous mode.
    """
    torch = _torch()
    _check_torch_model(model, caller="evaluate_torch")
    _check_pair(data, "data", "evaluate_torch", allow_iterable=True)
    positive_int(batch_size, "batch_size")
    loss_fn = loss_fn or torch.nn.functional.cross_entropy
    device = device or _model_device(model)
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    with torch.no_grad():
        for xb, yb in _batches(data, batch_size, None, False, device):
            scores = model(xb)
            total_loss += float(loss_fn(scores, yb)) * len(xb)
            correct += int((scores.argmax(dim=1) == yb).sum())
            count += len(xb)
    model.train(was_training)
    if count == 0:
        raise ValueError("evaluate_torch: no samples")
    return total_loss / count, correct / count


def train_torch(model: Any, optimizer: Any, data: Any, epochs: int, *, batch_size: int = 128, rng: Seed = None,
                val: Any = None, loss_fn: Callable | None = None, shuffle: bool = True, eval_train: bool = False,
                progress: bool = True, desc: str = "train", device: Any = None) -> dict[str, list[float]]:
    """Minibatch training of a ``torch.nn.Module``: zero_grad → forward → loss → backward → optimizer step.

    Arguments as :func:`train_numpy`, and:

    * ``optimizer``: a ``torch.optim`` optimizer over ``model.parameters()``;
    * ``data`` (and ``val``): a tuple ``(x, y)`` of NumPy arrays or tensors — shuffled into minibatches of
      ``batch_size`` with ``rng`` exactly as :func:`train_numpy` does — or an iterable of
      ``(x_batch, y_batch)`` (a ``DataLoader``), used as it is;
    * ``loss_fn(scores, labels)`` → scalar tensor (default ``torch.nn.functional.cross_entropy``);
    * ``device``: where to train (default: where the model's parameters are).

    Returns the history dict of :func:`train_numpy`, with Python floats.
    """
    torch = _torch()
    _check_torch_model(model, optimizer)
    epochs = _check_loop_args("train_torch", epochs, batch_size, loss_fn)
    _check_pair(data, "data", "train_torch", allow_iterable=True)
    if val is not None:
        _check_pair(val, "val", "train_torch", allow_iterable=True)
    loss_fn = loss_fn or torch.nn.functional.cross_entropy
    device = device or _model_device(model)
    rng = as_generator(rng)

    def step(xb, yb):
        optimizer.zero_grad()
        scores = model(xb)
        loss = loss_fn(scores, yb)
        J = float(loss.detach())
        if not math.isfinite(J):
            return J, 0
        loss.backward()
        optimizer.step()
        return J, int((scores.detach().argmax(dim=1) == yb).sum())

    return _fit(step, lambda: _batches(data, batch_size, rng, shuffle, device),
                lambda d: evaluate_torch(model, d, loss_fn=loss_fn, device=device), data, val, epochs,
                _num_batches(data, batch_size), eval_train, progress, desc, start_epoch=model.train)

