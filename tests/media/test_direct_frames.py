"""Untouched video goes decoder -> encoder in YUV (one swscale pass), computed frames through RGB."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from synthetic import colour_chart, indexed_clip, read_index

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.media import VideoEncoding, frames as media_frames, open_video, write_clip
from shotgraph.ops.concat import concat
from shotgraph.finish.edit import fade_ends
from shotgraph.media.resize import resize
from shotgraph.finish.transitions import TransitionSpec, join
from shotgraph.media.retime import trim


@pytest.fixture
def conversions(monkeypatch):
    """Counts frames converted from RGB arrays for the encoder."""
    calls = []
    original = media_frames.to_video_frame

    def counting(array, target):
        calls.append(1)
        return original(array, target)

    monkeypatch.setattr(media_frames, "to_video_frame", counting)
    return calls


@pytest.fixture
def source(tmp_path):
    return write_clip(indexed_clip(48, width=320, height=240), tmp_path / "source.mp4", VideoEncoding(crf=12))


def psnr(a, b):
    return 10 * np.log10(255**2 / max(np.mean((a.astype(float) - b) ** 2), 1e-9))


def test_cuts_and_retimes_of_files_never_touch_rgb(tmp_path, source, conversions):
    clip = open_video(source)
    cut = concat([trim(clip, "10f", "30f"), trim(clip, "0f", "12f")])
    out = open_video(write_clip(cut, tmp_path / "cut.mp4", VideoEncoding(crf=12)))
    assert conversions == []
    assert [read_index(f) for f in out.frames()] == list(range(10, 30)) + list(range(12))


def test_only_blended_and_faded_frames_are_computed(tmp_path, source, conversions):
    clip = open_video(source)
    joined = join([trim(clip, 0, "24f"), trim(clip, "24f", None)], [TransitionSpec(kind="crossfade", duration=0.25)])
    faded = fade_ends(joined, 0.25, 0.0)  # 6 frames at 24 fps
    out = open_video(write_clip(faded, tmp_path / "edit.mp4", VideoEncoding(crf=12)))
    assert out.n_frames == 48 - 6
    assert len(conversions) == 6 + 6  # the crossfade's frames and the fade-in's, nothing else
    middle = [read_index(f) for f in out.frames(8, 16)]
    assert middle == list(range(8, 16))


def test_scaling_in_the_decoder_matches_scaling_rgb(tmp_path, source, conversions):
    clip = open_video(source)
    direct = open_video(write_clip(resize(clip, 160, 120, "stretch"), tmp_path / "direct.mp4", VideoEncoding(crf=10)))
    assert conversions == []
    reference = resize(indexed_clip(48, width=320, height=240, audio=False), 160, 120, "stretch")
    for k in (0, 20, 47):
        assert psnr(direct.frame_at(k), reference.frame_at(k)) > 30


def test_a_bt601_source_is_converted_through_rgb_and_tagged_bt709(tmp_path, conversions):
    image, patches = colour_chart()
    path = tmp_path / "sd.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = image.shape[1], image.shape[0], "yuv420p"
        stream.options = {"crf": "8"}
        stream.codec_context.colorspace = 6  # smpte170m (BT.601)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(
                format="yuv420p", dst_colorspace="ITU601", dst_color_range="MPEG")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    out = open_video(write_clip(open_video(path), tmp_path / "hd.mp4", VideoEncoding(crf=8)))
    assert len(conversions) == 3  # BT.601 -> BT.709 needs the RGB path
    assert out.colour.matrix == 1
    frame = out.frame_at(1)
    worst = max(np.abs(frame[y + 12:y + 52, x + 12:x + 52].reshape(-1, 3).mean(0) - c).max() for y, x, c in patches)
    assert worst <= 5


def test_generated_frames_still_take_the_rgb_path(tmp_path, conversions):
    clip = FunctionClip(VideoInfo(64, 48, Fraction(24), 5), lambda i: np.full((48, 64, 3), 9 * i, np.uint8))
    write_clip(clip, tmp_path / "gen.mp4")
    assert len(conversions) == 5
