"""Deflicker: the warping error drops, real changes pass through, the op reports before/after."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest
from motion_sequences import motion_frame, texture

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.ops import get_op
from shotgraph.ops.deflicker import deflicker, measure_warping_error
from shotgraph.ops.registry import OpContext

W, H, N = 192, 128, 10


def clean_frame(i: int, tex: np.ndarray) -> np.ndarray:
    frame = motion_frame("pan", i * 0.7, tex=tex)
    if i >= 6:  # a new object appears: a real change, not flicker
        frame[40:80, 60:110] = (250, 250, 40)
    return frame


def flickered(frame: np.ndarray, i: int) -> np.ndarray:
    """What per-frame processing does: a brightness/contrast wobble and texture shimmer."""
    rng = np.random.default_rng(100 + i)
    gain, offset = rng.uniform(0.88, 1.12), rng.uniform(-12, 12)
    shimmer = cv2.GaussianBlur(rng.normal(0, 9, frame.shape).astype(np.float32), (0, 0), 1.2)
    return np.clip(frame.astype(np.float32) * gain + offset + shimmer, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def clips():
    tex = texture(W + 128, H + 128, 7)
    info = VideoInfo(W, H, Fraction(24), N)
    clean = FunctionClip(info, lambda i: clean_frame(i, tex), name="clean")
    processed = FunctionClip(info, lambda i: flickered(clean_frame(i, tex), i), name="processed")
    return clean, processed


@pytest.mark.parametrize("with_source", [True, False])
def test_warping_error_drops_and_real_changes_pass(clips, with_source):
    clean, processed = clips
    reports = []
    result = deflicker(processed, clean if with_source else None, on_report=reports.append)
    frames = list(result.frames())
    report = reports[0]
    assert len(report.before) == N - 1
    assert report.mean_after < 0.3 * report.mean_before, report.summary()
    # measured independently, on the clean video's motion
    before = measure_warping_error(processed, clean)
    after = measure_warping_error(FunctionClip(processed.video, lambda i: frames[i]), clean)
    assert after < 0.4 * before, (before, after)
    # the new yellow object is not held back by the previous frame
    assert np.abs(frames[6][45:75, 65:105].astype(int) - processed.frame_at(6)[45:75, 65:105]).mean() < 6
    assert frames[6][45:75, 65:105, 2].mean() < 90


def test_strength_zero_leaves_frames_untouched(clips):
    _, processed = clips
    frames = list(deflicker(processed, strength=0.0).frames())
    assert all(np.array_equal(f, processed.frame_at(i)) for i, f in enumerate(frames))


def test_partial_renders_match_the_full_one(clips):
    clean, processed = clips
    result = deflicker(processed, clean)
    full = list(result.frames())
    assert all(np.array_equal(a, b) for a, b in zip(result.frames(4, 7), full[4:7]))


def test_source_must_match_frame_for_frame(clips):
    clean, processed = clips
    short = FunctionClip(VideoInfo(W, H, Fraction(24), 5), clean.frame_at)
    with pytest.raises(ParamError, match="must match frame for frame"):
        deflicker(processed, short)


def test_the_op_logs_the_warping_error(clips, tmp_path):
    clean, processed = clips
    spec = get_op("deflicker")
    logged = []
    ctx = OpContext("shot", None, tmp_path, lambda ref: clean, lambda ref: tmp_path / ref, log=logged.append)
    params = spec.params(source="clean")
    out = spec.run([processed], params, ctx)
    list(out.frames())
    assert len(logged) == 1 and logged[0].startswith("deflicker: warping error")
    before, after = (float(v) for v in logged[0].split("error ")[1].split(" (")[0].split(" -> "))
    assert after < before


def test_a_smaller_source_guides_an_upscaled_video(clips):
    """An upscaler's output (large) with the video it came from (small): flow is measured on the
    small one and scaled up."""
    clean, processed = clips
    small = FunctionClip(VideoInfo(W // 2, H // 2, Fraction(24), N),
                         lambda i: cv2.resize(clean.frame_at(i), (W // 2, H // 2), interpolation=cv2.INTER_AREA))
    result = deflicker(processed, small)
    frames = list(result.frames())
    assert frames[0].shape == (H, W, 3)
    assert result.report.mean_after < 0.3 * result.report.mean_before, result.report.summary()
