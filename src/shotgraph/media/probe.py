"""``shotgraph probe``: what a media file holds, as JSON-ready data."""

from __future__ import annotations

from pathlib import Path

import av

from shotgraph.errors import MediaError
from shotgraph.media.colour import ColourTags, tags_of
from shotgraph.media.reader import index_video, open_input


def _rate(value) -> dict | None:
    if not value:
        return None
    return {"value": round(float(value), 6), "fraction": f"{value.numerator}/{value.denominator}"}


def probe(path: Path | str) -> dict:
    """Duration, frame rate, frame count, size, codecs, pixel format, colour tags and audio streams.

    The frame count and the constant/variable frame-rate verdict come from demuxing every video
    packet (fast, no decoding), not from the container's header, which is often absent or wrong.
    """
    path = Path(path)
    with open_input(path) as container:
        info: dict = {
            "path": str(path),
            "format": container.format.name,
            "size_bytes": path.stat().st_size,
            "duration": round(container.duration / av.time_base, 6) if container.duration else None,
            "bit_rate": container.bit_rate or None,
            "video": None,
            "audio": [],
        }
        for stream in container.streams.audio:
            ctx = stream.codec_context
            info["audio"].append({
                "index": stream.index,
                "codec": ctx.name,
                "sample_rate": ctx.sample_rate,
                "channels": ctx.channels,
                "layout": ctx.layout.name if ctx.layout else None,
                "sample_fmt": ctx.format.name if ctx.format else None,
                "duration": round(float(stream.duration * stream.time_base), 6) if stream.duration else None,
                "bit_rate": ctx.bit_rate or None,
                "language": stream.metadata.get("language"),
            })
        if container.streams.video:
            stream = container.streams.video[0]
            ctx = stream.codec_context
            if not (ctx.width and ctx.height):  # FFmpeg guessed a codec from the name but found no picture
                raise MediaError(f"cannot read {path}: no picture in it (corrupt or not a media file?)")
            video = {
                "index": stream.index,
                "codec": ctx.name,
                "profile": ctx.profile,
                "width": ctx.width,
                "height": ctx.height,
                "pix_fmt": ctx.pix_fmt,
                "colour": tags_of(ctx).names(),
                "bit_rate": ctx.bit_rate or None,
            }
            colour = tags_of(ctx)
            index = index_video(path, container, stream)
            frames = len(index.pts)
            video.update({
                "frames": frames,
                "duration": round(index.span, 6),
                "fps": _rate(index.constant_rate or stream.average_rate),
                "variable_frame_rate": index.constant_rate is None and frames > 1,
            })
            if colour == ColourTags():
                video["colour_note"] = "untagged: players assume bt709 for HD, bt601 for SD"
            info["video"] = video
            if info["duration"] is None:
                info["duration"] = video["duration"]
    return info
