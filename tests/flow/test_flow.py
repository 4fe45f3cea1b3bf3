"""Flow estimation, warping, consistency masks, flow files and colour-wheel pictures."""

from __future__ import annotations

import numpy as np
import pytest
from motion_sequences import motion_frame, psnr, texture, transformed

from shotgraph.errors import MediaError, ParamError
from shotgraph.flow import (
    colour_wheel,
    compute_flow,
    consistency_mask,
    flow_to_rgb,
    make_estimator,
    occlusion_mask,
    read_flo,
    read_flow_png16,
    resize_flow,
    warp,
    warping_error,
    write_flo,
    write_flow_png16,
)

W, H = 192, 128


def shifted_pair(dx: float, dy: float):
    tex = texture(W + 128, H + 128, seed=3)
    return transformed(tex, W, H), transformed(tex, W, H, dx=dx, dy=dy)


@pytest.mark.parametrize("method,preset,scale,tolerance", [
    ("dis", "medium", 1.0, 0.25),
    ("dis", "fine", 0.5, 0.3),
    ("dis", "ultrafast", 1.0, 0.6),
    ("farneback", "medium", 1.0, 0.3),
])
def test_flow_recovers_a_known_translation(method, preset, scale, tolerance):
    a, b = shifted_pair(3.5, -2.25)
    flow = compute_flow(a, b, method=method, preset=preset, scale=scale)
    assert flow.shape == (H, W, 2) and flow.dtype == np.float32
    inner = flow[16:-16, 16:-16]
    error = np.hypot(inner[..., 0] - 3.5, inner[..., 1] + 2.25)
    assert np.median(error) < tolerance, np.median(error)


def test_flow_of_a_rotation_matches_the_true_field():
    tex = texture(W + 128, H + 128, seed=4)
    a, b = transformed(tex, W, H), transformed(tex, W, H, angle=3.0)
    flow = compute_flow(a, b, preset="medium")
    # true motion of a pixel under a 3 degree rotation (counter-clockwise on screen) about the centre
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    theta = np.deg2rad(3.0)
    cx, cy = W / 2, H / 2
    tx = cx + np.cos(theta) * (xs - cx) + np.sin(theta) * (ys - cy)
    ty = cy - np.sin(theta) * (xs - cx) + np.cos(theta) * (ys - cy)
    error = np.hypot(flow[..., 0] - (tx - xs), flow[..., 1] - (ty - ys))[16:-16, 16:-16]
    assert np.median(error) < 0.35, np.median(error)


def test_warp_with_the_flow_rebuilds_the_first_image():
    a, b = shifted_pair(4.0, 1.0)
    flow = compute_flow(a, b)
    rebuilt = warp(b, flow)
    inner = (slice(12, -12), slice(12, -12))
    assert psnr(rebuilt[inner], a[inner]) > 33
    assert psnr(b[inner], a[inner]) < 22  # without the warp they do not line up


def test_warp_is_exact_for_integer_flow_and_handles_masks_and_many_channels():
    image = np.arange(6 * 8 * 6, dtype=np.float32).reshape(6, 8, 6)
    flow = np.zeros((6, 8, 2), np.float32)
    flow[..., 0] = 1  # take each pixel from its right-hand neighbour
    out = warp(image, flow, "nearest")
    assert out.shape == image.shape
    assert np.array_equal(out[:, :-1], image[:, 1:])
    mask = warp(np.ones((6, 8), bool), flow)
    assert mask.dtype == np.float32 and mask.min() == 1


def test_consistency_mask_finds_the_region_a_moving_square_uncovers():
    background = texture(W, H, seed=5)
    square = texture(40, 40, seed=6)
    a, b = background.copy(), background.copy()
    a[40:80, 40:80] = square
    b[40:80, 56:96] = square  # moved 16 px right: it covers a's background at x 80..96
    fwd = compute_flow(a, b, preset="medium")
    bwd = compute_flow(b, a, preset="medium")
    visible = consistency_mask(fwd, bwd)
    occluded = occlusion_mask(fwd, bwd)
    assert np.array_equal(visible, ~occluded)
    # a's background just right of the square is covered in b
    assert occluded[45:75, 82:94].mean() > 0.6
    # far from the square everything is visible
    assert visible[:, 120:180].mean() > 0.95 and visible[100:, :].mean() > 0.95


def test_warping_error_is_small_for_a_consistent_pair_and_large_for_flicker():
    a, b = shifted_pair(2.0, 2.0)
    back = compute_flow(b, a)
    fwd = compute_flow(a, b)
    mask = consistency_mask(back, fwd)
    steady = warping_error(b, a, back, mask)
    flickered = warping_error(np.clip(b.astype(int) + 25, 0, 255).astype(np.uint8), a, back, mask)
    assert steady < 3 and flickered > 20


def test_flo_round_trip_is_exact(tmp_path):
    flow = np.random.default_rng(0).normal(0, 5, (17, 23, 2)).astype(np.float32)
    path = write_flo(tmp_path / "f.flo", flow)
    data = path.read_bytes()
    assert data[:4] == b"PIEH" and len(data) == 12 + 17 * 23 * 8
    assert np.array_equal(read_flo(path), flow)


def test_flo_rejects_other_files(tmp_path):
    bad = tmp_path / "bad.flo"
    bad.write_bytes(b"not a flow file at all")
    with pytest.raises(MediaError, match="not a .flo file"):
        read_flo(bad)
    with pytest.raises(MediaError, match="cannot read"):
        read_flo(tmp_path / "missing.flo")


def test_png16_pair_round_trip_to_a_64th_of_a_pixel(tmp_path):
    flow = np.random.default_rng(1).normal(0, 20, (31, 45, 2)).astype(np.float32)
    dx_path, dy_path = write_flow_png16(tmp_path / "pair", flow)
    assert dx_path.name == "pair_dx.png" and dy_path.name == "pair_dy.png"
    import cv2

    assert cv2.imread(str(dx_path), cv2.IMREAD_UNCHANGED).dtype == np.uint16
    back = read_flow_png16(tmp_path / "pair")
    assert np.abs(back - flow).max() <= 0.5 / 64 + 1e-6


def test_colour_wheel_follows_the_middlebury_code():
    flow = np.zeros((3, 4, 2), np.float32)
    flow[0, 0] = (1, 0)  # right: red
    flow[0, 1] = (0, 1)  # down: yellow-green side of the wheel (Middlebury)
    flow[0, 2] = (-1, 0)  # left: cyan-blue
    picture = flow_to_rgb(flow, max_motion=1)
    assert tuple(picture[1, 1]) == (255, 255, 255)  # no motion: white
    r, g, b = (int(v) for v in picture[0, 0])
    assert r == 255 and g < 40 and b < 40
    r, g, b = (int(v) for v in picture[0, 2])
    assert r < 40 and b > 150
    wheel = colour_wheel(64)
    assert wheel.shape == (64, 64, 3) and tuple(wheel[0, 0]) == (255, 255, 255)
    # saturation grows with speed
    slow = flow_to_rgb(np.full((1, 1, 2), 0.2, np.float32), 1.0)
    fast = flow_to_rgb(np.full((1, 1, 2), 0.6, np.float32), 1.0)
    assert np.ptp(fast.astype(int)) > np.ptp(slow.astype(int))


def test_resize_flow_scales_vectors():
    flow = np.ones((10, 20, 2), np.float32)
    big = resize_flow(flow, 40, 30)
    assert big.shape == (30, 40, 2)
    assert np.allclose(big[..., 0], 2) and np.allclose(big[..., 1], 3)


def test_estimators_are_deterministic_and_validate_inputs():
    a, b = shifted_pair(1.5, 0.5)
    estimator = make_estimator("dis", "fine", 0.5)
    assert np.array_equal(estimator(a, b), estimator(a, b))
    with pytest.raises(ParamError, match="one size"):
        estimator(a, b[:-2])
    with pytest.raises(ParamError, match="unknown flow method"):
        make_estimator("magic")
    with pytest.raises(ParamError, match="scale"):
        make_estimator("dis", scale=2.0)


def test_sprites_sequence_flow_follows_each_sprite():
    a, b = motion_frame("sprites", 0), motion_frame("sprites", 1)
    flow = compute_flow(a, b, preset="medium")
    # the red sprite is centred at (20, 30) and moves (+4, +1)
    vx, vy = np.median(flow[24:37, 14:27].reshape(-1, 2), axis=0)
    assert abs(vx - 4) < 0.8 and abs(vy - 1) < 0.8


def test_flow_op_makes_pictures_or_writes_files(tmp_path):
    from fractions import Fraction

    from motion_sequences import motion_clip

    from shotgraph.ops import get_op
    from shotgraph.ops.registry import OpContext

    spec = get_op("flow")
    clip = motion_clip("sprites", 4, fps=Fraction(24))
    ctx = OpContext("shot", None, tmp_path, lambda ref: clip, lambda ref: tmp_path / ref)
    pictures = spec.run([clip], spec.params(), ctx)
    frames = list(pictures.frames())
    assert len(frames) == 4 and frames[0].shape == (H, W, 3)
    assert (frames[-1] == 255).all()  # the last frame has no successor: no motion
    assert frames[0][30, 20].tolist() != [255, 255, 255]  # the red sprite moves: coloured
    files = spec.run([clip], spec.params(format="png16", backward=True), ctx)
    names = files.write(tmp_path / "out", None)
    assert files.total_frames == 3 and len(names) == 12 and files.clip_file is None
    assert read_flow_png16(tmp_path / "out" / "back_00001").shape == (H, W, 2)
