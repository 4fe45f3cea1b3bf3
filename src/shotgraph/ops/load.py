"""Load: a video file or image sequence as a constant-frame-rate clip."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.media.reader import open_video
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import FileRef, Fps


class LoadParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    video: FileRef = Field(description="video file, image folder, or pattern like frames/%05d.png")
    fps: Fps | None = Field(None, description="constant frame rate to read at (default: the file's)")
    audio: bool = Field(True, description="keep the audio")


# Not cached: the steps that read an asset open the file itself (its content hash is in their keys)
# rather than a lossless copy of it, which would cost a full encode and many times the file's size.
@op("load", version=1, params=LoadParams, kind=OpKind.SOURCE, cached=False,
    summary="Read a video or image sequence (variable frame rate becomes constant).", cli=False)
def _run(inputs, params: LoadParams, ctx):
    return open_video(ctx.file(params.video), fps=params.fps, audio=params.audio)
