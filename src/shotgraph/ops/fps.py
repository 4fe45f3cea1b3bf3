"""Frame-rate conversion by duplicating and dropping frames (no motion interpolation).

Output frame ``k`` shows the source frame nearest in time to ``k / fps``, like FFmpeg's ``fps``
filter; the duration and audio are unchanged (:func:`shotgraph.media.retime.change_fps`). For
smooth slow motion use ``interpolate``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from shotgraph.media.retime import change_fps
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import Fps


class FpsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fps: Fps = Field(description="target frame rate, e.g. 24, 25, 29.97, 30000/1001, 60")


@op("fps", version=1, params=FpsParams, kind=OpKind.FILTER,
    summary="Change the frame rate by duplicating / dropping frames.")
def _run(inputs, params: FpsParams, ctx):
    return change_fps(inputs[0], params.fps)
