"""Cutting and re-timing clips: trim to a time range, change the frame rate by repeating or
dropping frames, and conform a clip to a size and rate (what joining clips needs)."""

from __future__ import annotations

from fractions import Fraction
from typing import Literal

import numpy as np

from shotgraph.clip import Clip, RetimeClip, SliceClip, nearest_frame_map
from shotgraph.errors import ParamError
from shotgraph.media.resize import resize
from shotgraph.params import time_to_frame

ConformMode = Literal["pad", "crop", "stretch"]


def trim(clip: Clip, start: float | str = 0.0, end: float | str | None = None,
         duration: float | str | None = None) -> Clip:
    """Frames from ``start`` up to ``end`` (or for ``duration``), with their audio. Times are
    seconds, timecodes (``00:01:02.5``) or frame counts (``48f``)."""
    fps = clip.video.fps
    first = time_to_frame(start, fps)
    if end is not None:
        last = time_to_frame(end, fps)
    elif duration is not None:
        last = first + time_to_frame(duration, fps)
    else:
        last = clip.n_frames
    if first >= clip.n_frames:
        raise ParamError(f"trim: start {start} is at or after the end of {clip.name} ({clip.video.duration:.3f}s)")
    if last <= first:
        raise ParamError(f"trim: the range {start} .. {end if end is not None else duration} is empty")
    last = min(last, clip.n_frames)
    if (first, last) == (0, clip.n_frames):
        return clip
    return SliceClip(clip, first, last)


def change_fps(clip: Clip, fps: Fraction) -> Clip:
    """``clip`` at ``fps`` by repeating or dropping frames (the source frame nearest in time to
    ``k / fps``, like FFmpeg's ``fps`` filter); same duration, to the nearest frame."""
    source = clip.video
    if fps == source.fps:
        return clip
    n_out = max(1, round(source.n_frames * fps / source.fps))
    source_times = np.arange(source.n_frames, dtype=np.float64) * (source.fps.denominator / source.fps.numerator)
    return RetimeClip(clip, nearest_frame_map(source_times, n_out, fps), fps)


def conform(clip: Clip, width: int, height: int, fps: Fraction, fit: ConformMode = "pad") -> Clip:
    """``clip`` at exactly ``width`` x ``height`` and ``fps``."""
    if (clip.video.width, clip.video.height) != (width, height):
        clip = resize(clip, width, height, mode=fit)
    return change_fps(clip, fps)
