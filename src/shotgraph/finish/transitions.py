"""Transitions between clips: crossfade, dips to a colour, wipes and zoom-through.

Each transition is a pure frame function ``blend(a, b, t)``: ``a`` the outgoing frame, ``b`` the
incoming one, ``t`` in (0, 1) how far the transition has gone. :class:`SequenceClip` joins clips
with a transition between each pair: the two clips *overlap* for the transition's length (the
timeline gets shorter by it, as in every NLE), pictures are blended by the frame function and the
sound crossfades with equal-power curves. It streams: each clip is decoded once, in order.

In a project, a transition sits on the incoming edit clip::

    edit:
      clips:
        - {shot: a}
        - {shot: b, transition: {kind: crossfade, duration: 0.5}}

and as a step, ``{op: transition, clip: b, kind: wipe-left}`` joins the shot so far to ``b``
(:mod:`shotgraph.ops.transition`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from typing import Any, Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import AudioInfo, Clip, frames_for_seconds, samples_for_frames
from shotgraph.errors import ParamError
from shotgraph.finish.mix import Placed, fade_envelope, mix_placed
from shotgraph.media.retime import ConformMode, conform
from shotgraph.params import Colour, colour_rgba

TransitionKind = Literal[
    "cut", "crossfade", "dip-to-black", "dip-to-white", "dip",
    "wipe-left", "wipe-right", "wipe-up", "wipe-down", "zoom-through",
]
Blend = Callable[[np.ndarray, np.ndarray, float], np.ndarray]


class TransitionSpec(BaseModel):
    """A transition into a clip from the one before it."""

    model_config = ConfigDict(extra="forbid")

    kind: TransitionKind = "crossfade"
    duration: float = Field(0.5, ge=0, le=60, description="seconds the two clips overlap")
    colour: Colour | None = Field(None, description="dip: the colour passed through (default black)")
    softness: float = Field(0.04, ge=0, le=1, description="wipes: edge softness, fraction of the frame")


def smoothstep(t: float) -> float:
    t = min(max(t, 0.0), 1.0)
    return t * t * (3 - 2 * t)


# -- frame functions -----------------------------------------------------------------------------


def crossfade(a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
    """Mix of ``a`` and ``b``: ``(1 - t) a + t b``."""
    return cv2.addWeighted(a, 1.0 - t, b, t, 0.0)


def dip(a: np.ndarray, b: np.ndarray, t: float, colour: tuple[int, ...] = (0, 0, 0, 255)) -> np.ndarray:
    """Fade ``a`` to a flat colour in the first half, then the colour to ``b``."""
    flat = np.empty_like(a)
    flat[:] = colour[: a.shape[2]]
    if t < 0.5:
        return crossfade(a, flat, smoothstep(2 * t))
    return crossfade(flat, b, smoothstep(2 * t - 1))


def wipe(a: np.ndarray, b: np.ndarray, t: float, direction: str = "right", softness: float = 0.04) -> np.ndarray:
    """``b`` revealed behind an edge moving across the frame in ``direction`` (left, right, up,
    down: where the edge travels), with a soft edge ``softness`` of the frame wide."""
    height, width = a.shape[:2]
    horizontal = direction in ("left", "right")
    size = width if horizontal else height
    soft = max(softness * size, 1e-3)
    # distance along the travel direction, 0 where the edge starts
    coords = np.arange(size, dtype=np.float32) + 0.5
    if direction in ("left", "up"):
        coords = size - coords
    edge = t * (size + soft) - soft / 2  # from fully A to fully B over the transition
    weight = np.clip((edge - coords) / soft + 0.5, 0.0, 1.0)
    weight = weight[None, :, None] if horizontal else weight[:, None, None]
    mixed = a.astype(np.float32) + (b.astype(np.float32) - a) * weight
    return np.clip(mixed + 0.5, 0, 255).astype(np.uint8)


def _zoom(frame: np.ndarray, scale: float) -> np.ndarray:
    if abs(scale - 1.0) < 1e-6:
        return frame
    height, width = frame.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), 0.0, scale)
    return cv2.warpAffine(frame, matrix, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)


def zoom_through(a: np.ndarray, b: np.ndarray, t: float, strength: float = 1.5) -> np.ndarray:
    """Push into ``a`` and land in ``b``: ``a`` zooms in as it fades, ``b`` settles from zoomed in."""
    s = smoothstep(t)
    return crossfade(_zoom(a, 1.0 + strength * s), _zoom(b, 1.0 + strength * (1.0 - s)), s)


def blend_function(spec: TransitionSpec) -> Blend:
    """The frame function for a transition spec."""
    kind = spec.kind
    if kind in ("crossfade", "cut"):
        return crossfade
    if kind.startswith("dip"):
        colour = colour_rgba(spec.colour or ("white" if kind == "dip-to-white" else "black"))
        return lambda a, b, t: dip(a, b, t, colour)
    if kind.startswith("wipe-"):
        direction = kind.removeprefix("wipe-")
        return lambda a, b, t: wipe(a, b, t, direction, spec.softness)
    return zoom_through


# -- clips ---------------------------------------------------------------------------------------


class SequenceClip(Clip):
    """Clips one after another, overlapping by ``overlaps[i]`` frames where clip ``i + 1`` begins,
    blended there by ``blends[i]``. All clips share size, rate and alpha (conform them first)."""

    def __init__(self, parts: Sequence[Clip], overlaps: Sequence[int], blends: Sequence[Blend | None],
                 audio: AudioInfo | None = None, name: str = "sequence"):
        if not parts:
            raise ParamError("an edit needs at least one clip")
        if len(overlaps) != len(parts) - 1 or len(blends) != len(parts) - 1:
            raise ValueError("one overlap and one blend per join")
        first = parts[0].video
        for part in parts[1:]:
            v = part.video
            if (v.width, v.height, v.fps, v.alpha) != (first.width, first.height, first.fps, first.alpha):
                raise ParamError(f"cannot join {part.name}: conform it to {first.width}x{first.height} "
                                 f"@ {float(first.fps):g} fps first")
        overlaps = [int(d) for d in overlaps]
        for i, d in enumerate(overlaps):
            before, after = parts[i], parts[i + 1]
            if d > min(before.n_frames, after.n_frames):
                raise ParamError(f"the transition into clip {i + 2} ({after.name}) lasts {d} frames, longer "
                                 f"than a clip it joins ({before.n_frames} / {after.n_frames} frames)")
        for i in range(1, len(parts) - 1):
            if overlaps[i - 1] + overlaps[i] > parts[i].n_frames:
                raise ParamError(f"clip {i + 1} ({parts[i].name}, {parts[i].n_frames} frames) is shorter than its "
                                 f"two transitions ({overlaps[i - 1]} + {overlaps[i]} frames)")
        starts = [0]
        for i in range(1, len(parts)):
            starts.append(starts[-1] + parts[i - 1].n_frames - overlaps[i - 1])
        total = starts[-1] + parts[-1].n_frames
        if audio is None:
            audio = next((p.audio for p in parts if p.audio is not None), None)
        super().__init__(replace(first, n_frames=total), audio, name)
        self.parts = list(parts)
        self.overlaps = overlaps
        self.blends = list(blends)
        self.starts = starts
        # (source clips, EditParams) when an edit made this sequence: lets a deliverable stream-copy
        # the stretches of untouched source files (finish.smart_render)
        self.edit_sources: tuple[list[Clip | None], Any] | None = None

    def _regions(self) -> Iterator[tuple[int, int, int, bool]]:
        """``(part, lo, hi, mixed)`` over the timeline: a part alone, or blended into the next."""
        n = len(self.parts)
        for i, part in enumerate(self.parts):
            head = self.overlaps[i - 1] if i > 0 else 0
            tail = self.overlaps[i] if i < n - 1 else 0
            begin = self.starts[i]
            yield i, begin + head, begin + part.n_frames - tail, False
            if tail:
                yield i, begin + part.n_frames - tail, begin + part.n_frames, True

    def _frames(self, start, stop):
        return self._walk(start, stop, lambda part, lo, hi: part.frames(lo, hi), None, None)

    def _direct_frames(self, start, stop, target):
        """Encoder frames: cut regions straight from each part's decoder, blended regions
        converted to RGB, blended, and converted back."""
        if target.pix_fmt is None or target.size is not None or self.video.alpha:
            return None
        from shotgraph.media.frames import to_video_frame, video_frame_to_array

        return self._walk(start, stop, lambda part, lo, hi: part.encoder_frames(lo, hi, target),
                          lambda frame: video_frame_to_array(frame, target),
                          lambda array: to_video_frame(array, target))

    def _walk(self, start, stop, read, to_array, from_array):
        """The timeline's frames, each part read once from first to last frame with ``read``;
        blended frames go through ``to_array`` / ``from_array`` (None: already arrays)."""
        iterators: dict[int, Iterator] = {}

        def next_frame(i: int, at: int):
            if i not in iterators:
                part = self.parts[i]
                iterators[i] = read(part, at - self.starts[i], min(stop - self.starts[i], part.n_frames))
            return next(iterators[i])

        try:
            for i, lo, hi, mixed in self._regions():
                lo, hi = max(lo, start), min(hi, stop)
                for at in range(lo, hi):
                    frame = next_frame(i, at)
                    if mixed:
                        incoming = next_frame(i + 1, at)
                        if to_array is not None:
                            frame, incoming = to_array(frame), to_array(incoming)
                        d = self.overlaps[i]
                        t = (at - self.starts[i + 1] + 1) / (d + 1)
                        frame = self.blends[i](frame, incoming, t)
                        if from_array is not None:
                            frame = from_array(frame)
                    yield frame
        finally:
            for iterator in iterators.values():
                close = getattr(iterator, "close", None)
                if close:
                    close()

    def _audio(self, start, stop):
        from shotgraph.clip import conform_audio

        info, fps = self.audio, self.video.fps
        sources = []
        n = len(self.parts)
        for i, part in enumerate(self.parts):
            lo = samples_for_frames(self.starts[i], fps, info.sample_rate)
            hi = samples_for_frames(self.starts[i] + part.n_frames, fps, info.sample_rate)
            fade_in = samples_for_frames(self.overlaps[i - 1], fps, info.sample_rate) if i > 0 else 0
            fade_out = samples_for_frames(self.overlaps[i], fps, info.sample_rate) if i < n - 1 else 0
            if part.audio is None:
                continue
            sources.append(Placed(lo, hi - lo, (lambda p=part: conform_audio(p, info)),
                                  fade_envelope(hi - lo, 0.0, fade_in, fade_out, "equal-power")))
        return mix_placed(sources, info.channels, start, stop)


def join(clips: Sequence[Clip], transitions: Sequence[TransitionSpec | None], audio: AudioInfo | None = None) -> Clip:
    """Join ``clips`` with ``transitions[i]`` into clip ``i + 1`` (None or ``cut`` for a cut)."""
    fps = clips[0].video.fps
    overlaps, blends = [], []
    for spec in transitions:
        if spec is None or spec.kind == "cut" or spec.duration == 0:
            overlaps.append(0)
            blends.append(None)
        else:
            overlaps.append(max(1, frames_for_seconds(spec.duration, fps)))
            blends.append(blend_function(spec))
    return SequenceClip(clips, overlaps, blends, audio)


def transition(a: Clip, b: Clip, spec: TransitionSpec, fit: ConformMode = "pad") -> Clip:
    """``a`` then ``b`` (conformed to ``a``'s size and rate), overlapping through ``spec``."""
    b = conform(b, a.video.width, a.video.height, a.video.fps, fit)
    return join([a, b], [spec])
