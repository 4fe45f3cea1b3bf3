"""Frame-rate conversion by duplicating and dropping frames (no motion interpolation).

Output frame ``k`` shows the source frame nearest in time to ``k / fps``, like FFmpeg's ``fps``
filter; the duration and audio are unchanged. For smooth slow motion use ``interpolate``.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip, RetimeClip, nearest_frame_map
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import Fps


class FpsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fps: Fps = Field(description="target frame rate, e.g. 24, 25, 29.97, 30000/1001, 60")


def change_fps(clip: Clip, fps: Fraction) -> Clip:
    """``clip`` at ``fps`` by repeating or dropping frames; same duration (to the nearest frame)."""
    source = clip.video
    if fps == source.fps:
        return clip
    n_out = max(1, round(source.n_frames * fps / source.fps))
    source_times = np.arange(source.n_frames, dtype=np.float64) * (source.fps.denominator / source.fps.numerator)
    return RetimeClip(clip, nearest_frame_map(source_times, n_out, fps), fps)


@op("fps", version=1, params=FpsParams, kind=OpKind.FILTER,
    summary="Change the frame rate by duplicating / dropping frames.")
def _run(inputs, params: FpsParams, ctx):
    return change_fps(inputs[0], params.fps)
