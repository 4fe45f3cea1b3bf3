"""Colour: a chart survives an H.264 round trip; tags are written and honoured on read."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import av
import numpy as np
import pytest
from av.video.reformatter import Colorspace
from synthetic import colour_chart

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.media import VideoEncoding, open_video, write_clip
from shotgraph.media.probe import probe

# Mean |error| per patch interior (8-bit levels). Limited-range 4:2:0 quantisation alone costs
# up to 2 levels; H.264 at crf 18 adds a little.
MAX_PATCH_ERROR = 4.0
MEAN_PATCH_ERROR = 1.5


def patch_errors(frame, patches):
    return np.array([np.abs(frame[y + 12 : y + 52, x + 12 : x + 52].reshape(-1, 3).mean(0) - np.array(c))
                     for y, x, c in patches])


@pytest.fixture(scope="module")
def chart_video(tmp_path_factory):
    image, patches = colour_chart()
    clip = FunctionClip(VideoInfo(image.shape[1], image.shape[0], Fraction(24), 6), lambda i: image)
    path = tmp_path_factory.mktemp("colour") / "chart.mp4"
    write_clip(clip, path, VideoEncoding(crf=18))
    return path, patches


def test_chart_round_trip_through_h264_stays_close(chart_video):
    path, patches = chart_video
    errors = patch_errors(open_video(path).frame_at(3), patches)
    assert errors.max() <= MAX_PATCH_ERROR, errors.max()
    assert errors.mean() <= MEAN_PATCH_ERROR, errors.mean()


def test_decoding_with_the_wrong_matrix_would_fail_the_bound(chart_video):
    """The bound above is tight enough to catch the classic BT.601/BT.709 mix-up."""
    path, patches = chart_video
    clip = open_video(path)
    clip.conversion = dataclasses.replace(clip.conversion, matrix=Colorspace.ITU601)
    assert patch_errors(clip.frame_at(3), patches).max() > 3 * MAX_PATCH_ERROR


def test_written_files_are_tagged_bt709_limited(chart_video):
    colour = probe(chart_video[0])["video"]["colour"]
    assert colour == {"primaries": "bt709", "transfer": "bt709", "matrix": "bt709", "range": "tv"}


@pytest.mark.parametrize("matrix,tag,full_range", [("ITU601", 6, False), ("ITU709", 1, True), ("ITU601", 5, True)])
def test_reader_uses_the_streams_matrix_and_range(tmp_path, matrix, tag, full_range):
    """Files from other tools (BT.601 SD, full-range phone video) decode to the right colours."""
    image, patches = colour_chart()
    path = tmp_path / "tagged.mkv"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = image.shape[1], image.shape[0], "yuv420p"
        stream.options = {"crf": "10"}
        ctx = stream.codec_context
        ctx.colorspace, ctx.color_primaries, ctx.color_trc = tag, tag, tag
        ctx.color_range = 2 if full_range else 1
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(
                format="yuv420p", dst_colorspace=matrix, dst_color_range="JPEG" if full_range else "MPEG")
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    errors = patch_errors(open_video(path).frame_at(1), patches)
    assert errors.max() <= MAX_PATCH_ERROR, errors.max()


def test_untagged_hd_is_read_as_bt709(tmp_path):
    image = np.zeros((720, 1280, 3), np.uint8)
    image[:, :640] = (200, 40, 40)
    path = tmp_path / "untagged.mp4"
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=24)
        stream.width, stream.height, stream.pix_fmt = 1280, 720, "yuv420p"
        stream.options = {"crf": "10"}
        frame = av.VideoFrame.from_ndarray(image, format="rgb24").reformat(
            format="yuv420p", dst_colorspace="ITU709", dst_color_range="MPEG")
        frame.pts = 0
        container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    clip = open_video(path)
    assert clip.conversion.matrix_guessed
    got = clip.frame_at(0)[300:400, 200:300].reshape(-1, 3).mean(0)
    assert np.abs(got - (200, 40, 40)).max() <= MAX_PATCH_ERROR
