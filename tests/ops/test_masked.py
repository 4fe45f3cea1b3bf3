"""Masked ops: any step applied only inside/outside a mask with feathering, background replacement
and inpainting, checked pixel by pixel against the mask."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from pydantic import BaseModel, ConfigDict
from segmentation_shots import SyntheticShot, texture

from shotgraph.clip import FunctionClip, MapClip, VideoInfo
from shotgraph.errors import ParamError, UserError
from shotgraph.masks import grey_frame
from shotgraph.media import write_image
from shotgraph.ops.background import over_background
from shotgraph.ops.inpaint import inpaint
from shotgraph.ops.masked import MaskedParams, masked
from shotgraph.ops.registry import OpContext, OpKind, OpSpec, get_op, register, run_op, validate

W, H, N = 96, 64, 3
INFO = VideoInfo(W, H, Fraction(24), N)
FRAME = texture(np.random.default_rng(0), H, W, (20, 40, 60), (230, 210, 190), 30)
MASK = np.zeros((H, W), np.uint8)
MASK[16:48, 24:72] = 255


def source():
    return FunctionClip(INFO, lambda i: FRAME)


def mask_clip(mask=MASK):
    return FunctionClip(INFO, lambda i: grey_frame(mask))


def ctx(clips=None, files=None, tmp="/tmp"):
    from pathlib import Path

    return OpContext("test", 0, Path(tmp), lambda ref: clips[ref], lambda ref: Path(files[ref]))


SETTINGS = {"fps": Fraction(24), "width": W, "height": H}


def run_masked(params, clips, **kwargs):
    spec = get_op("masked")
    return run_op(spec, [source()], validate(spec, params, settings=SETTINGS), ctx(clips, **kwargs))


def test_blur_only_inside_leaves_outside_exact():
    out = run_masked({"mask": "m", "apply": {"op": "blur", "radius": 4}}, {"m": mask_clip()}).frame_at(0)
    outside, inside = MASK == 0, MASK > 0
    assert np.array_equal(out[outside], FRAME[outside])
    assert np.abs(out[inside].astype(int) - FRAME[inside].astype(int)).mean() > 10


def test_outside_and_feather_make_a_gradual_edge():
    out = run_masked({"mask": "m", "where": "outside", "feather": 12, "apply": "{op: blur, radius: 4}"},
                     {"m": mask_clip()}).frame_at(0)
    assert np.abs(out[30:34, 46:50].astype(int) - FRAME[30:34, 46:50]).max() <= 1  # deep inside: untouched
    # the weight itself, from flat layers: 0 -> 1 over about 2 x feather pixels across the edge
    grey = FunctionClip(INFO, lambda i: np.full((H, W, 3), 100, np.uint8))
    white = FunctionClip(INFO, lambda i: np.full((H, W, 3), 200, np.uint8))
    weight = (masked(grey, mask_clip(), white, "outside", feather=12).frame_at(0)[32, :, 0].astype(int) - 100) / 100
    assert weight[0] > 0.95 and weight[48] < 0.05
    assert 0.4 < weight[24] < 0.6  # half way at the mask edge (x = 24)
    assert np.all(np.diff(weight[10:40]) <= 0.011) and weight[18] > weight[24] > weight[30]


def test_any_registered_op_can_be_masked():
    class InvertParams(BaseModel):
        model_config = ConfigDict(extra="forbid")

    register(OpSpec("test-invert", 1, InvertParams, lambda inputs, p, c: MapClip(inputs[0], lambda f, i: 255 - f),
                    OpKind.FILTER, "invert (test)"))
    out = run_masked({"mask": "m", "apply": {"op": "test-invert"}}, {"m": mask_clip()}).frame_at(1)
    assert np.array_equal(out[MASK > 0], 255 - FRAME[MASK > 0])
    assert np.array_equal(out[MASK == 0], FRAME[MASK == 0])


def test_a_source_op_replaces_the_background_with_an_image(tmp_path):
    plate = np.full((128, 192, 3), (10, 200, 30), np.uint8)
    write_image(tmp_path / "beach.png", plate)
    out = run_masked({"mask": "m", "where": "outside", "apply": {"op": "still", "image": "beach"}},
                     {"m": mask_clip()}, files={"beach": tmp_path / "beach.png"}, tmp=tmp_path)
    frame = out.frame_at(2)
    assert out.n_frames == N
    assert np.array_equal(frame[MASK > 0], FRAME[MASK > 0])
    assert np.abs(frame[MASK == 0].astype(int) - (10, 200, 30)).max() <= 1


def test_background_op_with_another_clip_and_with_an_rgba_cutout():
    other = FunctionClip(VideoInfo(W * 2, H * 2, Fraction(24), 1), lambda i: np.full((H * 2, W * 2, 3), 77, np.uint8))
    swapped = over_background(source(), other, mask_clip()).frame_at(2)  # held last frame, scaled
    assert np.all(swapped[MASK == 0] == 77) and np.array_equal(swapped[MASK > 0], FRAME[MASK > 0])
    rgba = FunctionClip(VideoInfo(W, H, Fraction(24), N, alpha=True), lambda i: np.dstack([FRAME, MASK]))
    composed = over_background(rgba, other).frame_at(0)
    assert composed.shape == (H, W, 3) and np.all(composed[MASK == 0] == 77)
    with pytest.raises(ParamError, match="has no alpha"):
        over_background(source(), other)


def test_inpaint_removes_a_sprite_from_a_smooth_background():
    shot = SyntheticShot(width=W * 2, height=H * 2, n_frames=1, occluder=False)
    clean = np.ascontiguousarray(shot.background[:H * 2, :W * 2])
    import cv2

    clean = cv2.GaussianBlur(clean, (0, 0), 3)
    dirty = clean.copy()
    blob = np.zeros(clean.shape[:2], np.uint8)
    cv2.circle(blob, (90, 60), 9, 255, -1)
    dirty[blob > 0] = (255, 0, 255)
    info = VideoInfo(W * 2, H * 2, Fraction(24), 1)
    out = inpaint(FunctionClip(info, lambda i: dirty), FunctionClip(info, lambda i: grey_frame(blob))).frame_at(0)
    region = blob > 0
    error_before = np.abs(dirty[region].astype(int) - clean[region]).mean()
    error_after = np.abs(out[region].astype(int) - clean[region]).mean()
    assert error_after < 12 and error_after < error_before / 8, (error_before, error_after)


def test_masked_refuses_mismatches_clearly():
    short = FunctionClip(VideoInfo(W, H, Fraction(24), 1), lambda i: grey_frame(MASK))
    with pytest.raises(UserError, match="has 1 frames, the shot"):
        run_masked({"mask": "m", "apply": {"op": "blur"}}, {"m": short})
    with pytest.raises(UserError, match="changes the shot's size"):
        run_masked({"mask": "m", "apply": {"op": "resize", "width": 32}}, {"m": mask_clip()})
    spec = get_op("masked")
    with pytest.raises(ParamError, match="masked: apply.op: unknown op 'blurr'"):
        validate(spec, {"mask": "m", "apply": {"op": "blurr"}})
    with pytest.raises(ParamError, match=r"masked: blur: apply.radius: must be > 0 \(got -1\)"):
        validate(spec, {"mask": "m", "apply": {"op": "blur", "radius": -1}})
    with pytest.raises(ParamError, match="masked: apply.op: 'masked' cannot be a nested step"):
        validate(spec, {"mask": "m", "apply": {"op": "masked", "mask": "m", "apply": {"op": "blur"}}})


def test_mask_of_a_different_size_is_scaled_to_the_frame():
    small = MASK[::2, ::2]
    half = FunctionClip(VideoInfo(W // 2, H // 2, Fraction(24), N), lambda i: grey_frame(small))
    out = masked(source(), half, MapClip(source(), lambda f, i: 255 - f)).frame_at(0)
    assert np.array_equal(out[20:44, 28:68], 255 - FRAME[20:44, 28:68])
    assert np.array_equal(out[:12], FRAME[:12])
