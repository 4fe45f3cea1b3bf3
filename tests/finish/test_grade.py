"""Grading: .cube parsing and application (identity round trip, fast path = reference path),
primaries, and shot matching by colour statistics."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from synthetic import colour_chart

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.finish.lut import CubeLut, LutFilter, apply_lut_numpy, identity_lut, read_cube, write_cube
from shotgraph.ops.grade import GradeParams, grade, primaries_table


def still_clip(frame, n=6):
    return FunctionClip(VideoInfo(frame.shape[1], frame.shape[0], Fraction(24), n), lambda i: frame)


def psnr(a, b):
    mse = np.mean((a.astype(float) - b.astype(float)) ** 2)
    return 99.0 if mse == 0 else 10 * np.log10(255**2 / mse)


def test_identity_lut_round_trips(tmp_path, rng):
    write_cube(tmp_path / "identity.cube", identity_lut(33))
    lut = read_cube(tmp_path / "identity.cube")
    frame = rng.integers(0, 256, (120, 160, 3), dtype=np.uint8)
    assert np.abs(LutFilter(tmp_path / "identity.cube", 160, 120)(frame).astype(int) - frame).max() <= 1
    assert np.abs(apply_lut_numpy(frame, lut).astype(int) - frame).max() <= 1


def test_fast_path_matches_the_numpy_reference_on_a_real_look(tmp_path, rng):
    base = identity_lut(17)
    look = np.clip(base.table ** np.array([0.8, 1.0, 1.25], np.float32) * np.array([1.05, 1.0, 0.9]), 0, 1)
    write_cube(tmp_path / "look.cube", CubeLut(look.astype(np.float32), title="warm"))
    lut = read_cube(tmp_path / "look.cube")
    assert lut.title == "warm" and lut.size == 17
    frame = rng.integers(0, 256, (90, 120, 3), dtype=np.uint8)
    fast, reference = LutFilter(tmp_path / "look.cube", 120, 90)(frame), apply_lut_numpy(frame, lut)
    assert psnr(fast, reference) > 40  # tetrahedral vs trilinear: close, not identical
    assert psnr(fast, frame) < 30  # and the look did change the picture


def test_inverting_lut_and_strength(tmp_path):
    inverse = CubeLut((1.0 - identity_lut(9).table).astype(np.float32))
    write_cube(tmp_path / "invert.cube", inverse)
    chart, _ = colour_chart(128, 128, 32)
    clip = grade(still_clip(chart), GradeParams(lut="invert.cube"), lut_path=tmp_path / "invert.cube")
    assert np.abs(clip.frame_at(0).astype(int) - (255 - chart)).max() <= 1
    half = grade(still_clip(chart), GradeParams(lut="invert.cube", lut_strength=0.5), lut_path=tmp_path / "invert.cube")
    assert np.abs(half.frame_at(0).astype(int) - 127.5).max() <= 1.5


def test_bad_cube_files_name_the_line(tmp_path):
    (tmp_path / "bad.cube").write_text("LUT_3D_SIZE 2\n0 0 0\n1 0 x\n")
    with pytest.raises(ParamError, match="bad.cube:3"):
        read_cube(tmp_path / "bad.cube")
    (tmp_path / "short.cube").write_text("LUT_3D_SIZE 2\n0 0 0\n")
    with pytest.raises(ParamError, match="needs 8 rows"):
        read_cube(tmp_path / "short.cube")


def test_primaries_exposure_contrast_and_saturation():
    table = primaries_table(exposure=1.0)[0]
    mid = 118  # ~18% grey in sRGB
    linear = lambda v: ((v / 255 + 0.055) / 1.055) ** 2.4  # noqa: E731
    assert abs(linear(table[mid, 0]) / linear(mid) - 2.0) < 0.05
    flat = primaries_table(contrast=0.0)[0]
    assert np.ptp(flat[:, 1]) <= 1
    warm = primaries_table(temperature=0.5)[0]
    assert warm[128, 0] > 128 > warm[128, 2]
    chart, _ = colour_chart(128, 128, 32)
    grey = grade(still_clip(chart), GradeParams(saturation=0.0)).frame_at(0).astype(int)
    assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 1


def lab_mean(picture):
    import cv2

    return cv2.cvtColor(picture[..., :3].astype(np.float32) / 255.0, cv2.COLOR_RGB2Lab).reshape(-1, 3).mean(0)


def test_shot_matching_pulls_a_shot_to_the_reference_look(rng):
    import cv2

    field = cv2.GaussianBlur(rng.normal(0, 1, (192, 256, 3)).astype(np.float32), (0, 0), 12)
    reference = np.clip(40 + (field - field.min()) / np.ptp(field) * 170, 0, 255).astype(np.uint8)
    # the same scene shot with another camera: a cooler, greener, lifted rendering
    off = np.clip(reference * np.array([0.75, 0.85, 1.1]) + np.array([0, 10, 20]), 0, 255).astype(np.uint8)
    matched = grade(still_clip(off), GradeParams(match="ref"), reference=still_clip(reference)).frame_at(0)
    target, before, after = lab_mean(reference), lab_mean(off), lab_mean(matched)
    assert np.abs(after - target).max() < 0.5 < 5 < np.abs(before - target).max()
    assert psnr(matched, reference) > psnr(off, reference) + 10
    # a still works as a reference too, and strength 0 changes nothing
    assert psnr(grade(still_clip(off), GradeParams(match_image="x"), reference).frame_at(0), reference) > 30
    assert np.array_equal(grade(still_clip(off), GradeParams(match_image="x", match_strength=0.0), reference).frame_at(0), off)
