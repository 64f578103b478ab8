"""Training utilities the chapters share: minibatches, accuracy, a NumPy MLP and two small training loops.

* :func:`iterate_minibatches` — one epoch of ``(x_batch, y_batch)`` pairs, every sample exactly once.
* :func:`accuracy` — fraction of correct arg-max predictions (NumPy arrays or torch tensors).
* :class:`MLP` — a fully connected network in the lectures' notation (lecture 000, Algorithm 1 forward,
  Algorithm 2/3 backward in matrix form), built from :mod:`lecturelib.numpy_nn`.
* :func:`train_numpy` / :func:`evaluate_numpy` — minibatch SGD for any NumPy model with the
  ``forward`` / ``backward`` / ``params`` protocol (the :class:`MLP` here, LeNet later) and a
  ``numpy_nn`` optimizer.
* :func:`torch_mlp` / :func:`load_numpy_params` — the same MLP as a ``torch.nn.Sequential`` of
  :class:`lecturelib.torch_nn.Linear` layers, and copying an :class:`MLP`'s parameters into it.
* :func:`train_torch` / :func:`evaluate_torch` — the same loop for a ``torch.nn.Module`` and a
  ``torch.optim`` optimizer, on whatever device the model lives on.

Both training loops return a *history* dict of per-epoch lists (see :func:`train_numpy`). With
``progress=True`` they show a live bar (:func:`lecturelib.progress`, off when outputs are being stored) and
print a compact log, one line per epoch (at most ten lines), e.g.
``train · epoch 2/5 · loss 0.4321 · acc 0.8512 · val_acc 0.8700``.
"""

from __future__ import annotations

import numpy as np

from . import numpy_nn as nnp
from ._random import as_generator
from .notebook import progress as _progress_bar

__all__ = [
    "ACTIVATIONS",
    "MLP",
    "accuracy",
    "evaluate_numpy",
    "evaluate_torch",
    "init_std",
    "iterate_minibatches",
    "load_numpy_params",
    "train_numpy",
    "torch_mlp",
    "train_torch",
]

#: Activation name → ``(h, h')`` from :mod:`lecturelib.numpy_nn`.
ACTIVATIONS = {
    "identity": (nnp.identity, nnp.identity_grad),
    "sigmoid": (nnp.sigmoid, nnp.sigmoid_grad),
    "tanh": (nnp.tanh, nnp.tanh_grad),
    "relu": (nnp.relu, nnp.relu_grad),
}


# ----------------------------------------------------------------------------------------------- batches

def iterate_minibatches(x, y, batch_size: int, rng=None, shuffle: bool = True):
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


def accuracy(scores, labels) -> float:
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


# ------------------------------------------------------------------------------------------- NumPy MLP

def init_std(init, d_in: int, d_out: int) -> float:
    """Standard deviation ε of the lecture's initialisation ``W_ij ~ N(0, ε²)`` for a D_in → D_out layer.

    ``init`` is a number (ε itself) or the name of a rule: ``"lecun"`` ε = √(1/D_in) (LeCun et al., 1998),
    ``"glorot"`` ε = √(2/(D_in + D_out)) (Glorot & Bengio, 2010), ``"he"`` ε = √(2/D_in) (He et al., 2015).
    """
    rules = {
        "lecun": lambda: np.sqrt(1.0 / d_in),
        "glorot": lambda: np.sqrt(2.0 / (d_in + d_out)),
        "he": lambda: np.sqrt(2.0 / d_in),
    }
    if isinstance(init, str):
        if init not in rules:
            raise ValueError(f"init: expected a number or one of {sorted(rules)}, got {init!r}")
        return float(rules[init]())
    if isinstance(init, bool) or not isinstance(init, (int, float, np.floating, np.integer)) or init < 0:
        raise ValueError(f"init: expected a non-negative number or a rule name, got {init!r}")
    return float(init)


class MLP:
    """Fully connected network ``z^0 = x``, ``u^l = (W^l)^T z^{l-1} + b^l``, ``z^l = h^l(u^l)``, l = 1..L.

    Hidden layers use ``activation``; the output layer is linear (``z^L = u^L``, the scores), so a loss such
    as :func:`lecturelib.numpy_nn.softmax_cross_entropy` supplies ``δ^L = ∂J/∂u^L``. A batch is stored
    row-wise: ``z^l`` has shape (N, D_l) and the per-sample formulas become matrix products.

    Args:
        sizes: ``[D_0, D_1, ..., D_L]`` (input size, hidden sizes, number of outputs).
        activation: ``"relu"``, ``"sigmoid"``, ``"tanh"``, ``"identity"`` or a pair ``(h, h')``.
        init: ε of ``W^l_ij ~ N(0, ε²)`` — a number, or a rule name per layer (see :func:`init_std`).
        bias_init: ε_b of ``b^l_j ~ N(0, ε_b²)``; 0 (default) gives zero biases. The lecture uses ε_b = ε.
        rng: ``numpy.random.Generator`` or int seed for the initial parameters.
        dtype: float32 (speed) or float64 (gradient checks).

    Attributes:
        params: ``{"W1": (D_0, D_1), "b1": (D_1,), ..., "WL", "bL"}`` — updated in place by optimizers.
        grads: the same keys, filled by :meth:`backward`.
        cache: ``{"z": [z^0, ..., z^L], "u": [None, u^1, ..., u^L]}`` from the last :meth:`forward`.
        deltas: ``{l: δ^l}`` (N, D_l) from the last :meth:`backward`.
    """

    def __init__(self, sizes, activation="relu", init="he", bias_init=0.0, rng=None, dtype=np.float32):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(f"sizes: expected at least [D_in, D_out] of positive ints, got {sizes}")
        if isinstance(activation, str):
            if activation not in ACTIVATIONS:
                raise ValueError(f"activation: expected one of {sorted(ACTIVATIONS)} or a pair (h, h'), "
                                 f"got {activation!r}")
            self.h, self.h_grad = ACTIVATIONS[activation]
        else:
            self.h, self.h_grad = activation
        self.sizes, self.L, self.dtype = sizes, len(sizes) - 1, np.dtype(dtype)
        rng = as_generator(rng)
        self.params: dict[str, np.ndarray] = {}
        for l in range(1, self.L + 1):
            d_in, d_out = sizes[l - 1], sizes[l]
            eps = init_std(init, d_in, d_out)
            self.params[f"W{l}"] = (eps * rng.standard_normal((d_in, d_out))).astype(self.dtype)
            eps_b = init_std(bias_init, d_in, d_out)
            b = eps_b * rng.standard_normal(d_out) if eps_b > 0 else np.zeros(d_out)
            self.params[f"b{l}"] = b.astype(self.dtype)
        self.grads: dict[str, np.ndarray] = {}
        self.cache: dict = {}
        self.deltas: dict[int, np.ndarray] = {}

    @property
    def num_params(self) -> int:
        """Number of trainable numbers: Σ_l (D_{l-1} + 1) D_l."""
        return int(sum(p.size for p in self.params.values()))

    def forward(self, x, train: bool = True):
        """Algorithm 1 for a batch x (N, D_0): returns the scores ``u^L`` (N, D_L) and caches every u^l, z^l.

        ``train`` is accepted for the common model protocol (layers such as dropout will use it).
        """
        z, us = [x], [None]
        for l in range(1, self.L + 1):
            u, _ = nnp.linear_forward(z[-1], self.params[f"W{l}"], self.params[f"b{l}"])
            us.append(u)
            z.append(self.h(u) if l < self.L else u)
        self.cache = {"z": z, "u": us}
        return z[-1]

    def backward(self, du):
        """Back-propagate ``δ^L = du = ∂J/∂u^L`` (N, D_L); return and store the gradients of every parameter.

        For l = L, ..., 1 (rows are samples, so ``z^{l-1}(δ^l)^T`` summed over the batch is a matrix product):

            ∂J/∂W^l = (z^{l-1})^T δ^l            (D_{l-1}, D_l)
            ∂J/∂b^l = Σ_n δ^l_n                  (D_l,)
            δ^{l-1} = h'(u^{l-1}) ⊙ (δ^l (W^l)^T) (N, D_{l-1})   — the lecture's h'(u^l) ⊙ (W^{l+1} δ^{l+1})
        """
        if not self.cache:
            raise ValueError("backward called before forward")
        z, u = self.cache["z"], self.cache["u"]
        if tuple(du.shape) != tuple(u[-1].shape):
            raise ValueError(f"du must have the scores' shape {u[-1].shape} (N, D_L), got {du.shape}")
        delta = du
        grads, deltas = {}, {}
        for l in range(self.L, 0, -1):
            deltas[l] = delta
            grads[f"W{l}"] = z[l - 1].T @ delta
            grads[f"b{l}"] = delta.sum(axis=0)
            if l > 1:
                delta = self.h_grad(u[l - 1]) * (delta @ self.params[f"W{l}"].T)
        self.grads = {k: grads[k] for k in self.params}  # in parameter order
        self.deltas = deltas
        return self.grads

    def loss(self, x, y, loss_fn=nnp.softmax_cross_entropy):
        """Forward, loss and backward in one call: returns ``(J, grads)``."""
        J, du = loss_fn(self.forward(x), y)
        return J, self.backward(du)

    def predict(self, x):
        """Class indices ``argmax_k u^L_k`` for x (N, D_0)."""
        return self.forward(x, train=False).argmax(axis=1)

    def __repr__(self) -> str:
        sizes = "-".join(map(str, self.sizes))
        return f"MLP({sizes}, {self.h.__name__}, {self.dtype}, {self.num_params} parameters)"


# ------------------------------------------------------------------------------------- NumPy training

def _progress(total, desc, enabled):
    return _progress_bar(total=total, desc=desc, enabled=enabled)


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


def evaluate_numpy(model, x, y, batch_size: int = 1000, loss_fn=nnp.softmax_cross_entropy):
    """Mean loss and accuracy of ``model`` on (x, y), computed in batches; returns ``(loss, acc)``."""
    total_loss, correct = 0.0, 0
    for xb, yb in iterate_minibatches(x, y, batch_size, shuffle=False):
        scores = model.forward(xb, train=False)
        J, _ = loss_fn(scores, yb)
        total_loss += J * len(xb)
        correct += int(np.sum(scores.argmax(axis=1) == yb))
    return total_loss / len(x), correct / len(x)


def train_numpy(model, optimizer, x, y, epochs: int, batch_size: int, rng=None, x_val=None, y_val=None,
                progress: bool = True, *, loss_fn=nnp.softmax_cross_entropy, shuffle: bool = True,
                eval_train: bool = False, desc: str = "train"):
    """Minibatch gradient descent: for every batch, forward → loss → backward → ``optimizer.step``.

    Args:
        model: has ``params`` (dict of arrays), ``forward(x, train=True)`` returning scores (N, K) and
            ``backward(du)`` returning a dict of gradients with the keys of ``params`` (e.g. :class:`MLP`).
        optimizer: a :mod:`lecturelib.numpy_nn` optimizer (``step(params, grads)`` updates in place).
        x, y: training inputs (N, ...) and integer labels (N,).
        epochs, batch_size: passes over the data and samples per update (``batch_size=len(x)`` with
            ``shuffle=False`` is batch learning, ``batch_size=1`` online learning).
        rng: ``numpy.random.Generator`` or int seed for the shuffling.
        x_val, y_val: optional held-out data, evaluated after every epoch.
        progress: show a live progress bar and print one log line per epoch (at most ten).
        loss_fn: ``loss_fn(scores, labels) -> (J, ∂J/∂scores)``.
        shuffle: shuffle the samples every epoch.
        eval_train: also evaluate the whole training set after every epoch (costs one extra pass).

    Returns:
        history dict: ``"step_loss"`` (loss of every update), ``"loss"`` and ``"acc"`` (mean over the epoch's
        minibatches, measured while training), and per epoch ``"train_loss"``/``"train_acc"`` (with
        ``eval_train``) and ``"val_loss"``/``"val_acc"`` (with validation data).
    """
    rng = as_generator(rng)
    n = len(x)
    history = {"step_loss": [], "loss": [], "acc": []}
    if eval_train:
        history.update(train_loss=[], train_acc=[])
    if x_val is not None:
        history.update(val_loss=[], val_acc=[])
    steps_per_epoch = -(-n // batch_size)
    with _progress(epochs * steps_per_epoch, desc, progress) as bar:
        for _epoch in range(epochs):
            total_loss, correct = 0.0, 0
            for xb, yb in iterate_minibatches(x, y, batch_size, rng, shuffle=shuffle):
                scores = model.forward(xb, train=True)
                J, du = loss_fn(scores, yb)
                grads = model.backward(du)
                optimizer.step(model.params, grads)
                history["step_loss"].append(J)
                total_loss += J * len(xb)
                correct += int(np.sum(scores.argmax(axis=1) == yb))
                bar.update(1)
            history["loss"].append(total_loss / n)
            history["acc"].append(correct / n)
            postfix = {"loss": f"{total_loss / n:.4f}"}
            if eval_train:
                tl, ta = evaluate_numpy(model, x, y, loss_fn=loss_fn)
                history["train_loss"].append(tl)
                history["train_acc"].append(ta)
            if x_val is not None:
                vl, va = evaluate_numpy(model, x_val, y_val, loss_fn=loss_fn)
                history["val_loss"].append(vl)
                history["val_acc"].append(va)
                postfix["val_acc"] = f"{va:.4f}"
            bar.set_postfix(postfix)
            if progress:
                _log_epoch(desc, _epoch, epochs, history)
    return history


# ------------------------------------------------------------------------------------- torch training

def _torch():
    import torch

    return torch


def _is_torch(x) -> bool:
    mod = type(x).__module__
    return mod.startswith("torch") and hasattr(x, "detach")


def _batches(data, batch_size, rng, shuffle, device):
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


def _num_batches(data, batch_size):
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return -(-len(data[0]) // batch_size)
    try:
        return len(data)
    except TypeError:
        return None


def _model_device(model):
    for p in model.parameters():
        return p.device
    return _torch().device("cpu")


_TORCH_ACTIVATIONS = {"identity": "Identity", "sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "ReLU"}


def torch_mlp(sizes, activation="relu", dtype=None, device=None):
    """The :class:`MLP` in PyTorch: a ``torch.nn.Sequential`` of ``torch_nn.Linear`` layers and activations.

    Layer l is ``lecturelib.torch_nn.Linear(D_{l-1}, D_l)`` (weight (D_{l-1}, D_l), the lectures' ``W^l``),
    followed by the activation for l < L; the output layer is linear (scores). Initialised like
    ``torch.nn.Linear``; use :func:`load_numpy_params` to start from an :class:`MLP`'s parameters.
    """
    torch = _torch()
    from .torch_nn import Linear

    if activation not in _TORCH_ACTIVATIONS:
        raise ValueError(f"activation: expected one of {sorted(_TORCH_ACTIVATIONS)}, got {activation!r}")
    layers = []
    for l in range(1, len(sizes)):
        layers.append(Linear(int(sizes[l - 1]), int(sizes[l]), device=device, dtype=dtype))
        if l < len(sizes) - 1:
            layers.append(getattr(torch.nn, _TORCH_ACTIVATIONS[activation])())
    return torch.nn.Sequential(*layers)


def load_numpy_params(model, params) -> None:
    """Copy ``params`` ``{"W1", "b1", ..., "WL", "bL"}`` (NumPy, lectures' orientation) into ``model``.

    The model's layers with a ``weight`` (D_in, D_out) and a ``bias`` receive ``W1, b1``, ``W2, b2``, ... in
    order (e.g. a :func:`torch_mlp`); the model keeps its dtype and device.
    """
    torch = _torch()
    linears = [m for m in model.modules() if hasattr(m, "weight") and hasattr(m, "bias")]
    if 2 * len(linears) != len(params):
        raise ValueError(f"model has {len(linears)} linear layers but params holds {len(params)} arrays")
    with torch.no_grad():
        for l, layer in enumerate(linears, start=1):
            for name, p in (("W", layer.weight), ("b", layer.bias)):
                value = torch.as_tensor(params[f"{name}{l}"])
                if tuple(value.shape) != tuple(p.shape):
                    raise ValueError(f"{name}{l} has shape {tuple(value.shape)}, "
                                     f"the model's has {tuple(p.shape)}")
                p.copy_(value.to(dtype=p.dtype, device=p.device))


def evaluate_torch(model, data, loss_fn=None, batch_size: int = 1000, device=None):
    """Mean loss and accuracy of a ``torch.nn.Module`` on ``data``; returns ``(loss, acc)`` as floats.

    ``data`` is a tuple ``(x, y)`` (NumPy arrays or tensors; x (N, ...), y (N,) int) or an iterable of
    ``(x_batch, y_batch)`` such as a ``DataLoader``. Runs in ``model.eval()`` mode under ``torch.no_grad()``
    on ``device`` (default: the model's) and restores the model's previous mode.
    """
    torch = _torch()
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


def train_torch(model, optimizer, data, epochs: int, *, batch_size: int = 128, rng=None, loss_fn=None,
                val=None, eval_train: bool = False, device=None, progress: bool = True, shuffle: bool = True,
                desc: str = "train"):
    """Minibatch training of a ``torch.nn.Module``: zero_grad → forward → loss → backward → optimizer step.

    Args:
        model: maps x (N, ...) to scores (N, K); trained on ``device`` (default: where its parameters are).
        optimizer: a ``torch.optim`` optimizer over ``model.parameters()``.
        data: a tuple ``(x, y)`` of NumPy arrays or tensors — shuffled into minibatches of ``batch_size``
            with ``rng`` (a NumPy Generator or int seed), exactly as :func:`train_numpy` does — or an
            iterable of ``(x_batch, y_batch)`` (a ``DataLoader``), used as it is.
        epochs: passes over ``data``.
        loss_fn: ``loss_fn(scores, labels)`` → scalar tensor (default ``torch.nn.functional.cross_entropy``).
        val: optional held-out data in the same forms, evaluated after every epoch.
        eval_train: also evaluate the whole training data after every epoch.

    Returns:
        the history dict of :func:`train_numpy` (``step_loss``, ``loss``, ``acc``, optional ``train_*``
        and ``val_*``), with Python floats.
    """
    torch = _torch()
    loss_fn = loss_fn or torch.nn.functional.cross_entropy
    device = device or _model_device(model)
    rng = as_generator(rng)
    history = {"step_loss": [], "loss": [], "acc": []}
    if eval_train:
        history.update(train_loss=[], train_acc=[])
    if val is not None:
        history.update(val_loss=[], val_acc=[])
    per_epoch = _num_batches(data, batch_size)
    with _progress(None if per_epoch is None else epochs * per_epoch, desc, progress) as bar:
        for _epoch in range(epochs):
            model.train()
            total_loss, correct, count = 0.0, 0, 0
            for xb, yb in _batches(data, batch_size, rng, shuffle, device):
                optimizer.zero_grad()
                scores = model(xb)
                loss = loss_fn(scores, yb)
                loss.backward()
                optimizer.step()
                J = float(loss.detach())
                history["step_loss"].append(J)
                total_loss += J * len(xb)
                correct += int((scores.detach().argmax(dim=1) == yb).sum())
                count += len(xb)
                bar.update(1)
            history["loss"].append(total_loss / count)
            history["acc"].append(correct / count)
            postfix = {"loss": f"{total_loss / count:.4f}"}
            if eval_train:
                tl, ta = evaluate_torch(model, data, loss_fn, device=device)
                history["train_loss"].append(tl)
                history["train_acc"].append(ta)
            if val is not None:
                vl, va = evaluate_torch(model, val, loss_fn, device=device)
                history["val_loss"].append(vl)
                history["val_acc"].append(va)
                postfix["val_acc"] = f"{va:.4f}"
            bar.set_postfix(postfix)
            if progress:
                _log_epoch(desc, _epoch, epochs, history)
    return history
