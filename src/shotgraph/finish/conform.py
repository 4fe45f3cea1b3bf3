"""Conform: the edit as an OpenTimelineIO timeline, written as .otio, CMX 3600 EDL, FCP 7 XML or
FCPXML (the OTIO adapter packages), and read back into an edit.

Each clip references a media file of its shot rendered at the edit's size and frame rate (so
timeline frames are media frames) and carries ``metadata["shotgraph"]``: the shot name, the node
id and cache key of the shot's final node, the shot's seeds, and its edit parameters, so a
finisher can trace any shot back to what made it. Transitions become OTIO transitions (dissolves
for EDL/XML; the shotgraph kind is kept in metadata). Speed changes become ``LinearTimeWarp`` and
freeze frames ``FreezeFrame`` effects. EDL reel names are limited to 8 characters: each shot gets
a unique short reel, recorded in the clip's ``cmx_3600`` metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import opentimelineio as otio

from shotgraph.clip import frames_for_seconds
from shotgraph.errors import ParamError, UserError
from shotgraph.finish.edit import EditClip, EditParams
from shotgraph.params import time_to_frame

FORMATS = {".otio": "otio_json", ".edl": "cmx_3600", ".xml": "fcp_xml", ".fcpxml": "fcpx_xml"}


@dataclass
class Media:
    """A rendered file for one edit clip's source, at the edit's frame rate."""

    path: Path
    frames: int
    metadata: dict = field(default_factory=dict)  # what goes under metadata["shotgraph"]


def media_key(index: int, spec: EditClip) -> str:
    """Which media an edit clip uses: its shot, or its own title card."""
    return str(spec.shot) if spec.shot is not None else f"title-{index + 1:02d}"


def _rt(frames: float, rate: float) -> otio.opentime.RationalTime:
    return otio.opentime.RationalTime(frames, rate)


def _range(start: float, duration: float, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(_rt(start, rate), _rt(duration, rate))


def reel_names(keys: list[str]) -> dict[str, str]:
    """Unique EDL reel names of at most 8 characters (letters and digits)."""
    names: dict[str, str] = {}
    for key in keys:
        if key in names:
            continue
        base = re.sub(r"[^A-Za-z0-9]", "", key).upper()[:8] or "SHOT"
        name, counter = base, 1
        while name in names.values():
            suffix = str(counter)
            name, counter = base[: 8 - len(suffix)] + suffix, counter + 1
        names[key] = name
    return names


def edit_timeline(params: EditParams, media: dict[str, Media], name: str = "shotgraph edit") -> otio.schema.Timeline:
    """The edit as a timeline with one video track (and its transitions)."""
    fps = params.fps or Fraction(24)
    rate = float(fps)
    timeline = otio.schema.Timeline(name=name, global_start_time=_rt(0, rate))
    timeline.metadata["shotgraph"] = {"fps": f"{fps.numerator}/{fps.denominator}", "width": params.width,
                                      "height": params.height}
    track = otio.schema.Track(name="V1", kind=otio.schema.TrackKind.Video)
    timeline.tracks.append(track)
    keys = [media_key(i, spec) for i, spec in enumerate(params.clips)]
    reels = reel_names(keys)
    clips: list[otio.schema.Clip] = []
    for index, (spec, key) in enumerate(zip(params.clips, keys)):
        if key not in media:
            raise UserError(f"no rendered media for edit clip {index + 1} ({key})")
        source = media[key]
        start, duration, effects = _source_range(spec, source, fps)
        reference = otio.schema.ExternalReference(target_url=source.path.resolve().as_uri(),
                                                  available_range=_range(0, source.frames, rate))
        reference.name = source.path.name
        clip = otio.schema.Clip(name=key, media_reference=reference, source_range=_range(start, duration, rate))
        for effect in effects:
            clip.effects.append(effect)
        clip.metadata["shotgraph"] = {**source.metadata, "edit_index": index,
                                      "edit_clip": spec.model_dump(mode="json", by_alias=True, exclude_defaults=True)}
        clip.metadata["cmx_3600"] = {"reel": reels[key]}
        transition = spec.transition
        overlap = frames_for_seconds(transition.duration, fps) if transition and transition.kind != "cut" else 0
        if overlap:
            previous = clips[-1]
            shortened = previous.source_range.duration.value - overlap
            if shortened <= 0:
                raise ParamError(f"edit clip {index}: its transition is longer than the clip before it")
            previous.source_range = _range(previous.source_range.start_time.value, shortened, rate)
            dissolve = otio.schema.Transition(name=transition.kind,
                                              transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                              in_offset=_rt(0, rate), out_offset=_rt(overlap, rate))
            dissolve.metadata["shotgraph"] = {"kind": transition.kind, "frames": overlap}
            track.append(dissolve)
        track.append(clip)
        clips.append(clip)
    return timeline


def _source_range(spec: EditClip, source: Media, fps: Fraction) -> tuple[int, int, list]:
    """Start and duration (in media frames) of an edit clip, and its time effects."""
    if spec.title is not None:
        return 0, source.frames, []
    if spec.freeze is not None:
        at = time_to_frame(spec.freeze, fps)
        return at, max(1, frames_for_seconds(spec.duration, fps)), [otio.schema.FreezeFrame()]
    first = time_to_frame(spec.in_, fps) if spec.in_ is not None else 0
    last = min(time_to_frame(spec.out, fps), source.frames) if spec.out is not None else source.frames
    effects = []
    length = last - first
    if spec.speed != 1.0:
        length = max(1, round(length / spec.speed))
        effects.append(otio.schema.LinearTimeWarp(time_scalar=spec.speed))
    return first, length, effects


def write_timeline(timeline: otio.schema.Timeline, path: Path | str) -> Path:
    """Write ``timeline`` in the format its extension names (.otio, .edl, .xml, .fcpxml), atomically."""
    from shotgraph.fsutil import atomic_path

    path = Path(path)
    adapter = FORMATS.get(path.suffix.lower())
    if adapter is None:
        raise ParamError(f"{path}: conform writes {', '.join(FORMATS)} files")
    with atomic_path(path) as temp:
        if adapter == "cmx_3600":
            rate = timeline.tracks[0][0].source_range.duration.rate if len(timeline.tracks[0]) else 24
            text = otio.adapters.write_to_string(timeline, adapter, rate=rate, reelname_len=8)
            temp.write_text(text)
        else:
            otio.adapters.write_to_file(timeline, str(temp), adapter_name=adapter)
    return path


def read_timeline(path: Path | str, rate: float | None = None) -> otio.schema.Timeline:
    path = Path(path)
    adapter = FORMATS.get(path.suffix.lower())
    if adapter is None:
        raise ParamError(f"{path}: conform reads {', '.join(FORMATS)} files")
    if not path.is_file():
        raise UserError(f"file not found: {path}")
    try:
        if adapter == "cmx_3600":
            timeline = otio.adapters.read_from_file(str(path), adapter, rate=rate or 24)
        else:
            timeline = otio.adapters.read_from_file(str(path), adapter)
    except Exception as error:  # noqa: BLE001 - adapters raise many types; all mean "bad file"
        raise UserError(f"{path}: cannot read this timeline: {error}") from None
    if not isinstance(timeline, otio.schema.Timeline):  # e.g. any other JSON read as .otio
        raise UserError(f"{path}: not an OpenTimelineIO timeline")
    return timeline


def timeline_to_edit(timeline: otio.schema.Timeline) -> dict:
    """An ``edit:`` section from the first video track: shots by shotgraph metadata (else the clip
    or reel name), in/out from the source ranges, transitions, speed and freeze effects."""
    tracks = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    if not tracks:
        raise UserError("the timeline has no video track")
    clips: list[dict] = []
    pending_transition: dict | None = None
    fps = None
    for item in tracks[0]:
        if isinstance(item, otio.schema.Transition):
            frames = (item.in_offset + item.out_offset).value
            kind = item.metadata.get("shotgraph", {}).get("kind", "crossfade")
            rate = item.out_offset.rate
            if clips:  # the outgoing clip played on under the transition
                _extend_out(clips[-1], frames, rate)
            pending_transition = {"kind": kind, "duration": round(frames / rate, 6)}
            continue
        if isinstance(item, otio.schema.Gap):
            continue
        source = item.source_range or item.available_range()
        rate = source.start_time.rate
        fps = fps or rate
        meta = _plain(item.metadata.get("shotgraph", {}))
        entry = dict(meta.get("edit_clip") or {})
        entry.pop("transition", None)
        if "title" not in entry:
            entry["shot"] = meta.get("shot") or item.metadata.get("cmx_3600", {}).get("reel") or item.name
            start, duration = round(source.start_time.value), round(source.duration.value)
            warp = next((e for e in item.effects if isinstance(e, otio.schema.LinearTimeWarp)), None)
            frozen = any(isinstance(e, otio.schema.FreezeFrame) for e in item.effects)
            if frozen:
                entry.update({"freeze": f"{start}f", "duration": round(duration / rate, 6)})
                entry.pop("in", None), entry.pop("out", None)
            else:
                speed = warp.time_scalar if warp else 1.0
                entry.update({"in": f"{start}f", "out": f"{start + round(duration * speed)}f"})
                if speed != 1.0:
                    entry["speed"] = speed
        if pending_transition:
            entry["transition"] = pending_transition
            pending_transition = None
        clips.append(entry)
    edit = {"clips": clips}
    if fps:
        edit["fps"] = f"{Fraction(fps).limit_denominator(1001).numerator}/{Fraction(fps).limit_denominator(1001).denominator}"
    return edit


def _plain(value):
    """OTIO metadata as plain Python data (its dictionaries die with the timeline)."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or type(value).__name__ == "AnyVector":
        return [_plain(v) for v in value]
    return value


def _extend_out(entry: dict, frames: float, rate: float) -> None:
    if "out" in entry and str(entry["out"]).endswith("f"):
        speed = entry.get("speed", 1.0)
        entry["out"] = f"{int(str(entry['out'])[:-1]) + round(frames * speed)}f"
    elif "duration" in entry:
        entry["duration"] = round(entry["duration"] + frames / rate, 6)
