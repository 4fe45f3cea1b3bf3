"""The Deforum loop: every diffused frame is the previous one, moved by the camera and re-diffused.

For keyframe ``b`` after keyframe ``a`` (``b = a + cadence``), as Deforum's render loop does it:

1. **move**: keyframe ``a``'s picture re-rendered for frame ``b``'s camera (2D affine, or 3D
   reprojection through its depth: :mod:`shotgraph.motion.reproject`, animate's own camera code);
2. **colour coherence**: its colours matched to the reference (frame 0, or a reference image), so
   the drift each img2img pass adds does not compound (:func:`shotgraph.colour_match.match_colour`);
3. **contrast**: multiplied by the contrast schedule;
4. **noise**: Gaussian noise added, standard deviation ``noise`` on the -1..1 scale diffusers
   works in (Deforum's convention: 0.02 is about 2.5 levels of 255), drawn from the frame's seed;
   frames whose strength runs no denoising step get none (nothing would remove it);
5. **img2img** with the frame's prompt, strength, CFG and seed.

Frame 0 is img2img of the framed still at ``strength[0]``, or text-to-image when there is no still.
Frames between keyframes (cadence > 1) are blended from the two keyframes around them
(:mod:`.cadence`); frames after the last keyframe are the last keyframe moved on by the camera.

Memory stays bounded: frames are produced one at a time, in order, and only the pictures of the
two or three keyframes around the current frame are held. Keyframes go to a
:class:`~shotgraph.ops.deforum.store.KeyframeStore` as they are made; a loop over a store that already
holds some resumes after the last one, and reads the others back instead of diffusing them again.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, Protocol

import numpy as np

from shotgraph.colour_match import ColourMatchMode, match_colour
from shotgraph.ops.deforum.cadence import tween
from shotgraph.ops.deforum.prompts import PromptSchedule
from shotgraph.ops.deforum.store import KeyframeStore
from shotgraph.flow import make_estimator
from shotgraph.motion.camera import CameraPath
from shotgraph.motion.reproject import FrameView
from shotgraph.motion.texture import Border, Filter

SeedBehavior = Literal["iter", "fixed", "schedule"]
NOISE_SCALE = 127.5  # the -1..1 range diffusers works in, in 8-bit levels


@dataclass(frozen=True)
class LoopPlan:
    """Every frame's schedule values, and which frames are diffused (every ``cadence``-th)."""

    n_frames: int
    cadence: int
    strength: np.ndarray
    cfg: np.ndarray
    noise: np.ndarray
    contrast: np.ndarray
    seeds: np.ndarray  # the seed of each frame (used at keyframes)
    prompts: PromptSchedule
    colour: ColourMatchMode

    @property
    def keyframes(self) -> range:
        return range(0, self.n_frames, self.cadence)


def frame_seeds(behavior: SeedBehavior, seed: int, n_frames: int, cadence: int,
                schedule: np.ndarray | None = None) -> np.ndarray:
    """Deforum's seed behaviours: ``iter`` adds 1 for each diffused frame, ``fixed`` keeps the seed,
    ``schedule`` takes each frame's value of the seed schedule."""
    if behavior == "iter":
        return seed + np.arange(n_frames, dtype=np.int64) // cadence
    if behavior == "fixed":
        return np.full(n_frames, seed, np.int64)
    return np.round(schedule).astype(np.int64)


class Diffuser(Protocol):
    def __call__(self, frame: np.ndarray, prompt: str, strength: float, cfg: float, seed: int,
                 negative_prompt: str | None = None) -> np.ndarray: ...

    def text_to_image(self, prompt: str, width: int, height: int, cfg: float, seed: int,
                      negative_prompt: str | None = None) -> np.ndarray: ...

    def denoises(self, strength: float) -> bool: ...


DepthOf = Callable[[np.ndarray, int], np.ndarray]  # (keyframe picture, its frame) -> its camera depth


def add_noise(picture: np.ndarray, amount: float, seed: int) -> np.ndarray:
    """``picture`` plus Gaussian noise of standard deviation ``amount`` on the -1..1 scale."""
    if amount <= 0:
        return picture
    noise = np.random.default_rng(seed).standard_normal(picture.shape, dtype=np.float32)
    return np.clip(picture + noise * np.float32(amount * NOISE_SCALE) + 0.5, 0, 255).astype(np.uint8)


def apply_contrast(picture: np.ndarray, contrast: float) -> np.ndarray:
    if contrast == 1.0:
        return picture
    return np.clip(picture.astype(np.float32) * np.float32(contrast) + 0.5, 0, 255).astype(np.uint8)


class _Recent(OrderedDict):
    """The last few items looked up (keyframe pictures, views): what the frames around hold on to."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def keep(self, key, value):
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)
        return value

    def recent(self, key):
        """The item under ``key`` (now the most recently used), or None."""
        if key not in self:
            return None
        self.move_to_end(key)
        return self[key]


class DeforumLoop:
    """Frames of a Deforum loop, made (or read back from ``store``) in order on demand.

    ``first_init`` is frame 0's picture before diffusion (the still as framed), or None to start
    from the prompt; ``depth_of`` gives a keyframe's depth (3D camera paths only); ``reference``
    is the colour-coherence reference (None: frame 0).
    """

    def __init__(self, plan: LoopPlan, camera: CameraPath, diffuser: Diffuser, store: KeyframeStore,
                 first_init: np.ndarray | None = None, depth_of: DepthOf | None = None,
                 reference: np.ndarray | None = None, flow: bool = True, border: Border = "replicate",
                 filter: Filter = "cubic", log: Callable[[str], None] = print):
        if camera.n_frames != plan.n_frames:
            raise ValueError("the camera path and the plan must have the same frames")
        self.plan, self.camera, self.diffuser, self.store = plan, camera, diffuser, store
        self.first_init, self.depth_of, self.reference = first_init, depth_of, reference
        self.flow = make_estimator("dis", "medium") if flow and plan.cadence > 1 else None
        self.border, self.filter, self.log = border, filter, log
        self.width, self.height = camera.framing.out_w, camera.framing.out_h
        self._pictures = _Recent(3)
        self._views = _Recent(2)
        self._resuming = bool(store.frames)  # said once, when the loop first continues from them

    # -- keyframes -----------------------------------------------------------------------------
    def keyframe(self, frame: int) -> np.ndarray:
        """The picture of keyframe ``frame``: remembered, stored, or diffused (with any keyframes
        missing before it)."""
        remembered = self._pictures.recent(frame)
        if remembered is not None:
            return remembered
        if self.store.has(frame):
            return self._pictures.keep(frame, self.store.load(frame))
        done = self.store.latest_before(frame)
        if done is not None and self._resuming:
            self._resuming = False
            self.log(f"deforum: resuming after keyframe {done} ({len(self.store.frames)} of "
                     f"{len(self.plan.keyframes)} keyframes already made)")
        if done is None:
            done = 0
            self._save(0, self._diffuse_first())
        while done < frame:
            following = done + self.plan.cadence
            self._save(following, self._diffuse_after(done, following))
            done = following
        return self._pictures[frame]

    def _save(self, frame: int, picture: np.ndarray) -> None:
        self.store.save(frame, picture)
        self._pictures.keep(frame, picture)

    def _describe(self, frame: int) -> tuple[str, str, float, float, int]:
        plan = self.plan
        prompt = plan.prompts.at(frame)
        strength, cfg, seed = float(plan.strength[frame]), float(plan.cfg[frame]), int(plan.seeds[frame])
        self.log(f"deforum: frame {frame}: seed {seed}, strength {strength:.3g}, cfg {cfg:.3g}, "
                 f"noise {float(plan.noise[frame]):.3g}, prompt {prompt.text!r}")
        return prompt.text, prompt.negative or None, strength, cfg, seed

    def _diffuse_first(self) -> np.ndarray:
        text, negative, strength, cfg, seed = self._describe(0)
        if self.first_init is None:
            return self.diffuser.text_to_image(text, self.width, self.height, cfg, seed, negative)
        return self.diffuser(self.first_init, text, strength, cfg, seed, negative)

    def _diffuse_after(self, before: int, frame: int) -> np.ndarray:
        moved = self._view(before).render(frame)
        if self.plan.colour != "none":
            if self.reference is None:  # frame 0 is the reference: keep it at hand
                self.reference = self.keyframe(0)
            moved = match_colour(moved, self.reference, self.plan.colour)
        moved = apply_contrast(moved, float(self.plan.contrast[frame]))
        text, negative, strength, cfg, seed = self._describe(frame)
        if self.diffuser.denoises(strength):
            moved = add_noise(moved, float(self.plan.noise[frame]), seed)
        return self.diffuser(moved, text, strength, cfg, seed, negative)

    # -- moving keyframes ----------------------------------------------------------------------
    def _view(self, frame: int) -> FrameView:
        """Keyframe ``frame``'s picture as the cameras of the frames within a cadence of it see it."""
        remembered = self._views.recent(frame)
        if remembered is not None:
            return remembered
        picture = self.keyframe(frame)
        cadence, n = self.plan.cadence, self.plan.n_frames
        targets = [t for t in range(max(0, frame - cadence + 1), min(n, frame + cadence + 1)) if t != frame]
        depth = self.depth_of(picture, frame) if self.camera.mode == "3d" else None
        view = FrameView(picture, self.camera, frame, targets, depth, self.border, self.filter)
        return self._views.keep(frame, view)

    # -- frames --------------------------------------------------------------------------------
    def frames(self, start: int, stop: int) -> Iterator[np.ndarray]:
        cadence, n = self.plan.cadence, self.plan.n_frames
        for frame in range(start, stop):
            before = frame - frame % cadence
            if frame == before:
                yield self.keyframe(frame)
                continue
            after = before + cadence
            from_before = self._view(before).render(frame)
            if after >= n:  # past the last keyframe: the camera moves it on
                yield from_before
                continue
            yield tween(from_before, self._view(after).render(frame), (frame - before) / cadence, self.flow)
