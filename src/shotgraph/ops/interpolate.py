"""Motion-compensated frame interpolation: more frames per second, smooth motion, same duration.

``interpolate(clip, factor=2)`` doubles the frame rate; ``interpolate(clip, fps=60)`` converts to
any rate (24 → 60 makes frames at 0.4, 0.8, 0.2... between source frames, not only halves). The
in-between frames come from bidirectional optical flow with occlusion-aware blending
(:mod:`shotgraph.flow.synthesis`; DIS by default, Farneback, or RAFT weights you provide), or from
a RIFE 4.x network (weights you provide).

Before rendering, one analysis pass over the source (:mod:`shotgraph.scenes`) finds:

- **scene cuts** (PySceneDetect). Nothing is interpolated across a cut: an output frame that
  falls between the last frame of a shot and the first of the next repeats the nearer of the two.
  A content detector also fires on very fast pans; with flow backends the pair's motion estimate
  has the last word (two views of one scene line up after warping, two shots do not);
- **duplicate frames** (animation on twos/threes, screen captures, padded drops). With ``dedupe``
  (the default) motion is re-timed over the distinct pictures only, as Flowframes does: a drawing
  held for 2 frames and the next one are interpolated across those 2 frames, so the result moves
  every frame instead of stuttering. A picture held longer than ``max_hold`` frames is a real
  pause: it stays still, and the next motion starts where it ends.

Output frame ``k`` sits at ``k / fps`` s; the clip lasts as long as the source and the audio passes
through untouched, so it stays in sync. Rendering streams: one decode pass, with at most
``max_hold + 2`` source frames and one pair's flow in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.backends.flow import FLOW_BACKENDS, make_flow_estimator
from shotgraph.backends.rife import RIFE
from shotgraph.background import run_ahead
from shotgraph.clip import Clip
from shotgraph.errors import ParamError
from shotgraph.flow.estimate import FlowPreset
from shotgraph.flow.synthesis import FlowSynthesizer, PairSynthesizer
from shotgraph.ops.registry import OpKind, backend_names, op, python_params
from shotgraph.params import FileRef, Fps
from shotgraph.scenes import (
    DEFAULT_CUT_THRESHOLD,
    DEFAULT_DUPLICATE_THRESHOLD,
    FrameAnalysis,
    analyse_frames,
)

BACKENDS = FLOW_BACKENDS + (RIFE,)
InterpolationBackend = backend_names(BACKENDS)

FLOW_PIXELS = 640 * 360  # flow is estimated at about this many pixels by default (half of 720p)


def auto_flow_scale(backend: str, width: int, height: int) -> float:
    """The default working resolution: about 640x360 for flow backends (half of 720p, a third of
    1080p: plenty for interpolation, and the cost stays flat), RIFE's own 1.0 up to 1080p, 0.5 above."""
    if backend == "rife":
        return 1.0 if width * height <= 1920 * 1088 else 0.5
    return round(min(1.0, math.sqrt(FLOW_PIXELS / (width * height))), 4)


class InterpolateParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    factor: int | None = Field(None, ge=2, le=16, description="multiply the frame rate by this (2, 3, 4...)")
    fps: Fps | None = Field(None, description="target frame rate instead of a factor, e.g. 60 or 59.94")
    backend: InterpolationBackend = Field("dis", description="dis | farneback | raft | rife")
    preset: FlowPreset = Field("fine", description="flow speed/accuracy: ultrafast | fast | medium | fine")
    flow_scale: float | None = Field(None, gt=0.05, le=1.0,
                                     description="working resolution of the motion estimate, as a fraction of "
                                     "the frame size (default: about 640x360; rife: 1, 0.5 above 1080p)")
    weights: FileRef | None = Field(None, description="RAFT / RIFE checkpoint file (default: the models folder)")
    scene_threshold: float = Field(DEFAULT_CUT_THRESHOLD, ge=0,
                                   description="PySceneDetect content threshold for cuts; 0 disables")
    dedupe: bool = Field(True, description="re-time motion over distinct pictures (skip duplicate frames)")
    duplicate_threshold: float = Field(DEFAULT_DUPLICATE_THRESHOLD, gt=0,
                                       description="grey levels under which a frame repeats the previous picture")
    max_hold: int = Field(4, ge=1, description="a picture held longer than this many frames is a pause")

    @model_validator(mode="after")
    def _one_rate(self):
        if (self.factor is None) == (self.fps is None):
            raise ValueError("give either factor (2, 3, 4...) or fps (e.g. 60)")
        return self


@dataclass(frozen=True)
class RetimePlan:
    """How each output frame is made: ``t[k] == 0`` shows source frame ``a[k]``; otherwise the
    frame at time ``t[k]`` between source frames ``a[k]`` and ``b[k]`` (both never decrease).
    ``cut[k]``: the pair straddles a detected scene cut, so unless the motion estimate shows the
    detector was fooled (a fast pan), source frame ``near[k]``, the one nearest in time, is shown."""

    a: np.ndarray
    b: np.ndarray
    t: np.ndarray
    cut: np.ndarray
    near: np.ndarray
    analysis: FrameAnalysis

    @property
    def n_interpolated(self) -> int:
        return int(np.count_nonzero((self.t > 0) & ~self.cut))


def keyframes(n_src: int, analysis: FrameAnalysis, dedupe: bool, max_hold: int) -> list[tuple[int, int]]:
    """``(time, source frame)`` pairs, in source-frame units, between which motion is interpolated.

    Without dedupe every frame is a key at its own time. With dedupe, only distinct pictures are,
    at the time they first appear; a picture held longer than ``max_hold`` frames gets a second
    key where the hold ends (its last copy), so the pause stays still.
    """
    if not dedupe or not analysis.duplicates.any():
        return [(i, i) for i in range(n_src)]
    keys = []
    starts = [i for i in range(n_src) if i == 0 or not analysis.duplicates[i]]
    for start, end in zip(starts, starts[1:] + [n_src]):
        keys.append((start, start))
        hold = end - start
        if hold > max_hold and end < n_src:
            keys.append((end - 1, end - 1))
    return keys


def plan_retime(n_src: int, src_fps: Fraction, out_fps: Fraction, n_out: int, analysis: FrameAnalysis,
                dedupe: bool = True, max_hold: int = 4) -> RetimePlan:
    """The :class:`RetimePlan` for ``n_out`` frames at ``out_fps`` from ``n_src`` at ``src_fps``."""
    keys = keyframes(n_src, analysis, dedupe, max_hold)
    key_times = [time for time, _ in keys]
    cuts = np.asarray(analysis.cuts, dtype=np.int64)
    step = Fraction(src_fps) / Fraction(out_fps)  # source frames per output frame
    a = np.zeros(n_out, np.int64)
    b = np.zeros(n_out, np.int64)
    t = np.zeros(n_out, np.float64)
    cut = np.zeros(n_out, bool)
    near = np.zeros(n_out, np.int64)

    def nearest(position: Fraction) -> int:
        return min(n_src - 1, math.floor(position + Fraction(1, 2)))

    p = 0
    for k in range(n_out):
        s = k * step
        while p + 1 < len(keys) and key_times[p + 1] <= s:
            p += 1
        time_a, frame_a = keys[p]
        if s == time_a or p + 1 >= len(keys):
            a[k] = b[k] = near[k] = frame_a if s == time_a else nearest(s)
            continue
        time_b, frame_b = keys[p + 1]
        if analysis.duplicates[frame_b]:  # the end of a pause: the same picture
            a[k] = b[k] = near[k] = nearest(s)
            continue
        a[k], b[k], near[k] = frame_a, frame_b, nearest(s)
        t[k] = float((s - time_a) / (time_b - time_a))
        cut[k] = bool(cuts.size and np.any((cuts > frame_a) & (cuts <= frame_b)))
    return RetimePlan(a, b, t, cut, near, analysis)


class InterpolatedClip(Clip):
    """``source`` at a higher frame rate; see the module docstring. The analysis pass runs the
    first time frames are asked for (not when the clip is built), once."""

    def __init__(self, source: Clip, out_fps: Fraction, n_out: int, synthesizer: PairSynthesizer,
                 scene_threshold: float | None, dedupe: bool, duplicate_threshold: float, max_hold: int):
        super().__init__(replace(source.video, fps=out_fps, n_frames=n_out), source.audio, source.name)
        self.source = source
        self.synthesizer = synthesizer
        self.scene_threshold = scene_threshold or None
        self.dedupe = dedupe
        self.duplicate_threshold = duplicate_threshold
        self.max_hold = max_hold
        self._plan: RetimePlan | None = None

    def plan(self) -> RetimePlan:
        if self._plan is None:
            analysis = analyse_frames(self.source, self.scene_threshold,
                                      self.duplicate_threshold if self.dedupe else None)
            self._plan = plan_retime(self.source.n_frames, self.source.video.fps, self.video.fps, self.n_frames,
                                     analysis, self.dedupe, self.max_hold)
        return self._plan

    def _frames(self, start, stop):
        if start == stop:
            return
        plan = self.plan()
        for item in run_ahead(lambda: self._work(plan, start, stop), depth=3, name="shotgraph-interpolate"):
            if isinstance(item, np.ndarray):
                yield item
            else:
                state, t = item
                yield self.synthesizer.frame(state, t)

    def _work(self, plan: RetimePlan, start: int, stop: int):
        """Decode and prepare pairs (on the worker thread): source frames to show as they are, or
        ``(pair state, t)`` for the consumer to synthesise."""
        first = int(plan.a[start])
        source = self.source.frames(first, int(plan.b[stop - 1]) + 1)
        held: dict[int, np.ndarray] = {}  # decoded source frames still needed
        prepared: dict[int, object] = {}  # per-frame synthesizer work, shared by adjacent pairs
        next_index = first
        pair, state = None, None
        try:
            for k in range(start, stop):
                a, b, t = int(plan.a[k]), int(plan.b[k]), float(plan.t[k])
                for old in [i for i in held if i < a]:
                    del held[old]
                    prepared.pop(old, None)
                while next_index <= b:
                    held[next_index] = next(source)
                    next_index += 1
                if t == 0.0:
                    yield held[a]
                    continue
                if plan.cut[k] and not self.synthesizer.checks_continuity:
                    yield held[int(plan.near[k])]
                    continue
                if pair != (a, b):
                    pair, state = (a, b), self.synthesizer.prepare(held[a], held[b], prepared, (a, b))
                    continuous = not plan.cut[k] or self.synthesizer.same_scene(state)
                if not continuous:
                    yield held[int(plan.near[k])]
                    continue
                yield state, t
        finally:
            source.close()

    def _audio(self, start, stop):
        end = min(stop, self.source.n_samples)
        return self.source.audio_samples(min(start, end), end)


def make_synthesizer(backend: InterpolationBackend, width: int, height: int, preset: FlowPreset = "fine",
                     flow_scale: float | None = None, weights=None, threads: int = 0) -> PairSynthesizer:
    """The in-between frame maker for ``backend`` on frames of ``width`` x ``height``."""
    scale = flow_scale or auto_flow_scale(backend, width, height)
    if backend == "rife":
        from shotgraph.backends.rife import RifeSynthesizer

        return RifeSynthesizer(weights=weights, scale=scale, threads=threads)
    return FlowSynthesizer(make_flow_estimator(backend, preset, scale, weights, threads))


def output_rate(source: Clip, factor: int | None = None, fps: Fraction | None = None) -> tuple[Fraction, int]:
    """The output frame rate and frame count (same duration, to the nearest frame)."""
    if (factor is None) == (fps is None):
        raise ParamError("interpolate: give either factor (2, 3, 4...) or fps (e.g. 60)")
    src = source.video
    if factor is not None:
        return src.fps * factor, src.n_frames * factor
    out_fps = Fraction(fps)
    return out_fps, max(1, round(src.n_frames * out_fps / src.fps))


def interpolate(clip: Clip, *, weights: str | Path | None = None, threads: int = 0, **options) -> Clip:
    """``clip`` at ``factor`` times its frame rate, or at ``fps``, by motion-compensated interpolation:
    ``interpolate(clip, factor=2)``, ``interpolate(clip, fps=60, backend="rife")``.

    ``options`` are :class:`InterpolateParams` fields (checked here, once); the module docstring
    explains cuts, duplicate frames and audio. ``weights`` is a RAFT or RIFE checkpoint path for
    those backends.
    """
    return interpolated(clip, python_params("interpolate", options), weights, threads)


def interpolated(clip: Clip, params: InterpolateParams, weights: Path | None = None, threads: int = 0) -> Clip:
    """The op's work on validated ``params``."""
    out_fps, n_out = output_rate(clip, params.factor, params.fps)
    if out_fps <= clip.video.fps:
        raise ParamError(f"interpolate: {float(out_fps):g} fps is not above the source's "
                         f"{float(clip.video.fps):g} fps (use the fps op to lower a frame rate)")
    synthesizer = make_synthesizer(params.backend, clip.video.width, clip.video.height, params.preset,
                                   params.flow_scale, weights, threads)
    return InterpolatedClip(clip, out_fps, n_out, synthesizer, params.scene_threshold, params.dedupe,
                            params.duplicate_threshold, params.max_hold)


@op("interpolate", version=1, params=InterpolateParams, kind=OpKind.FILTER, backends=BACKENDS,
    summary="Raise the frame rate by motion-compensated interpolation (cuts and duplicates handled).")
def _run(inputs, params: InterpolateParams, ctx):
    weights = ctx.file(params.weights) if params.weights else None
    return interpolated(inputs[0], params, weights, ctx.threads)
