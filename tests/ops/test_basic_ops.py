"""The first ops: resize, trim, fps, concat, still, as clip functions and through the registry."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest
from synthetic import index_frame, indexed_clip, read_index

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import ParamError, ProjectError
from shotgraph.media import write_image
from shotgraph.ops import get_op, load_ops
from shotgraph.ops.concat import concat
from shotgraph.media.retime import change_fps
from shotgraph.media.resize import resize, resize_frame
from shotgraph.ops.still import still
from shotgraph.media.retime import trim


def test_registry_lists_the_foundation_ops_with_versions_and_backends():
    ops = load_ops()
    for name in ("trim", "resize", "fps", "concat", "still", "load", "edit", "deliver"):
        assert name in ops and ops[name].version >= 1 and ops[name].backends


def test_unknown_op_suggests_the_closest():
    with pytest.raises(ProjectError, match="did you mean 'resize'"):
        get_op("resze")


@pytest.mark.parametrize("width,height,mode,expected", [
    (160, 90, "stretch", (160, 90)),
    (160, 160, "fit", (160, 120)),
    (160, 90, "pad", (160, 90)),
    (160, 90, "crop", (160, 90)),
    (200, -1, "pad", (200, 150)),
    (-2, 99, "pad", (132, 99)),
])
def test_resize_output_sizes(width, height, mode, expected):
    clip = resize(indexed_clip(3, audio=False), width, height, mode)
    frame = next(clip.frames())
    assert (clip.video.width, clip.video.height) == expected == (frame.shape[1], frame.shape[0])


def test_pad_letterboxes_and_crop_fills():
    frame = np.full((100, 200, 3), 200, np.uint8)
    padded = resize_frame(frame, 100, 100, "pad")
    assert padded[:25].max() == 0 and padded[75:].max() == 0 and padded[30:70].min() == 200
    cropped = resize_frame(frame, 100, 100, "crop")
    assert cropped.min() == 200


def test_lanczos_downscale_does_not_alias():
    """A fine stripe pattern shrunk 4x must turn grey, not into coarse moire (OpenCV's plain
    Lanczos does not widen its kernel; resize low-pass filters first)."""
    stripes = np.zeros((240, 320, 3), np.uint8)
    stripes[:, ::3] = 255
    small = resize_frame(stripes, 80, 60, "stretch", "lanczos")
    assert small.std() < 12, small.std()
    naive = cv2.resize(stripes, (80, 60), interpolation=cv2.INTER_LANCZOS4)
    assert naive.std() > 40  # the failure the pre-shrink avoids


def test_resize_upscale_beats_nearest():
    rng = np.random.default_rng(0)
    base = cv2.GaussianBlur(rng.integers(0, 255, (120, 160, 3)).astype(np.uint8), (0, 0), 3)
    small = cv2.resize(base, (80, 60), interpolation=cv2.INTER_AREA)
    up = resize_frame(small, 160, 120, "stretch", "lanczos")
    nearest = resize_frame(small, 160, 120, "stretch", "nearest")
    err = lambda a: np.abs(a.astype(float) - base).mean()  # noqa: E731
    assert err(up) < 0.8 * err(nearest)


def test_resize_rejects_no_size():
    with pytest.raises(ParamError, match="give width or height"):
        resize(indexed_clip(2), None, None)


def test_trim_is_frame_accurate_with_matching_audio():
    clip = indexed_clip(96, fps=Fraction(24))
    for start, end, expected in [(1.0, 2.5, range(24, 60)), ("12f", "30f", range(12, 30)),
                                 ("00:00:03", None, range(72, 96))]:
        part = trim(clip, start, end)
        assert [read_index(f) for f in part.frames()] == list(expected)
        assert sum(a.shape[1] for a in part.audio_samples()) == part.n_samples == len(expected) * 2000


def test_trim_beyond_the_end_is_a_clear_error():
    with pytest.raises(ParamError, match="after the end"):
        trim(indexed_clip(24), 5.0)


@pytest.mark.parametrize("fps_in,fps_out,n_in,expected_head", [
    (24, 48, 24, [0, 0, 1, 1, 2, 2]),
    (60, 30, 60, [0, 2, 4, 6, 8, 10]),
    (24, 30, 24, [0, 1, 2, 2, 3, 4]),
    (Fraction(30000, 1001), 25, 30, [0, 1, 2, 4, 5, 6]),
])
def test_fps_conversion_duplicates_and_drops(fps_in, fps_out, n_in, expected_head):
    clip = indexed_clip(n_in, fps=Fraction(fps_in))
    out = change_fps(clip, Fraction(fps_out))
    assert out.n_frames == round(n_in * Fraction(fps_out) / Fraction(fps_in))
    assert [read_index(f) for f in out.frames(0, 6)] == expected_head
    assert abs(out.video.duration - clip.video.duration) <= 1 / fps_out
    assert sum(a.shape[1] for a in out.audio_samples()) == out.n_samples


def test_concat_conforms_size_rate_and_audio():
    a = indexed_clip(24, fps=Fraction(24), width=320, height=240)
    b = indexed_clip(30, fps=Fraction(30), width=640, height=360, audio=False)
    joined = concat([a, b])
    assert (joined.video.width, joined.video.height, joined.video.fps) == (320, 240, 24)
    assert joined.n_frames == 24 + 24
    audio = np.concatenate(list(joined.audio_samples()), axis=1)
    half = audio.shape[1] // 2
    assert np.abs(audio[:, :half - 10]).max() > 0.2 and np.abs(audio[:, half + 10:]).max() == 0


def test_still_holds_an_image(tmp_path):
    image = index_frame(5)
    write_image(tmp_path / "still.png", image)
    clip = still(tmp_path / "still.png", duration=2.5, fps=24)
    assert clip.n_frames == 60 and clip.audio is None
    assert np.array_equal(clip.frame_at(59), image)


def test_map_clip_output_shape_is_checked():
    clip = FunctionClip(VideoInfo(8, 8, Fraction(24), 2), lambda i: np.zeros((8, 9, 3), np.uint8))
    with pytest.raises(RuntimeError, match="expected"):
        list(clip.frames())
