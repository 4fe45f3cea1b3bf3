"""Parameter types shared by ops: references to clips and files, frame rates, times and colours.

Op parameter models are pydantic models built from these. The graph recognises :class:`ClipRef`
and :class:`FileRef` values anywhere in a params model: a ClipRef becomes an edge to another node,
a FileRef becomes a file input whose *content hash* (not its path) goes into the cache key.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any

from pydantic import BeforeValidator, GetCoreSchemaHandler, PlainSerializer
from pydantic_core import core_schema

from shotgraph.clip import frames_for_seconds, parse_fps
from shotgraph.errors import UserError


class _RefStr(str):
    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler):
        return core_schema.no_info_after_validator_function(
            cls, core_schema.str_schema(min_length=1), serialization=core_schema.to_string_ser_schema()
        )


class ClipRef(_RefStr):
    """The name of a shot (or of a video asset) whose output this op reads."""


class FileRef(_RefStr):
    """An asset name from the project's ``assets``, or a path relative to the project file."""


def _to_fps(value: Any) -> Fraction:
    try:
        return parse_fps(value)
    except UserError as error:
        raise ValueError(str(error)) from None


Fps = Annotated[
    Fraction,
    BeforeValidator(_to_fps),
    PlainSerializer(lambda f: f"{f.numerator}/{f.denominator}" if f.denominator != 1 else f.numerator),
]

_TIMECODE = re.compile(r"^(?:(\d+):)?(\d+):(\d+(?:\.\d+)?)$")
_FRAMES = re.compile(r"^(\d+)f$")


def _check_time(value: Any) -> float | str:
    if isinstance(value, bool):
        raise ValueError("a time is seconds (2.5), a timecode (00:01:02.5) or a frame count (48f)")
    if isinstance(value, (int, float)):
        if value < 0:
            raise ValueError("times cannot be negative")
        return float(value)
    text = str(value).strip()
    if _FRAMES.match(text) or _TIMECODE.match(text):
        return text
    try:
        return _check_time(float(text))
    except ValueError:
        raise ValueError(
            f"{value!r} is not a time: use seconds (2.5), a timecode (00:01:02.5) or a frame count (48f)"
        ) from None


TimeValue = Annotated[float | str, BeforeValidator(_check_time)]


def time_to_seconds(value: float | str, fps: Fraction) -> float:
    """A validated :data:`TimeValue` in seconds (frame counts are at ``fps``)."""
    if isinstance(value, str):
        frames = _FRAMES.match(value)
        if frames:
            return float(int(frames.group(1)) / fps)
        match = _TIMECODE.match(value)
        if match:
            hours, minutes, seconds = match.groups()
            return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
        return float(value)
    return float(value)


def time_to_frame(value: float | str, fps: Fraction) -> int:
    """A validated :data:`TimeValue` as a frame index at ``fps``."""
    if isinstance(value, str) and _FRAMES.match(value):
        return int(value[:-1])
    return frames_for_seconds(time_to_seconds(value, fps), fps)


def _check_colour(value: Any) -> str:
    from PIL import ImageColor

    try:
        ImageColor.getrgb(str(value))
    except ValueError:
        raise ValueError(f"{value!r} is not a colour: use a name (black) or hex (#1a2b3c, #1a2b3c80)") from None
    return str(value)


Colour = Annotated[str, BeforeValidator(_check_colour)]


def colour_rgba(value: str, default_alpha: int = 255) -> tuple[int, int, int, int]:
    from PIL import ImageColor

    rgba = ImageColor.getrgb(value)
    if len(rgba) == 3:
        return (*rgba, default_alpha)
    return rgba
