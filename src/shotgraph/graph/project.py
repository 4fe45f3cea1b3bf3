"""The project file: assets, shots (a source plus a chain of steps), an edit and deliverables.

A project is YAML validated with pydantic; every error names the file, line and field::

    shotgraph: 1              # schema version
    name: demo
    fps: 24
    width: 1280
    height: 720
    seed: 7
    assets:
      sky: assets/sky.png
      music: assets/music.flac
    shots:
      opening:
        source: {op: still, image: sky, duration: 3}
        steps:
          - {op: resize, width: 1280, height: 720, mode: crop}
    edit:
      clips:
        - {shot: opening, out: 2.5}
      audio:
        - {file: music, fade_out: 1}
    deliverables:
      web:
        path: renders/demo.mp4

Steps and sources are ``{op: NAME, ...params}`` plus the reserved keys ``id`` (a name for the
node), ``seed`` (overrides the derived seed) and ``cache`` (``false`` computes the step on the fly
inside the next one instead of storing it; an asset read as a shot's source is never stored: its
users open the file itself).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from shotgraph.errors import ProjectError
from shotgraph.graph.yamlfile import LocatedDocument, Loc, load_yaml
from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.finish.presets import Fit, LoudnessTarget
from shotgraph.params import Fps
from shotgraph.validation import dotted, explain, first_problem

SCHEMA_VERSION = 1
STEP_KEYS = ("op", "id", "seed", "cache")
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class AssetSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    path: str
    fps: Fps | None = Field(None, description="for videos: the constant rate to read at")
    audio: bool = True


class ShotSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    source: dict[str, Any] | str = Field(description="{op: ..., params} or the name of a video asset")
    steps: list[dict[str, Any]] = Field(default_factory=list)
    seed: int | None = Field(None, description="base seed for this shot's steps")


class DeliverableSpec(BaseModel):
    """A file to deliver: a preset (see ``shotgraph presets``) and/or explicit settings; fields
    left out come from the preset. After encoding the file is validated against its spec and
    the report saved beside it as ``<name>.validation.json``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    path: str = Field(description="output file, relative to the project file")
    source: str = Field("edit", description="'edit' or a shot name")
    preset: str | None = Field(None, description="youtube-1080p, youtube-4k, instagram-reels, tiktok, "
                                                 "x-landscape, prores-master, archive")
    video: VideoEncoding = Field(default_factory=VideoEncoding)
    audio: AudioEncoding = Field(default_factory=AudioEncoding)
    width: int | None = Field(None, ge=-2)
    height: int | None = Field(None, ge=-2)
    fit: Fit | None = Field(None, description="pad | crop | stretch | smart (follow the subject)")
    fps: Fps | None = None
    gop_seconds: float | None = Field(None, gt=0)
    loudness: LoudnessTarget | None = None
    validate_output: Literal["strict", "warn", "off"] = Field("strict", alias="validate")


class ProjectSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    shotgraph: int = Field(SCHEMA_VERSION, description="project schema version")
    name: str = "untitled"
    seed: int = 0
    fps: Fps = 24
    width: int = Field(1920, gt=0)
    height: int = Field(1080, gt=0)
    assets: dict[str, str | AssetSpec] = Field(default_factory=dict)
    shots: dict[str, ShotSpec] = Field(default_factory=dict)
    edit: dict[str, Any] | None = None
    deliverables: dict[str, DeliverableSpec] = Field(default_factory=dict)

    @field_validator("shotgraph")
    @classmethod
    def _known_schema(cls, value: int) -> int:
        if value != SCHEMA_VERSION:
            raise ValueError(f"this shotgraph reads project schema {SCHEMA_VERSION}, the file says {value}")
        return value

    @field_validator("assets", "shots", "deliverables")
    @classmethod
    def _names(cls, value: dict) -> dict:
        for name in value:
            if not isinstance(name, str) or not _NAME.match(name):
                raise ValueError(f"{name!r} is not a valid name (letters, digits, _ - . ; not starting with _ - .)")
        return value

    def asset(self, name: str) -> AssetSpec:
        spec = self.assets[name]
        return AssetSpec(path=spec) if isinstance(spec, str) else spec


def pydantic_error(document: LocatedDocument, prefix: Loc, error: ValidationError,
                   model: type[BaseModel] | None = None) -> ProjectError:
    """The first validation error as one line naming file, line and field (plus a count of others)."""
    first = explain(error, model)[0]
    return ProjectError(f"{document.where(prefix + first.loc)}: {first_problem(error, model, lambda loc: dotted(prefix + loc))}")


class Project:
    """A loaded, validated project file."""

    def __init__(self, document: LocatedDocument, spec: ProjectSpec):
        self.document = document
        self.spec = spec
        self.path = document.path.resolve()
        self.dir = self.path.parent

    @classmethod
    def load(cls, path: Path | str) -> "Project":
        return cls.from_document(load_yaml(path))

    @classmethod
    def from_document(cls, document: LocatedDocument) -> "Project":
        if not isinstance(document.data, dict):
            raise document.error((), "a project file is a mapping (shotgraph:, shots:, edit:, ...)")
        try:
            spec = ProjectSpec.model_validate(document.data)
        except ValidationError as error:
            raise pydantic_error(document, (), error, ProjectSpec) from None
        return cls(document, spec)

    def resolve_path(self, text: str) -> Path:
        path = Path(text).expanduser()
        return path if path.is_absolute() else self.dir / path

    @property
    def work_dir(self) -> Path:
        return self.dir / ".shotgraph"
