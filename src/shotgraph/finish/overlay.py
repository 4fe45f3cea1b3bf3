"""Overlays on a clip for a time range: text, an image (logo, lower third) or another clip
(picture-in-picture), placed by anchor or position, with opacity and fades."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.clip import Clip, frames_for_seconds
from shotgraph.errors import ParamError
from shotgraph.finish.text import ANCHORS, composite, place, render_text
from shotgraph.media.images import read_image
from shotgraph.media.retime import conform
from shotgraph.media.resize import resize_frame
from shotgraph.params import ClipRef, Colour, FileRef, TimeValue, colour_rgba, time_to_frame

Anchor = Literal[tuple(ANCHORS)]  # type: ignore[valid-type]


class OverlaySpec(BaseModel):
    """One layer: exactly one of ``text``, ``image`` or ``shot`` (picture-in-picture)."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = Field(None, description="text to draw")
    image: FileRef | None = Field(None, description="image (PNG with alpha for logos)")
    shot: ClipRef | None = Field(None, description="a shot or video shown picture-in-picture")
    start: TimeValue = Field(0.0, description="when it appears")
    duration: TimeValue | None = Field(None, description="how long (default: to the end, or the shot's length)")
    position: Anchor = Field("bottom", description="anchor: top-left, top, ..., center, ..., bottom-right")
    x: float | None = Field(None, ge=-1, le=2, description="left edge, fraction of the width (instead of position)")
    y: float | None = Field(None, ge=-1, le=2, description="top edge, fraction of the height")
    width: float | None = Field(None, gt=0, le=1, description="image / shot width, fraction of the frame width")
    size: float = Field(0.06, gt=0, le=1, description="text height, fraction of the frame height")
    colour: Colour = "white"
    font: str = Field("sans-bold", description="shipped font (sans, sans-bold) or a .ttf path")
    box: Colour | None = Field(None, description="a box behind the text, e.g. '#00000099'")
    outline: float = Field(0.0, ge=0, le=0.5, description="text outline, fraction of the text size")
    margin: float = Field(0.05, ge=0, le=0.5, description="distance from the edges, fraction of the height")
    opacity: float = Field(1.0, ge=0, le=1)
    fade_in: float = Field(0.0, ge=0, description="seconds")
    fade_out: float = Field(0.0, ge=0, description="seconds")

    @model_validator(mode="after")
    def _one_kind(self):
        if sum(v is not None for v in (self.text, self.image, self.shot)) != 1:
            raise ValueError("an overlay has exactly one of text, image or shot")
        return self


@dataclass
class Layer:
    first: int  # timeline frames [first, last)
    last: int
    x: int
    y: int
    opacity: float
    fade_in: int
    fade_out: int
    patch: np.ndarray | None = None  # a still layer
    clip: Clip | None = None  # a moving layer, already at its on-screen size

    def alpha(self, k: int) -> float:
        value = self.opacity
        if self.fade_in:
            value *= min(1.0, (k - self.first + 1) / (self.fade_in + 1))
        if self.fade_out:
            value *= min(1.0, (self.last - k) / (self.fade_out + 1))
        return value


class OverlayClip(Clip):
    """``base`` with ``layers`` composited over it (in order); audio is the base's."""

    def __init__(self, base: Clip, layers: Sequence[Layer]):
        super().__init__(base.video, base.audio, base.name)
        self.base = base
        self.layers = list(layers)

    def _frames(self, start, stop):
        moving: dict[int, Iterator[np.ndarray]] = {}
        try:
            for k, frame in enumerate(self.base.frames(start, stop), start):
                for index, layer in enumerate(self.layers):
                    if not layer.first <= k < layer.last:
                        continue
                    patch = layer.patch
                    if layer.clip is not None:
                        if index not in moving:
                            moving[index] = layer.clip.frames(k - layer.first, min(stop, layer.last) - layer.first)
                        patch = next(moving[index])
                    frame = composite(frame, patch, layer.x, layer.y, layer.alpha(k))
                yield frame
        finally:
            for iterator in moving.values():
                iterator.close()

    def _audio(self, start, stop):
        return self.base.audio_samples(start, stop)


def make_layer(spec: OverlaySpec, base: Clip, clip_of: Callable[[str], Clip], file_of: Callable[[str], Path]) -> Layer:
    """Resolve an overlay spec against the frame it goes on."""
    v = base.video
    first = time_to_frame(spec.start, v.fps)
    if first >= v.n_frames:
        raise ParamError(f"overlay starts at {spec.start}, after the end of {base.name} ({v.duration:.3f}s)")
    last = v.n_frames if spec.duration is None else first + max(1, time_to_frame(spec.duration, v.fps))
    patch, moving = None, None
    if spec.text is not None:
        size = round(spec.size * v.height)
        box = colour_rgba(spec.box, 160) if spec.box else None
        patch = render_text(spec.text, size, colour_rgba(spec.colour), spec.font, outline=round(spec.outline * size),
                            box=box, max_width=int(v.width * 0.9))
    else:
        target_w = round((spec.width or (0.3 if spec.shot else 0.2)) * v.width)
        if spec.image is not None:
            image = read_image(file_of(spec.image))
            target_h = max(1, round(image.shape[0] * target_w / image.shape[1]))
            patch = resize_frame(image, target_w, target_h, "stretch")
        else:
            source = clip_of(spec.shot)
            target_h = max(2, round(source.video.height * target_w / source.video.width))
            moving = conform(source, target_w, target_h, v.fps, "stretch")
            if spec.duration is None:
                last = first + moving.n_frames
            elif last - first > moving.n_frames:
                raise ParamError(f"picture-in-picture {spec.shot!r} lasts {moving.video.duration:.3f}s, shorter "
                                 f"than the overlay's duration {spec.duration}")
    last = min(last, v.n_frames)
    height, width = (patch.shape[:2] if patch is not None else (moving.video.height, moving.video.width))
    if spec.x is not None or spec.y is not None:
        x, y = round((spec.x or 0.0) * v.width), round((spec.y or 0.0) * v.height)
    else:
        x, y = place(spec.position, width, height, v.width, v.height, spec.margin)
    return Layer(first, last, x, y, spec.opacity, frames_for_seconds(spec.fade_in, v.fps),
                 frames_for_seconds(spec.fade_out, v.fps), patch, moving)


def overlay(base: Clip, specs: Sequence[OverlaySpec], clip_of: Callable[[str], Clip],
            file_of: Callable[[str], Path]) -> Clip:
    """``base`` with text, image and picture-in-picture layers over it."""
    if not specs:
        return base
    return OverlayClip(base, [make_layer(spec, base, clip_of, file_of) for spec in specs])
