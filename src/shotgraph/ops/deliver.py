"""Deliver: encode a clip into a final file (codec, quality, colour tags, audio format)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip
from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.media.writer import write_clip
from shotgraph.ops.concat import ConformMode
from shotgraph.ops.fps import change_fps
from shotgraph.ops.registry import OpKind, op
from shotgraph.ops.resize import resize
from shotgraph.params import Fps

Container = Literal["mp4", "mov", "mkv", "webm", "mxf"]


class DeliverParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    container: Container = "mp4"
    video: VideoEncoding = Field(default_factory=VideoEncoding)
    audio: AudioEncoding = Field(default_factory=AudioEncoding)
    width: int | None = Field(None, ge=-2, description="output size (default: the source's)")
    height: int | None = Field(None, ge=-2)
    fit: ConformMode = "pad"
    fps: Fps | None = None


@dataclass
class EncodedFile:
    """A clip encoded to ``media.<container>``; downstream nodes can read it back as a clip."""

    clip: Clip
    params: DeliverParams
    threads: int = 0

    @property
    def clip_file(self) -> str:
        return f"media.{self.params.container}"

    @property
    def total_frames(self) -> int:
        return self.clip.n_frames

    def write(self, folder: Path, on_frame: Callable[[int], None] | None) -> list[str]:
        write_clip(self.clip, folder / self.clip_file, self.params.video, self.params.audio, on_frame, self.threads)
        return [self.clip_file]


def prepare(clip: Clip, params: DeliverParams) -> Clip:
    """The clip as the deliverable wants it: size and frame rate."""
    if params.width is not None or params.height is not None:
        clip = resize(clip, params.width, params.height, mode=params.fit)
    if params.fps is not None:
        clip = change_fps(clip, params.fps)
    return clip


@op("deliver", version=1, params=DeliverParams, kind=OpKind.FILTER, cli=False,
    summary="Encode to a final file with the given codecs and settings.")
def _run(inputs, params: DeliverParams, ctx):
    return EncodedFile(prepare(inputs[0], params), params, ctx.threads)
