"""Smart render: copy the compressed packets of untouched stretches instead of re-encoding them.

It is only sound where no pixel changes and the copied packets decode the same inside the new
file, so a stretch of an edit clip is copied when all of this holds, and re-encoded otherwise:

- the deliverable is H.264 at the edit's size and rate, with nothing over the picture (no
  overlays, no fades), the clip has no speed change or freeze, and the stretch lies outside
  the frames its transitions blend;
- the source is a constant-rate H.264 file at the edit's size and rate, read frame for frame;
- its SPS/PPS equal the ones the deliverable's encoder writes (same codec parameters: profile,
  level, pixel format, colour tags, reorder depth...), so one header serves the whole file;
- the copied stretch runs from an IDR keyframe to the next IDR (or the end of the file), and its
  frames in decode order are exactly its frames in display order (closed GOPs), with keyframe
  gaps no longer than the deliverable's GOP.

Re-encoded stretches get a fresh encoder each (they start on an IDR and end flushed), with the
deliverable's settings. Audio is always mixed and encoded as usual. If timestamps would not
increase across a join, the writer gives up and the caller encodes normally.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.codec.context
import numpy as np

from shotgraph.clip import AudioInfo, Clip, SliceClip
from shotgraph.errors import MediaError
from shotgraph.finish.presets import Preset
from shotgraph.finish.transitions import SequenceClip
from shotgraph.media.colour import tag_bt709
from shotgraph.media.encode import EncodingPlan, plan_encoding
from shotgraph.media.reader import VideoFile
from shotgraph.media.retime import trim
from shotgraph.media.writer import add_audio_stream, add_video_stream, encoder_frames_ahead


class SmartRenderUnsound(Exception):
    """Raised while writing when a join cannot be made seamless; the caller re-encodes."""


@dataclass(frozen=True)
class Segment:
    start: int  # timeline frames [start, stop)
    stop: int
    source: Path | None = None  # copied from this file ...
    first: int = 0  # ... its display frames [first, first + stop - start)


@dataclass
class SmartPlan:
    segments: list[Segment]

    @property
    def copied_frames(self) -> int:
        return sum(s.stop - s.start for s in self.segments if s.source is not None)


def parameter_sets(extradata: bytes | None) -> tuple[bytes, ...]:
    """The SPS / PPS NAL units of H.264 extradata, in avcC or Annex B form."""
    if not extradata:
        return ()
    data = bytes(extradata)
    if data[0] == 1 and len(data) > 7:  # avcC
        units, pos = [], 5
        for kind in ("sps", "pps"):
            count = data[pos] & (0x1F if kind == "sps" else 0xFF)
            pos += 1
            for _ in range(count):
                size = int.from_bytes(data[pos : pos + 2], "big")
                units.append(data[pos + 2 : pos + 2 + size])
                pos += 2 + size
        return tuple(units)
    return tuple(unit for unit in _split_annexb(data) if unit)


def _split_annexb(data: bytes) -> list[bytes]:
    parts = data.replace(b"\x00\x00\x00\x01", b"\x00\x00\x01").split(b"\x00\x00\x01")
    return [p.rstrip(b"\x00") for p in parts if p]


def nal_length_size(extradata: bytes | None) -> int:
    """Bytes of each NAL length prefix in avcC streams (0 for Annex B)."""
    data = bytes(extradata or b"")
    return (data[4] & 3) + 1 if data[:1] == b"\x01" and len(data) > 4 else 0


def to_annexb(payload: bytes, length_size: int) -> bytes:
    """Length-prefixed NAL units as start-code ones (what the muxer expects when its header is
    Annex B; it converts them back to exactly these bytes)."""
    out, pos = bytearray(), 0
    while pos + length_size <= len(payload):
        size = int.from_bytes(payload[pos : pos + length_size], "big")
        out += b"\x00\x00\x00\x01" + payload[pos + length_size : pos + length_size + size]
        pos += length_size + size
    return bytes(out)


def is_idr(payload: bytes, length_size: int) -> bool:
    units = _split_annexb(payload) if length_size == 0 else _nal_units(payload, length_size)
    return any(unit and unit[0] & 0x1F == 5 for unit in units)


def _nal_units(payload: bytes, length_size: int) -> list[bytes]:
    units, pos = [], 0
    while pos + length_size <= len(payload):
        size = int.from_bytes(payload[pos : pos + length_size], "big")
        units.append(payload[pos + length_size : pos + length_size + size])
        pos += length_size + size
    return units


def encoder_context(plan: EncodingPlan, width: int, height: int, fps: Fraction) -> av.codec.context.CodecContext:
    """An opened encoder with the deliverable's settings (what the writer configures)."""
    ctx = av.CodecContext.create(plan.video_codec, "w")
    ctx.width, ctx.height, ctx.pix_fmt = width, height, plan.pix_fmt
    ctx.time_base, ctx.framerate = Fraction(1) / fps, fps
    ctx.options = dict(plan.video_options)
    if plan.bit_rate:
        ctx.bit_rate = plan.bit_rate
    if plan.gop:
        ctx.gop_size = plan.gop
    tag_bt709(ctx, plan.full_range)
    ctx.flags |= av.codec.context.Flags.global_header
    ctx.open()
    return ctx


@dataclass
class _SourcePackets:
    """A source file's video packets in decode order, with each packet's display frame index."""

    extradata: bytes
    length_size: int
    frames: np.ndarray  # display index per packet (decode order)
    idr: np.ndarray  # bool per packet


def _index_packets(clip: VideoFile) -> _SourcePackets | None:
    with av.open(str(clip.path)) as container:
        stream = container.streams.video[clip.stream_index]
        extradata = bytes(stream.codec_context.extradata or b"")
        length_size = nal_length_size(extradata)
        pts = clip.index.pts
        frames, idr = [], []
        for packet in container.demux(stream):
            if packet.size == 0:
                continue
            if packet.pts is None:
                return None
            frames.append(int(np.searchsorted(pts, packet.pts)))
            idr.append(bool(packet.is_keyframe) and is_idr(bytes(packet), length_size))
    return _SourcePackets(extradata, length_size, np.asarray(frames), np.asarray(idr, bool))


def copyable_range(clip: Clip, first: int, last: int, reference_sets: tuple[bytes, ...],
                   gop: int | None) -> tuple[int, int] | None:
    """The longest IDR-to-IDR stretch of source frames inside ``[first, last)`` that can be copied."""
    if not isinstance(clip, VideoFile) or clip.rotation or clip.video.alpha:
        return None
    if clip.source_fps != clip.video.fps or not np.array_equal(clip.frame_map, np.arange(clip.n_frames)):
        return None
    with av.open(str(clip.path)) as container:
        ctx = container.streams.video[clip.stream_index].codec_context
        if ctx.name != "h264" or ctx.pix_fmt != "yuv420p":
            return None
    packets = _index_packets(clip)
    if packets is None or parameter_sets(packets.extradata) != reference_sets:
        return None
    starts = np.flatnonzero(packets.idr)  # packet positions of IDRs, decode order
    idr_frames = packets.frames[starts]
    if np.any(np.diff(idr_frames) <= 0):
        return None
    bounds = list(idr_frames) + [clip.n_frames]
    inside = [b for b in bounds if first <= b <= last]
    if len(inside) < 2:
        return None
    begin, end = inside[0], inside[-1]
    # closed GOPs: the packets from the IDR at `begin` to the one at `end` hold exactly those frames
    lo = starts[list(idr_frames).index(begin)]
    hi = starts[list(idr_frames).index(end)] if end < clip.n_frames else len(packets.frames)
    if sorted(packets.frames[lo:hi]) != list(range(begin, end)):
        return None
    if gop is not None and np.max(np.diff([b for b in bounds if begin <= b <= end])) > gop:
        return None
    return begin, end


def plan_smart_render(cut: Clip, spec: Preset) -> SmartPlan | None:
    """Which stretches of an edit's cut (what :func:`shotgraph.finish.edit.edit` returned, maybe
    wrapped for delivery to the resolved ``spec``) can be copied, or None when nothing can (or
    ``cut`` is no edit)."""
    sequence = cut
    while not isinstance(sequence, SequenceClip):
        sequence = getattr(sequence, "source", None)
        if sequence is None:
            return None
    if sequence.edit_sources is None:
        return None
    clips, params = sequence.edit_sources
    v = sequence.video
    if params.overlays or params.fade_in or params.fade_out or spec.video.codec != "h264":
        return None
    if (spec.width not in (None, v.width)) or (spec.height not in (None, v.height)) or spec.fps not in (None, v.fps):
        return None
    if spec.container not in ("mp4", "mov", "mkv"):
        return None
    gop = spec.video.gop or (max(1, round(spec.gop_seconds * float(v.fps))) if spec.gop_seconds else None)
    video = spec.video.model_copy(update={"gop": gop})
    plan = plan_encoding(Path(f"x.{spec.container}"), video, None, v.width, v.height, False, False)
    reference = parameter_sets(encoder_context(plan, v.width, v.height, v.fps).extradata)
    copies: list[Segment] = []
    last_index = len(params.clips) - 1
    for index, (clip, spec_clip) in enumerate(zip(clips, params.clips)):
        if clip is None or spec_clip.freeze is not None or spec_clip.speed != 1.0:
            continue
        if (clip.video.width, clip.video.height) != (v.width, v.height):
            continue
        piece = trim(clip, spec_clip.in_ or 0.0, spec_clip.out) if (spec_clip.in_ or spec_clip.out) else clip
        first = piece.first if isinstance(piece, SliceClip) else 0
        # frames under a transition are blended: only the stretch between the overlaps is untouched
        head = sequence.overlaps[index - 1] if index > 0 else 0
        tail = sequence.overlaps[index] if index < last_index else 0
        found = copyable_range(clip, first + head, first + piece.n_frames - tail, reference, gop)
        if found is not None:
            begin, end = found
            start = sequence.starts[index] + begin - first
            copies.append(Segment(start, start + end - begin, clip.path, begin))
    if not copies:
        return None
    segments, position = [], 0
    for copy in copies:
        if copy.start > position:
            segments.append(Segment(position, copy.start))
        segments.append(copy)
        position = copy.stop
    if position < v.n_frames:
        segments.append(Segment(position, v.n_frames))
    return SmartPlan(segments)


def write_smart(clip: Clip, plan: SmartPlan, path: Path, video, audio, on_frame=None) -> None:
    """Write ``clip`` to ``path``, copying the plan's copy segments from their sources."""
    v = clip.video
    enc = plan_encoding(path, video, audio, v.width, v.height, False, clip.audio is not None)
    fps, time_base = v.fps, Fraction(1) / v.fps
    with av.open(str(path), "w", format=enc.container_format, options=enc.format_options) as container:
        vstream = add_video_stream(container, enc, v.width, v.height, fps)
        astream, feed = add_audio_stream(container, enc, clip)
        last_dts = [-math.inf]
        done = [0]

        def mux(packet, offset: int) -> None:
            packet.pts += offset
            packet.dts += offset
            if packet.dts <= last_dts[0]:
                raise SmartRenderUnsound(f"timestamps would not increase at frame {offset}")
            last_dts[0] = packet.dts
            packet.time_base = time_base
            packet.stream = vstream
            container.mux(packet)
            if feed is not None:
                container.mux(feed.encode_until(astream, math.floor(max(packet.dts * time_base, 0) * feed.target.sample_rate)))

        for segment in plan.segments:
            if segment.source is None:
                encoder = encoder_context(enc, v.width, v.height, fps)
                frames = encoder_frames_ahead(SliceClip(clip, segment.start, segment.stop), enc)
                try:
                    for index, frame in enumerate(frames):
                        frame.pts, frame.time_base = index, time_base
                        for packet in encoder.encode(frame):
                            mux(packet, segment.start)
                        done[0] += 1
                        if on_frame:
                            on_frame(done[0])
                    for packet in encoder.encode(None):
                        mux(packet, segment.start)
                finally:
                    frames.close()
            else:
                _copy_segment(segment, mux, fps)
                done[0] += segment.stop - segment.start
                if on_frame:
                    on_frame(done[0])
        if feed is not None:
            container.mux(feed.encode_until(astream, feed.total))
            container.mux(astream.encode(None))


def _copy_segment(segment: Segment, mux, fps: Fraction) -> None:
    source = VideoFile(segment.source, audio=False)
    count = segment.stop - segment.start
    with av.open(str(segment.source)) as container:
        stream = container.streams.video[source.stream_index]
        length_size = nal_length_size(stream.codec_context.extradata)
        origin = int(source.index.pts[segment.first])
        ticks = 1 / (stream.time_base * fps)  # stream ticks per frame
        container.seek(origin, stream=stream, backward=True, any_frame=False)
        started, copied = False, 0
        for packet in container.demux(stream):
            if packet.size == 0 or packet.pts is None:
                continue
            if not started:
                if packet.pts != origin:
                    continue
                started = True
            frame = Fraction(packet.pts - origin) / ticks
            if frame >= count:
                break
            payload = bytes(packet)
            out = av.Packet(to_annexb(payload, length_size) if length_size else payload)
            out.pts = int(frame)
            out.dts = int(math.floor(Fraction(packet.dts - origin) / ticks)) if packet.dts is not None else int(frame)
            out.is_keyframe = packet.is_keyframe
            mux(out, segment.start)
            copied += 1
            if copied == count:
                break
        if copied != count:
            raise MediaError(f"{segment.source}: copied {copied} of {count} packets (damaged file?)")
