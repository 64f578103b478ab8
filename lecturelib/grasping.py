"""A 2-D simulated grasping world (chapter 15), after Levine et al. (2016) at toy scale.

A scene is one object lying on a plane seen from above: a rectangle or an ellipse with random size, position and
orientation, rendered into a small grey image (``SIZE`` × ``SIZE`` pixels, 1 inside the object, 0 outside). A
parallel-jaw gripper command is ``(x, y, θ, w)``: the centre of the gripper in pixels (x to the right, y down),
the direction u = (cos θ, sin θ) along which the two jaws close, and the opening w (the distance between the jaws).

The success rule (:func:`grasp_success`) is geometry only. Along the closing line c + t·u, |t| ≤ w/2:

1. the line must cross the object (otherwise the jaws close on air);
2. both jaws must start outside it: the chord [t_in, t_out] lies strictly inside (−w/2, w/2) (otherwise a jaw
   lands on the object);
3. the chord must be at least ``MIN_CHORD`` pixels long (a sliver slips out);
4. antipodal friction: at both contact points the surface normal makes an angle of at most ``FRICTION_DEG``
   with the closing direction (|n̂ · u| ≥ cos α); otherwise the object squeezes out sideways.

Objects drift between the steps of a servoing episode (:meth:`Scene.drift`), as things move when a robot
approaches them; the network sees the current image at every step of the closed loop (:func:`servo`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ._random import as_generator

__all__ = ["SIZE", "FRICTION_DEG", "MIN_CHORD", "W_RANGE", "Scene", "random_scene", "render", "render_gripper",
           "chord", "grasp_success", "random_commands", "grasp_dataset", "network_input", "cem_command",
           "servo", "clip_commands", "glimpse", "GLIMPSE"]

SIZE = 32
FRICTION_DEG = 30.0
MIN_CHORD = 1.5
W_RANGE = (2.0, 16.0)


@dataclass(frozen=True)
class Scene:
    """One object: ``kind`` "rect" (half sides a, b) or "ellipse" (semi-axes a, b), centre (cx, cy), angle phi."""

    kind: str
    cx: float
    cy: float
    a: float
    b: float
    phi: float

    def drift(self, step: float, turn: float, rng: Any = None) -> Scene:
        """The object after a random push: centre moved by N(0, step²) per axis, turned by N(0, turn²)."""
        g = as_generator(rng)
        dx, dy = g.normal(0.0, step, size=2)
        cx = float(np.clip(self.cx + dx, 8, SIZE - 8))
        cy = float(np.clip(self.cy + dy, 8, SIZE - 8))
        return replace(self, cx=cx, cy=cy, phi=float(self.phi + g.normal(0.0, turn)))


def random_scene(rng: Any = None) -> Scene:
    """A rectangle or an ellipse, half sizes a ∈ [2, 6], b ∈ [1.5, 4] px, centre in the middle half of the image."""
    g = as_generator(rng)
    kind = "rect" if g.random() < 0.5 else "ellipse"
    return Scene(kind, float(g.uniform(10, SIZE - 10)), float(g.uniform(10, SIZE - 10)),
                 float(g.uniform(2.0, 6.0)), float(g.uniform(1.5, 4.0)), float(g.uniform(0, np.pi)))


def _to_object_frame(scene: Scene, px: np.ndarray, py: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    c, s = np.cos(scene.phi), np.sin(scene.phi)
    dx, dy = px - scene.cx, py - scene.cy
    return c * dx + s * dy, -s * dx + c * dy


def render(scene: Scene) -> np.ndarray:
    """The scene as a (SIZE, SIZE) float32 image: pixel (row i, column j) has centre (x, y) = (j + ½, i + ½)."""
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    ox, oy = _to_object_frame(scene, xs, ys)
    if scene.kind == "rect":
        inside = (np.abs(ox) <= scene.a) & (np.abs(oy) <= scene.b)
    else:
        inside = (ox / scene.a) ** 2 + (oy / scene.b) ** 2 <= 1.0
    return inside.astype(np.float32)


def chord(scene: Scene, x: float, y: float, theta: float) -> tuple[float, float, np.ndarray, np.ndarray] | None:
    """Where the line (x, y) + t (cos θ, sin θ) enters and leaves the object: ``(t_in, t_out, n_in, n_out)``
    with the unit outward normals at the two points (object frame rotated back), or ``None`` if it misses."""
    ox, oy = _to_object_frame(scene, np.float64(x), np.float64(y))
    c, s = np.cos(scene.phi), np.sin(scene.phi)
    ux, uy = np.cos(theta), np.sin(theta)
    dx, dy = c * ux + s * uy, -s * ux + c * uy                     # direction in the object frame
    if scene.kind == "rect":
        t_lo, t_hi, n_lo, n_hi = -np.inf, np.inf, None, None
        for p, d, half, axis in ((ox, dx, scene.a, 0), (oy, dy, scene.b, 1)):
            if abs(d) < 1e-12:
                if abs(p) > half:
                    return None
                continue
            t1, t2 = (-half - p) / d, (half - p) / d
            e1, e2 = np.zeros(2), np.zeros(2)
            e1[axis], e2[axis] = -1.0, 1.0                         # outward normals of the faces at −half, +half
            if t1 > t2:
                t1, t2, e1, e2 = t2, t1, e2, e1
            if t1 > t_lo:
                t_lo, n_lo = t1, e1
            if t2 < t_hi:
                t_hi, n_hi = t2, e2
        if t_lo >= t_hi:
            return None
        n_in_obj, n_out_obj = n_lo, n_hi
    else:
        A = (dx / scene.a) ** 2 + (dy / scene.b) ** 2
        B = 2 * (ox * dx / scene.a ** 2 + oy * dy / scene.b ** 2)
        C = (ox / scene.a) ** 2 + (oy / scene.b) ** 2 - 1.0
        disc = B * B - 4 * A * C
        if disc <= 0:
            return None
        t_lo, t_hi = (-B - np.sqrt(disc)) / (2 * A), (-B + np.sqrt(disc)) / (2 * A)
        normals = []
        for t in (t_lo, t_hi):
            px, py = ox + t * dx, oy + t * dy
            n = np.array([px / scene.a ** 2, py / scene.b ** 2])
            normals.append(n / np.linalg.norm(n))
        n_in_obj, n_out_obj = normals
    rot = np.array([[c, -s], [s, c]])                              # object frame → image frame
    return float(t_lo), float(t_hi), rot @ n_in_obj, rot @ n_out_obj


def grasp_success(scene: Scene, command: Any) -> bool:
    """The success rule of the module docstring for one command (x, y, θ, w)."""
    x, y, theta, w = (float(v) for v in command)
    hit = chord(scene, x, y, theta)
    if hit is None:
        return False                                               # closes on air
    t_in, t_out, n_in, n_out = hit
    if not (-w / 2 < t_in and t_out < w / 2):
        return False                                               # a jaw lands on the object
    if t_out - t_in < MIN_CHORD:
        return False                                               # a sliver slips out
    u = np.array([np.cos(theta), np.sin(theta)])
    cos_a = np.cos(np.radians(FRICTION_DEG))
    return bool(abs(n_in @ u) >= cos_a and abs(n_out @ u) >= cos_a)


def clip_commands(commands: np.ndarray) -> np.ndarray:
    """Commands kept inside the workspace: x, y ∈ [2, SIZE − 2], θ mod π, w ∈ W_RANGE."""
    c = np.array(commands, dtype=np.float64, copy=True)
    c[:, 0:2] = np.clip(c[:, 0:2], 2, SIZE - 2)
    c[:, 2] = np.mod(c[:, 2], np.pi)
    c[:, 3] = np.clip(c[:, 3], *W_RANGE)
    return c


def random_commands(image: np.ndarray, n: int, jitter: float = 2.5, rng: Any = None) -> np.ndarray:
    """The data-collection policy: n commands (n, 4) aimed at a random object pixel of the image plus
    N(0, jitter²) per axis, a uniform angle and a uniform opening — random grasps *at* the object, from the image."""
    g = as_generator(rng)
    rows, cols = np.nonzero(np.asarray(image) > 0.5)
    if len(rows) == 0:
        raise ValueError("image: no object pixel to aim at")
    k = g.integers(0, len(rows), size=n)
    c = np.stack([cols[k] + 0.5 + g.normal(0, jitter, n), rows[k] + 0.5 + g.normal(0, jitter, n),
                  g.uniform(0, np.pi, n), g.uniform(*W_RANGE, n)], axis=1)
    return clip_commands(c)


GLIMPSE = 20


def _glimpse_offsets() -> tuple[np.ndarray, np.ndarray]:
    r = np.arange(GLIMPSE) - (GLIMPSE - 1) / 2                    # pixel offsets in the gripper frame
    gy, gx = np.meshgrid(r, r, indexing="ij")
    return gx.ravel(), gy.ravel()


def glimpse(image: np.ndarray, commands: np.ndarray) -> np.ndarray:
    """The scene as the gripper sees it: (n, GLIMPSE, GLIMPSE) float32, sampled bilinearly from ``image``
    around each command's centre and rotated so that the closing direction u is horizontal (column axis)."""
    c = np.asarray(commands, dtype=np.float64).reshape(-1, 4)
    img = np.asarray(image, dtype=np.float64)
    gx, gy = _glimpse_offsets()
    x, y, th = c[:, 0:1], c[:, 1:2], c[:, 2:3]
    px = x + np.cos(th) * gx - np.sin(th) * gy - 0.5               # image coordinates (pixel centres at k + ½)
    py = y + np.sin(th) * gx + np.cos(th) * gy - 0.5
    x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
    fx, fy = px - x0, py - y0
    pad = np.pad(img, 1)                                           # zeros outside the image

    def at(i: np.ndarray, j: np.ndarray) -> np.ndarray:
        return pad[np.clip(i + 1, 0, SIZE + 1), np.clip(j + 1, 0, SIZE + 1)]

    out = ((1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1))
           + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1)))
    return out.reshape(-1, GLIMPSE, GLIMPSE).astype(np.float32)


def render_gripper(commands: np.ndarray) -> np.ndarray:
    """The jaws in the gripper frame (n, GLIMPSE, GLIMPSE) float32: two soft dots (Gaussian, 0.7 px) at ±w/2 on
    the horizontal axis and the closing segment between them at ½ — how the network is told the opening w."""
    c = np.asarray(commands, dtype=np.float64).reshape(-1, 4)
    gx, gy = _glimpse_offsets()
    w = c[:, 3:4]
    t = np.clip(gx[None], -w / 2, w / 2)
    img = 0.5 * np.exp(-((gx - t) ** 2 + gy ** 2) / (2 * 0.7 ** 2))
    for sign in (-1, 1):
        img = np.maximum(img, np.exp(-((gx - sign * w / 2) ** 2 + gy ** 2) / (2 * 0.7 ** 2)))
    return img.reshape(-1, GLIMPSE, GLIMPSE).astype(np.float32)


def network_input(image: np.ndarray, commands: np.ndarray) -> np.ndarray:
    """(n, 2, GLIMPSE, GLIMPSE) float32: channel 0 the scene seen from the gripper (:func:`glimpse`), channel 1
    the jaws (:func:`render_gripper`). Image and command enter together, as in Levine et al.'s network."""
    return np.stack([glimpse(image, commands), render_gripper(commands)], axis=1)


def grasp_dataset(n_scenes: int, per_scene: int, rng: Any = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random grasp attempts: ``(inputs (N, 2, SIZE, SIZE), commands (N, 4), success (N,) float32)``,
    N = n_scenes · per_scene, each labelled by :func:`grasp_success`."""
    g = as_generator(rng)
    xs, cs, ys = [], [], []
    for _ in range(n_scenes):
        scene = random_scene(g)
        image = render(scene)
        cmds = random_commands(image, per_scene, rng=g)
        xs.append(network_input(image, cmds))
        cs.append(cmds)
        ys.append([grasp_success(scene, c) for c in cmds])
    return np.concatenate(xs), np.concatenate(cs), np.asarray(ys, dtype=np.float32).ravel()


def _scores(model: Any, image: np.ndarray, commands: np.ndarray) -> np.ndarray:
    import torch

    with torch.no_grad():
        out = model(torch.from_numpy(network_input(image, commands)))
    return out.reshape(-1).double().numpy()


def cem_command(model: Any, image: np.ndarray, mean: np.ndarray | None = None, std: np.ndarray | None = None,
                iterations: int = 3, samples: int = 40, elite: int = 5,
                rng: Any = None) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """The cross-entropy method on the network's predicted success g(I, v): sample commands from a Gaussian,
    keep the ``elite`` best by the network's score, refit the Gaussian to them, repeat. Without a ``mean`` the
    first samples come from :func:`random_commands` (aimed at the object in the image).

    Returns ``(best command (4,), its score (logit), mean (4,), std (4,))`` — the last two warm-start the
    next step of a servoing loop, as Levine et al.'s servoing re-plans from the current image at every step.
    """
    g = as_generator(rng)
    if mean is None:
        cands = random_commands(image, samples, rng=g)
    else:
        cands = clip_commands(mean + std * g.standard_normal((samples, 4)))
    for it in range(iterations):
        scores = _scores(model, image, cands)
        order = np.argsort(-scores)[:elite]
        best, best_score = cands[order[0]], float(scores[order[0]])
        mean = cands[order].mean(axis=0)
        std = cands[order].std(axis=0) + np.array([0.3, 0.3, 0.05, 0.3])
        if it + 1 < iterations:
            cands = clip_commands(np.vstack([best, mean + std * g.standard_normal((samples - 1, 4))]))
    return best, best_score, mean, std


def servo(model: Any, scene: Scene, steps: int = 3, closed_loop: bool = True, drift: tuple[float, float] = (1.5, 0.12),
          rng: Any = None) -> tuple[bool, list[Scene], list[np.ndarray]]:
    """One grasping episode: ``steps`` moves towards the object while it drifts (``drift`` = (step px, turn rad)
    per move), then the jaws close on the object as it is then.

    Closed loop: the network sees the *current* image before every move and once more before closing, and CEM
    (warm-started from the previous step's Gaussian) picks the command each time — ``steps + 1`` plans. Open loop:
    one CEM plan on the first image, executed blind. Returns ``(success, scenes, commands)`` with the
    ``steps + 1`` scenes the camera saw and the commands planned.
    """
    g = as_generator(rng)
    scenes: list[Scene] = [scene]
    commands: list[np.ndarray] = []
    command, _, mean, std = cem_command(model, render(scene), rng=g)
    commands.append(command)
    for _ in range(steps):
        scenes.append(scenes[-1].drift(*drift, rng=g))
        if closed_loop:
            command, _, mean, std = cem_command(model, render(scenes[-1]), mean, std, rng=g)
        commands.append(command)
    return grasp_success(scenes[-1], command), scenes, commands
