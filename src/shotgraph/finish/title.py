"""Title cards: text on a flat background (or an image), as a shot source or an edit clip."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip, FunctionClip, VideoInfo, frames_for_seconds
from shotgraph.finish.text import composite, render_text
from shotgraph.params import Colour, colour_rgba


class TitleSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, description="the title (newlines allowed)")
    subtitle: str | None = Field(None, description="a smaller line under the title")
    duration: float = Field(3.0, gt=0, le=3600, description="seconds")
    background: Colour = "black"
    colour: Colour = "white"
    size: float = Field(0.09, gt=0, le=1, description="text height, fraction of the frame height")
    subtitle_size: float = Field(0.045, gt=0, le=1)
    font: str = Field("sans-bold", description="shipped font (sans, sans-bold) or a .ttf path")


def title_frame(spec: TitleSpec, width: int, height: int) -> np.ndarray:
    """The card as one RGB frame: title centred, subtitle below it."""
    frame = np.empty((height, width, 3), np.uint8)
    frame[:] = colour_rgba(spec.background)[:3]
    colour = colour_rgba(spec.colour)
    main = render_text(spec.text, round(spec.size * height), colour, spec.font, max_width=int(width * 0.9))
    parts = [main]
    if spec.subtitle:
        font = "sans" if spec.font == "sans-bold" else spec.font
        parts.append(render_text(spec.subtitle, round(spec.subtitle_size * height), colour, font,
                                 max_width=int(width * 0.9)))
    gap = round(0.03 * height)
    total = sum(p.shape[0] for p in parts) + gap * (len(parts) - 1)
    y = (height - total) // 2
    for patch in parts:
        frame = composite(frame, patch, (width - patch.shape[1]) // 2, y)
        y += patch.shape[0] + gap
    return frame


def title(spec: TitleSpec, width: int, height: int, fps: Fraction) -> Clip:
    """A silent clip holding the title card for ``spec.duration`` seconds."""
    frame = title_frame(spec, width, height)
    frame.flags.writeable = False
    info = VideoInfo(width, height, fps, max(1, frames_for_seconds(spec.duration, fps)))
    return FunctionClip(info, lambda _index: frame, name=f"title {spec.text[:20]!r}")
