"""animate in 3D: parallax measured on a two-plane scene, uncovered regions, and agreement with 2D."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from scenes import red_centroid, two_plane_scene, write_depth_png

from shotgraph.errors import MissingWeightsError
from shotgraph.motion.depthmap import read_depth_image, values_to_depth
from shotgraph.motion.render3d import fill_depth
from shotgraph.ops.animate import animate

NEAR, FAR = 2.0, 8.0


def measured_shift(source: np.ndarray, frame: np.ndarray, box, rough=(0.0, 0.0), search: int = 6) -> np.ndarray:
    """Sub-pixel translation of the source region ``box`` (x0, y0, x1, y1) in ``frame``: normalised
    cross-correlation within ``search`` pixels of ``rough``, refined by a parabola at the peak."""
    x0, y0, x1, y1 = box
    template = cv2.cvtColor(source, cv2.COLOR_RGB2GRAY).astype(np.float32)[y0:y1, x0:x1]
    target = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY).astype(np.float32)
    sx, sy = int(round(rough[0])), int(round(rough[1]))
    left, top = x0 + sx - search, y0 + sy - search
    assert left >= 0 and top >= 0 and x1 + sx + search <= frame.shape[1] and y1 + sy + search <= frame.shape[0]
    score = cv2.matchTemplate(target[top : y1 + sy + search, left : x1 + sx + search], template, cv2.TM_CCOEFF_NORMED)
    _, _, _, (mx, my) = cv2.minMaxLoc(score)
    assert 0 < mx < score.shape[1] - 1 and 0 < my < score.shape[0] - 1, "peak at the edge of the search"

    def vertex(a, b, c):
        return 0.5 * (a - c) / (a - 2 * b + c)

    dx = vertex(score[my, mx - 1], score[my, mx], score[my, mx + 1])
    dy = vertex(score[my - 1, mx], score[my, mx], score[my + 1, mx])
    return np.array([left + mx + dx - x0, top + my + dy - y0])


@pytest.fixture(scope="module")
def scene(tmp_path_factory):
    image, disparity, box = two_plane_scene()
    depth = write_depth_png(tmp_path_factory.mktemp("depth") / "depth.png", disparity)
    return image, depth, box


def test_near_plane_moves_more_than_far_plane_by_the_depth_ratio(scene):
    """A sideways dolly of T: a plane at depth Z moves f*T/Z pixels, so the near plane (Z=2) moves
    4 times as far as the far plane (Z=8)."""
    image, depth, box = scene
    clip = animate(image, duration=1, fps=24, mode="3d", depth=depth, near=NEAR, far=FAR,
                   translation_x="0:(0), 23:(0.4)")
    focal = clip.camera.source_focal  # 1:1 output, so output focal = source focal
    x0, y0, x1, y1 = box
    inner = (x0 + 8, y0 + 8, x1 - 8, y1 - 8)
    background = (40, 190, 170, 240)  # bottom left, clear of the rectangle and the frame edge
    start = red_centroid(clip.frame_at(0))
    for k in (6, 12, 23):
        frame = clip.frame_at(k)
        travel = 0.4 * k / 23
        near = measured_shift(image, frame, inner, red_centroid(frame) - start)
        far = measured_shift(image, frame, background, search=24)
        assert near[0] == pytest.approx(-focal * travel / NEAR, abs=0.15), k
        assert far[0] == pytest.approx(-focal * travel / FAR, abs=0.05), k
        assert abs(near[1]) < 0.05 and abs(far[1]) < 0.05
        assert near[0] / far[0] == pytest.approx(FAR / NEAR, rel=0.01), k


def test_forward_dolly_magnifies_each_plane_by_its_own_ratio(scene):
    """Moving forward by d, a plane at Z grows by Z / (Z - d): the near one much more."""
    image, depth, box = scene
    clip = animate(image, duration=0.5, fps=24, mode="3d", depth=depth, near=NEAR, far=FAR,
                   translation_z="0:(0), 11:(0.5)")
    frame = clip.frame_at(11)
    red = (frame[..., 0] > 200) & (frame[..., 1] < 110) & (frame[..., 2] < 90)
    xs = np.flatnonzero(red.any(axis=0))
    width_ratio = (xs[-1] - xs[0] + 1) / (box[2] - box[0])
    assert width_ratio == pytest.approx(NEAR / (NEAR - 0.5), rel=0.02)


def test_uncovered_background_is_filled_with_background_not_holes_or_smears(scene):
    image, depth, box = scene
    clip = animate(image, duration=1, fps=24, mode="3d", depth=depth, near=NEAR, far=FAR,
                   translation_x="0:(0), 23:(0.4)", border="replicate")
    frame = clip.frame_at(23)
    brightest = frame.max(axis=2)
    assert brightest.min() >= 0.8 * image.max(axis=2).min()  # no black tears anywhere
    # the strip the rectangle uncovered: right of where it is now, inside where it was
    x0, y0, x1, y1 = box
    now_right = int(red_centroid(frame)[0] + (x1 - x0) / 2)
    strip = frame[y0 + 5 : y1 - 5, now_right + 3 : x1 - 3]
    assert strip.shape[1] > 30
    background = image[y0 + 5 : y1 - 5, x1 + 5 : x1 + 40].reshape(-1, 3).mean(axis=0)
    rectangle = image[y0 + 5 : y1 - 5, x0 + 5 : x1 - 5].reshape(-1, 3).mean(axis=0)
    colour = strip.reshape(-1, 3).mean(axis=0)
    assert np.abs(colour - background).max() < 25, (colour, background)
    assert np.abs(colour - rectangle).max() > 100


def test_flat_depth_3d_move_equals_the_2d_zoom(tmp_path):
    """Through a flat scene at depth Z, moving forward d is a 2D zoom of Z / (Z - d)."""
    image, _, _ = two_plane_scene()
    flat = write_depth_png(tmp_path / "flat.png", np.full(image.shape[:2], 32768, np.uint16))
    z = NEAR + (32768 / 65535) * (FAR - NEAR)  # 'depth' format: linear from near to far
    three = animate(image, duration=0.5, fps=24, mode="3d", depth=flat, near=NEAR, far=FAR, depth_format="depth",
                    translation_z="0:(0), 11:(1)").frame_at(11)
    two = animate(image, duration=0.5, fps=24, zoom=f"0:(1), 11:({z / (z - 1)})").frame_at(11)
    difference = np.abs(three.astype(int) - two.astype(int))
    assert difference.mean() < 0.5 and np.percentile(difference, 99.9) <= 3


def test_panning_a_flat_scene_is_the_rotation_homography(tmp_path):
    image, _, _ = two_plane_scene()
    flat = write_depth_png(tmp_path / "flat.png", np.full(image.shape[:2], 40000, np.uint16))
    clip = animate(image, duration=0.25, fps=24, mode="3d", depth=flat, rotation_3d_y="0:(0), 5:(6)",
                   rotation_3d_x="0:(0), 5:(-3)", border="black")
    frame = clip.frame_at(5)
    f = clip.camera.source_focal
    k = np.array([[f, 0, (image.shape[1] - 1) / 2], [0, f, (image.shape[0] - 1) / 2], [0, 0, 1]])
    homography = k @ clip.camera.rotation[5].T @ np.linalg.inv(k)  # source pixel -> output pixel
    expected = cv2.warpPerspective(image, homography, image.shape[1::-1], flags=cv2.INTER_CUBIC,
                                   borderMode=cv2.BORDER_CONSTANT)
    inside = cv2.warpPerspective(np.ones(image.shape[:2], np.uint8), homography, image.shape[1::-1]) > 0
    inside = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    mse = np.mean((frame[inside].astype(float) - expected[inside]) ** 2)
    assert 10 * math.log10(255**2 / mse) > 38
    assert frame[~cv2.dilate(inside.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)].max() == 0


def test_depth_image_conventions(tmp_path):
    ramp = np.linspace(0, 65535, 11).astype(np.uint16)[None].repeat(3, axis=0)
    values = read_depth_image(write_depth_png(tmp_path / "ramp.png", ramp))
    assert values[0, 0] == 0 and values[0, -1] == 1
    disparity = values_to_depth(values, "disparity", 2, 8)
    assert disparity[0, 0] == pytest.approx(8) and disparity[0, -1] == pytest.approx(2)
    assert 1 / disparity[0, 5] == pytest.approx((1 / 2 + 1 / 8) / 2, rel=1e-4)  # linear in inverse depth
    linear = values_to_depth(values, "depth", 2, 8)
    assert linear[0, 0] == pytest.approx(2) and linear[0, 5] == pytest.approx(5, rel=1e-4)


def test_z_buffer_holes_take_the_farther_depth():
    zbuf = np.full((40, 40), np.inf, np.float32)
    zbuf[:, :15] = 2.0  # near
    zbuf[:, 25:] = 9.0  # far
    zbuf[10, 5] = np.inf  # a one-pixel crack inside the near surface
    filled = fill_depth(zbuf)
    assert np.isfinite(filled).all() and filled[10, 5] == 2.0
    assert np.all(filled[:, 18:22] == 9.0)  # the gap between surfaces is background


def test_3d_without_depth_says_what_to_provide(tmp_path, monkeypatch):
    pytest.importorskip("transformers")  # without the depth extra, installing it is what to do first
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    image, _, _ = two_plane_scene()
    with pytest.raises(MissingWeightsError, match="give depth .* or a depth model.*models/depth"):
        animate(image, duration=0.25, fps=24, mode="3d", translation_z=0.1).frame_at(0)


def test_same_inputs_same_frames(scene):
    image, depth, _ = scene
    frames = [animate(image, duration=0.25, fps=24, mode="3d", depth=depth, near=NEAR, far=FAR,
                      translation_x="0:(0), 5:(0.3)", rotation_3d_y="0:(0), 5:(3)").frame_at(5) for _ in range(2)]
    assert np.array_equal(*frames)
