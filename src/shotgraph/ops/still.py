"""Still: an image as a clip of N seconds (the simplest shot source; ``animate`` moves the camera)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip, FunctionClip, VideoInfo, frames_for_seconds, parse_fps
from shotgraph.media.images import read_image
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import FileRef, Fps


class StillParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: FileRef = Field(description="image asset or path (PNG, JPEG, WebP, TIFF...)")
    duration: float = Field(5.0, gt=0, le=24 * 3600, description="seconds")
    fps: Fps | None = Field(None, description="frame rate (default: the project's)")


def still(image: Path | str, duration: float = 5.0, fps=24) -> Clip:
    """A clip showing ``image`` for ``duration`` seconds. RGBA images keep their alpha."""
    frame = read_image(image)
    frame.flags.writeable = False
    rate = parse_fps(fps)
    n_frames = max(1, frames_for_seconds(duration, rate))
    info = VideoInfo(frame.shape[1], frame.shape[0], rate, n_frames, frame.shape[2] == 4)
    return FunctionClip(info, lambda _index: frame, name=Path(image).name)


@op("still", version=1, params=StillParams, kind=OpKind.SOURCE,
    summary="An image held for a duration.", project_defaults={"fps": "fps"}, cli_inputs=("image",))
def _run(inputs, params: StillParams, ctx):
    return still(ctx.file(params.image), params.duration, params.fps)
