"""Shots longer than a model's clip: generate segment after segment, each continuing from the last.

Video models make a few seconds at a time (SVD 25 frames, CogVideoX 49, Wan 81, LTX 121). A longer
shot is built from segments: the first from the prompt (or image), each next one image-to-video from
the previous segment's last frame. The continuation's first frame is the model's re-rendering of
that conditioning frame, so it is dropped and the join has no duplicate.

Re-encoding a frame through a model shifts its colours a little each time, and over several
segments the drift shows (the classic "long shot goes orange"). At each join the continuation's
first frame is compared with the frame it was conditioned on, and the colour mapping between them
(:mod:`shotgraph.colour_match`) is applied to the whole continuation, so the cut is seamless and
the correction is constant within a segment (no flicker).

Only one segment's frames are in memory at a time: backends write each segment to the work folder
and the shot is a lazy concatenation of those files.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from shotgraph.generation.video import Log, VideoBackend, VideoRequest
from shotgraph.clip import Clip, ConcatClip, MapClip, SliceClip
from shotgraph.colour_match import ColourMatchMode, colour_transfer
from shotgraph.errors import ParamError, UserError

CONTINUING_BACKENDS = "svd, cogvideox, ltx, wan, runway or luma"


def segment_count(total: int, segment: int, continuing: bool) -> int:
    """How many model calls make ``total`` frames (each continuation adds ``segment - 1``)."""
    if continuing:
        return math.ceil(total / (segment - 1))
    return 1 if total <= segment else 1 + math.ceil((total - segment) / (segment - 1))


def check_can_continue(backend: VideoBackend, total: int, segment: int, continuing: bool) -> None:
    if (continuing or total > segment) and "image" not in backend.modes:
        what = "extend a clip" if continuing else f"make {total} frames ({segment} per segment)"
        raise ParamError(
            f"{backend.name} cannot {what}: continuing from a last frame needs image-to-video, which it "
            f"lacks; ask for at most {segment} frames, or use {CONTINUING_BACKENDS}")
    if (continuing or total > segment) and segment < 2:
        raise ParamError("segment_frames must be at least 2 to continue a shot")


def _control_frames(control: Clip | None, start: int, count: int) -> list | None:
    if control is None:
        return None
    if control.n_frames < start + count:
        raise ParamError(f"control clip {control.name!r} has {control.n_frames} frames; the shot needs "
                         f"{start + count}")
    return list(control.frames(start, start + count))


def generate_shot(
    backend: VideoBackend,
    base: VideoRequest,
    total: int,
    segment: int,
    work_dir: Path,
    log: Log,
    colour_match: ColourMatchMode = "lab",
    control: Clip | None = None,
    continue_from: Clip | None = None,
) -> Clip:
    """``total`` frames from ``backend``, in segments of at most ``segment`` frames.

    ``base`` holds what every segment shares (prompt, size, fps, steps...) and the first segment's
    ``image``; segment ``k`` uses seed ``base.seed + k``. With ``continue_from``, every segment
    continues that clip's last frame and only the new frames are returned (an extension).
    """
    continuing = continue_from is not None
    check_can_continue(backend, total, segment, continuing)
    if base.image is None and "text" not in backend.modes and not continuing:
        raise ParamError(f"{backend.name} animates an image (image-to-video only): give an image")
    if base.prompt and not backend.takes_text:
        log(f"note: {backend.name} takes no prompt; it is ignored")
    count = segment_count(total, segment, continuing)
    previous = continue_from.frame_at(continue_from.n_frames - 1) if continuing else None
    parts: list[Clip] = []
    produced = index = 0
    while produced < total:  # a hosted service may return less than asked: keep going
        seed = base.seed + index
        label = f"{backend.name}: segment {index + 1}/{max(count, index + 1)}"
        if previous is None:
            n = min(total, segment)
            request = replace(base, num_frames=n, seed=seed, control=_control_frames(control, 0, n))
            log(f"{label}, {n} frames, {request.mode}-to-video, seed {seed}")
            part = backend.generate(request, work_dir, log)
        else:
            n = min(segment, total - produced + 1)
            request = replace(base, image=previous, num_frames=n, seed=seed, control=None)
            log(f"{label}, {n} frames, continuing from frame {produced - 1 if not continuing else 'last'}, "
                f"seed {seed}")
            raw = backend.generate(request, work_dir, log)
            if raw.n_frames < 2:
                raise UserError(f"{backend.name} returned {raw.n_frames} frame(s) for a continuation")
            transfer = colour_transfer(raw.frame_at(0), previous, colour_match)
            part = SliceClip(MapClip(raw, lambda frame, _i, t=transfer: t.apply(frame)), 1, raw.n_frames)
        if part.n_frames == 0:
            raise UserError(f"{backend.name} returned no frames")
        parts.append(part)
        produced += part.n_frames
        previous = part.frame_at(part.n_frames - 1)
        index += 1
    shot = parts[0] if len(parts) == 1 else ConcatClip(parts, name=f"{backend.name} shot")
    return SliceClip(shot, 0, total) if shot.n_frames > total else shot
