"""Re-rendering one frame's picture for other frames' cameras (what a feedback loop moves)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scenes import disc_centroids, disc_still, red_centroid, two_plane_scene, write_depth_png

from shotgraph.motion.reproject import FrameView, relative_path
from shotgraph.ops.animate import animate


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255**2 / max(mse, 1e-12))


def test_a_2d_frame_moved_to_another_frame_matches_rendering_that_frame():
    image, _ = disc_still(160, 90, radius=6)
    clip = animate(image, duration=1, fps=12, zoom="0:(1), 11:(1.3)", angle="0:(0), 11:(8)",
                   translation_x="0:(0), 11:(10)")
    view = FrameView(clip.frame_at(3), clip.camera, 3, [4, 9])
    for frame in (4, 9):
        moved, direct = view.render(frame), clip.frame_at(frame)
        assert np.abs(disc_centroids(moved) - disc_centroids(direct)).max() < 0.15
        assert psnr(moved[10:-10, 10:-10], direct[10:-10, 10:-10]) > 40  # unmoved: 28 dB at frame 4


@pytest.mark.parametrize("motion", ["absolute", "incremental"])
def test_a_3d_frame_moved_through_its_depth_matches_rendering_that_frame(tmp_path, motion):
    image, disparity, _ = two_plane_scene(240, 136, box=(95, 48, 145, 88))
    depth = write_depth_png(tmp_path / "depth.png", disparity)
    moves = ({"translation_x": "0:(0), 11:(0.6)", "rotation_3d_y": "0:(0), 11:(-3)"} if motion == "absolute" else
             {"translation_x": "0:(0.05)", "rotation_3d_y": "0:(-0.25)", "translation_z": "0:(0.03)"})
    clip = animate(image, duration=1, fps=12, mode="3d", depth=depth, motion=motion, **moves)
    scene = clip.scene
    view = FrameView(clip.frame_at(4), clip.camera, 4, [5, 10], scene.depth_at(4))
    for frame in (5, 10):
        moved, direct = view.render(frame), clip.frame_at(frame)
        assert np.abs(red_centroid(moved) - red_centroid(direct)).max() < 0.3  # unmoved: 9 px or more
        assert psnr(moved, direct) > 30  # unmoved: 21 dB or less


def test_the_relative_path_starts_at_the_origin_camera():
    image, _ = disc_still(64, 48, radius=4)
    clip = animate(image, duration=0.5, fps=12, mode="3d", depth=np.full((48, 64), 3.0, np.float32),
                   translation_x="0:(0.1)", rotation_3d_z="0:(1)", zoom="0:(1.01)", motion="incremental")
    path = relative_path(clip.camera, 3, [4, 5])
    assert np.allclose(path.position[0], 0) and np.allclose(path.rotation[0], np.eye(3))
    assert math.isclose(path.source_focal, clip.camera.focal[3])
    # the origin camera's view of a scene point agrees with the original path's view of it
    point = np.array([[0.3, -0.2, 3.0]])
    world = clip.camera.position[3] + point @ clip.camera.rotation[3].T
    assert np.allclose(path.project(2, point), clip.camera.project(5, world), atol=1e-6)
