"""What the user points at: boxes and clicks on given frames of a shot.

In a project file a prompt is ``{frame: 12, box: [x0, y0, x1, y1], points: [{x: 40, y: 30, label: 1}]}``
(pixels, frame index from 0; label 1 marks the object, 0 marks background). On the command line the
same is ``--box x0,y0,x1,y1[@frame]`` and ``--point x,y[:label][@frame]``. Prompts on several frames
re-anchor the propagation: each frame's mask comes from the nearest prompted frames.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.errors import ParamError

_NUMBER = r"-?\d+(?:\.\d+)?"
_BOX = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*,\s*({_NUMBER})\s*(?:@\s*(\d+))?\s*$")
_POINT = re.compile(rf"^\s*({_NUMBER})\s*,\s*({_NUMBER})\s*(?::\s*([01]))?\s*(?:@\s*(\d+))?\s*$")


class Point(BaseModel):
    model_config = ConfigDict(extra="forbid")

    x: float
    y: float
    label: int = Field(1, ge=0, le=1, description="1: on the object, 0: background")


class Prompt(BaseModel):
    """Prompts on one frame: a box, clicks, or both."""

    model_config = ConfigDict(extra="forbid")

    frame: int = Field(0, ge=0, description="frame index (from 0) the prompt is on")
    box: tuple[float, float, float, float] | None = Field(None, description="x0, y0, x1, y1 in pixels")
    points: list[Point] = Field(default_factory=list)

    @model_validator(mode="after")
    def _something(self):
        if self.box is None and not self.points:
            raise ValueError("a prompt needs a box or at least one point")
        if self.box is not None:
            x0, y0, x1, y1 = self.box
            if x1 <= x0 or y1 <= y0:
                raise ValueError(f"box {list(self.box)} is empty: write it as x0,y0,x1,y1 with x1 > x0 and y1 > y0")
        return self

    @property
    def positive(self) -> list[Point]:
        return [p for p in self.points if p.label == 1]

    @property
    def negative(self) -> list[Point]:
        return [p for p in self.points if p.label == 0]


def parse_box(text: str, default_frame: int) -> tuple[int, tuple[float, float, float, float]]:
    match = _BOX.match(text)
    if not match:
        raise ValueError(f"box {text!r} is not x0,y0,x1,y1 or x0,y0,x1,y1@frame")
    x0, y0, x1, y1 = (float(v) for v in match.groups()[:4])
    return int(match.group(5)) if match.group(5) else default_frame, (x0, y0, x1, y1)


def parse_point(text: str, default_frame: int) -> tuple[int, Point]:
    match = _POINT.match(text)
    if not match:
        raise ValueError(f"point {text!r} is not x,y  x,y:label  or x,y:label@frame (label 1 object, 0 background)")
    x, y, label, frame = match.groups()
    return int(frame) if frame else default_frame, Point(x=float(x), y=float(y), label=int(label or 1))


def gather(prompts: Iterable[Prompt], boxes: Iterable[str], points: Iterable[str], frame: int) -> list[Prompt]:
    """Structured prompts plus command-line style ones, merged into one prompt per frame, by frame."""
    by_frame: dict[int, dict] = {}
    for prompt in prompts:
        entry = by_frame.setdefault(prompt.frame, {"box": None, "points": []})
        if prompt.box is not None:
            if entry["box"] is not None:
                raise ValueError(f"frame {prompt.frame} has two boxes; one object takes one box per frame")
            entry["box"] = prompt.box
        entry["points"] += prompt.points
    for text in boxes:
        at, box = parse_box(text, frame)
        entry = by_frame.setdefault(at, {"box": None, "points": []})
        if entry["box"] is not None:
            raise ValueError(f"frame {at} has two boxes; one object takes one box per frame")
        entry["box"] = box
    for text in points:
        at, point = parse_point(text, frame)
        by_frame.setdefault(at, {"box": None, "points": []})["points"].append(point)
    return [Prompt(frame=at, **entry) for at, entry in sorted(by_frame.items())]


def check_against(prompts: list[Prompt], width: int, height: int, n_frames: int, what: str) -> None:
    """Refuse prompts outside the shot, naming the frame and the value."""
    for prompt in prompts:
        if prompt.frame >= n_frames:
            raise ParamError(f"{what}: prompt on frame {prompt.frame}, but the shot has {n_frames} frames (0..{n_frames - 1})")
        if prompt.box is not None:
            x0, y0, x1, y1 = prompt.box
            if x1 <= 0 or y1 <= 0 or x0 >= width or y0 >= height:
                raise ParamError(f"{what}: box {list(prompt.box)} on frame {prompt.frame} lies outside the {width}x{height} frame")
        for point in prompt.points:
            if not (0 <= point.x < width and 0 <= point.y < height):
                raise ParamError(f"{what}: point ({point.x:g}, {point.y:g}) on frame {prompt.frame} lies outside the {width}x{height} frame")
