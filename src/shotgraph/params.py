"""Parameter types shared by ops: references to clips, files and steps, frame rates, times, colours.

Op parameter models are pydantic models built from these. The graph recognises :class:`ClipRef`,
:class:`FileRef` and :class:`StepRef` values anywhere in a params model: a ClipRef becomes an edge
to another node, a FileRef a file input whose *content hash* (not its path) goes into the cache
key, and a StepRef (an op given as a param, such as ``masked``'s ``apply``) a node of its own, so
that the inner op's name, version, params, seed and weights are in the key like any step's.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Annotated, Any

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, GetCoreSchemaHandler, PlainSerializer, model_validator
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


def renamed(names: dict[str, str]):
    """A params model's ``model_validator`` accepting fields by their earlier names
    (``_renamed = renamed({"method": "backend"})``), so older project files keep working."""

    def rename(data: Any) -> Any:
        if isinstance(data, dict):
            for old, new in names.items():
                if old in data and new not in data:
                    data = {(new if key == old else key): value for key, value in data.items()}
        return data

    return model_validator(mode="before")(rename)


class StepRef(BaseModel):
    """A step given as a param: ``{op: NAME, ...params}``, or that as a YAML string (the command line's
    ``--apply "{op: blur, radius: 8}"``).

    Validation here checks the shape only; the op registry validates ``values`` against the inner
    op's params model (``params``) and the graph builder makes the step a node (``node``), so the
    op that takes it reads the inner result as an input (:meth:`shotgraph.ops.registry.OpContext.step`).
    """

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    op: str
    values: dict[str, Any] = {}
    seed: Any = None  # the inner op's own seed, when a seeded op is given one (``seed:`` in the step)
    params: Any = None  # the inner op's validated params model
    node: str | None = None  # the graph node computing it, once the graph has expanded it

    @model_validator(mode="before")
    @classmethod
    def _from_step(cls, value: Any) -> Any:
        if isinstance(value, StepRef):
            return value
        if isinstance(value, str):
            try:
                value = yaml.safe_load(value)
            except yaml.YAMLError as error:
                raise ValueError(f"not a step like {{op: blur, radius: 8}}: {error}") from None
        if isinstance(value, dict) and set(value) <= {"op", "values", "seed", "params", "node"} and "values" in value:
            return value  # already in this form (a copy)
        if not isinstance(value, dict) or not isinstance(value.get("op"), str):
            raise ValueError("must be a step such as {op: blur, radius: 8}")
        return {"op": value["op"], "seed": value.get("seed"),
                "values": {k: v for k, v in value.items() if k not in ("op", "seed")}}


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
