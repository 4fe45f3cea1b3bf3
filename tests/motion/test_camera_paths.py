"""Camera paths from schedules: absolute vs Deforum's incremental meaning, and 2D as a 3D camera."""

from __future__ import annotations

import numpy as np
import pytest

from shotgraph.motion.camera import Framing, camera_head, path_2d, path_3d


def test_a_2d_move_is_exactly_a_camera_over_the_image_plane():
    framing = Framing(640, 360, 320, 240, "cover")
    n = 30
    ramp = np.linspace(0, 1, n)
    path = path_2d(framing, 1 + 0.8 * ramp, 25 * ramp, 40 * ramp, -15 * ramp, 0.5 - 0.2 * ramp, 0.5 + 0.1 * ramp,
                   fov=50)
    rng = np.random.default_rng(0)
    pixels = rng.uniform([0, 0], [640, 360], (50, 2))
    f = framing.source_focal(50)
    on_plane = np.column_stack([(pixels - framing.src_centre) / f * path.plane_distance, np.full(50, path.plane_distance)])
    for k in range(n):
        by_affine = pixels @ path.affine[k][:, :2].T + path.affine[k][:, 2]
        assert np.allclose(path.project(k, on_plane), by_affine, atol=1e-6)


def test_incremental_3d_moves_follow_the_camera_heading():
    """Deforum's 3D: each frame turns the camera and moves it along where it now looks."""
    framing = Framing(320, 180, 320, 180)
    n = 20
    steps = np.tile([0.0, 0.0, 0.1], (n, 1))
    turns = np.tile([0.0, 2.0, 0.0], (n, 1))  # pan 2 degrees a frame
    path = path_3d(framing, steps, turns, np.full(n, 40.0), np.ones(n), "incremental")
    position, heading = np.zeros(3), np.eye(3)
    for k in range(1, n):
        position = position + heading @ [0, 0, 0.1]
        heading = heading @ camera_head(2.0, 0, 0)
        assert np.allclose(path.position[k], position) and np.allclose(path.rotation[k], heading)
    assert path.position[-1][0] > 0.3  # it curved to the right
    absolute = path_3d(framing, np.column_stack([np.zeros(n), np.zeros(n), 0.1 * np.arange(n)]), np.zeros((n, 3)),
                       np.full(n, 40.0), np.ones(n))
    straight = path_3d(framing, steps, np.zeros((n, 3)), np.full(n, 40.0), np.ones(n), "incremental")
    assert np.allclose(absolute.position, straight.position)  # no turns: the two meanings agree


def test_head_rotation_signs():
    forward = np.array([0, 0, 1.0])
    assert camera_head(10, 0, 0) @ forward == pytest.approx([np.sin(np.radians(10)), 0, np.cos(np.radians(10))])
    assert (camera_head(0, 10, 0) @ forward)[1] < 0  # tilt up: looks towards -y (up)
    assert (camera_head(0, 0, 10) @ [1.0, 0, 0])[1] > 0  # roll: the camera's right tips down


def test_lens_zoom_and_fov_change_the_focal_length_only():
    framing = Framing(400, 300, 400, 300)
    path = path_3d(framing, np.zeros((3, 3)), np.zeros((3, 3)), np.array([40.0, 40.0, 20.0]), np.array([1.0, 2.0, 1.0]))
    assert path.focal[1] == pytest.approx(2 * path.focal[0])
    assert path.focal[2] == pytest.approx(path.focal[0] * np.tan(np.radians(20)) / np.tan(np.radians(10)))
    assert np.allclose(path.position, 0)
