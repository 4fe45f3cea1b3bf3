"""Camera exports: a Blender camera keyed from the CSV sees the scene where the rendered frames show it."""

from __future__ import annotations

import csv
import io
import json
import math
from fractions import Fraction

import numpy as np
import pytest
from cli_runner import shotgraph
import yaml
from projects import make_project
from scenes import disc_centroids, disc_still, red_centroid, two_plane_scene, write_depth_png

from shotgraph.motion.export import camera_csv, camera_json, euler_xyz
from shotgraph.ops.animate import animate


def blender_project(row: dict, point: np.ndarray, width: int, height: int) -> np.ndarray:
    """Where a Blender camera keyed from a CSV row puts a point given in shotgraph scene coordinates
    (Blender's rules, written out here independently of the exporter)."""
    world = np.array([point[0], point[2], -point[1]])  # Blender is Z up, Y forward
    a, b, c = (math.radians(float(row[f"rotation_{axis}"])) for axis in "xyz")
    rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
    ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
    rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
    location = np.array([float(row[f"location_{axis}"]) for axis in "xyz"])
    local = (rz @ ry @ rx).T @ (world - location)  # camera looks down its -Z, +Y up
    focal = float(row["lens_mm"]) / float(row["sensor_width_mm"]) * width  # horizontal sensor fit
    return np.array([(width - 1) / 2 + focal * local[0] / -local[2], (height - 1) / 2 - focal * local[1] / -local[2]])


def polygon_centroid(points: np.ndarray) -> np.ndarray:
    x, y = points[:, 0], points[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    cross = x * yn - xn * y
    area = cross.sum() / 2
    return np.array([((x + xn) * cross).sum(), ((y + yn) * cross).sum()]) / (6 * area)


def rows(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_blender_camera_matches_a_3d_render(tmp_path):
    image, disparity, (x0, y0, x1, y1) = two_plane_scene()
    depth = write_depth_png(tmp_path / "depth.png", disparity)
    clip = animate(image, duration=1, fps=24, mode="3d", depth=depth, near=2, far=8,
                   translation_x="0:(0), 23:(0.3)", translation_z="0:(0), 23:(0.4)", translation_y="0:(0), 23:(-0.1)",
                   rotation_3d_y="0:(0), 23:(4)", rotation_3d_x="0:(0), 23:(-2)", rotation_3d_z="0:(0), 23:(3)")
    table = rows(camera_csv(clip.camera, Fraction(24)))
    assert [int(r["frame"]) for r in table] == list(range(1, 25))
    f = clip.camera.source_focal
    cx, cy = (image.shape[1] - 1) / 2, (image.shape[0] - 1) / 2
    # the rectangle's corners (pixel edges) on the near plane, at depth 2
    corners = [2.0 * np.array([(x - 0.5 - cx) / f, (y - 0.5 - cy) / f, 1]) for x, y in
               ((x0, y0), (x1, y0), (x1, y1), (x0, y1))]
    for k in (0, 8, 16, 23):
        seen = red_centroid(clip.frame_at(k))
        quad = np.array([blender_project(table[k], c, image.shape[1], image.shape[0]) for c in corners])
        predicted = polygon_centroid(quad)  # the centroid of the rectangle's perspective image
        assert np.allclose(predicted, seen, atol=0.5), (k, predicted, seen)


def test_blender_camera_matches_a_2d_render():
    """A 2D move exported as a camera over the image plane: the discs land where Blender says."""
    image, centres = disc_still(640, 360)
    clip = animate(image, duration=1, fps=24, width=320, height=180, zoom="0:(1), 23:(1.5)",
                   angle="0:(0), 23:(20)", translation_x="0:(0), 23:(30)", translation_y="0:(0), 23:(10)",
                   center_x="0:(0.5), 23:(0.4)")
    document = camera_json(clip.camera, Fraction(24))
    plane = document["image_plane"]
    table = rows(camera_csv(clip.camera, Fraction(24)))
    for k in (0, 12, 23):
        seen = disc_centroids(clip.frame_at(k))
        for (sx, sy), (u, v) in zip(centres, seen):
            point = np.array([(sx + 0.5) / 640 * plane["width"] - plane["width"] / 2,
                              (sy + 0.5) / 360 * plane["height"] - plane["height"] / 2, plane["distance"]])
            assert np.allclose(blender_project(table[k], point, 320, 180), [u, v], atol=0.3), k


def test_json_holds_the_camera_in_documented_conventions():
    image, _ = disc_still(320, 180, radius=8)
    clip = animate(image, duration=0.5, fps=Fraction(30000, 1001), zoom="0:(1), 14:(1.3)")
    document = json.loads(json.dumps(camera_json(clip.camera, Fraction(30000, 1001))))
    assert document["format"] == "shotgraph-camera" and document["mode"] == "2d"
    assert document["fps"] == "30000/1001" and document["frames"] == len(document["camera"]) == 15
    for entry, affine in zip(document["camera"], clip.camera.affine):
        rotation = np.array(entry["rotation"])
        assert np.allclose(rotation @ rotation.T, np.eye(3), atol=1e-8)
        assert np.allclose(entry["affine"], affine, atol=1e-8)
    last = document["camera"][-1]
    assert last["position"][2] == pytest.approx(1 - 1 / 1.3)  # moved 1 - 1/zoom towards the plane


def test_euler_angles_rebuild_the_rotation():
    rng = np.random.default_rng(0)
    for _ in range(50):
        q = rng.normal(size=4)
        q /= np.linalg.norm(q)
        w, x, y, z = q
        matrix = np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)],
                           [2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)],
                           [2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)]])
        a, b, c = euler_xyz(matrix)
        rx = np.array([[1, 0, 0], [0, math.cos(a), -math.sin(a)], [0, math.sin(a), math.cos(a)]])
        ry = np.array([[math.cos(b), 0, math.sin(b)], [0, 1, 0], [-math.sin(b), 0, math.cos(b)]])
        rz = np.array([[math.cos(c), -math.sin(c), 0], [math.sin(c), math.cos(c), 0], [0, 0, 1]])
        assert np.allclose(rz @ ry @ rx, matrix, atol=1e-9)




def test_cli_animate_writes_video_and_camera_files(tmp_path):
    from shotgraph.media import open_video, write_image

    image, _ = disc_still(320, 180, radius=8)
    write_image(tmp_path / "still.png", image)
    result = shotgraph("animate", tmp_path / "still.png", "-o", tmp_path / "out.mp4", "--duration", 1, "--fps", 12,
                       "--zoom", "0:(1), 11:(1.2)", "--width", 160, "--height", 90,
                       "--camera", tmp_path / "cam.json", "--camera", tmp_path / "cam.csv")
    assert result.returncode == 0, result.stderr
    clip = open_video(tmp_path / "out.mp4")
    assert (clip.n_frames, clip.video.width, clip.video.height, clip.video.fps) == (12, 160, 90, 12)
    assert json.loads((tmp_path / "cam.json").read_text())["frames"] == 12
    assert len(rows((tmp_path / "cam.csv").read_text())) == 12
    help_text = shotgraph("animate", "--help").stdout
    assert "--camera" in help_text and "--translation-z" in help_text and "--clip" not in help_text
    bad = shotgraph("animate", tmp_path / "still.png", "-o", tmp_path / "x.mp4", "--zoom", "0:(1.0+sin(t)")
    assert bad.returncode != 0 and "Traceback" not in bad.stderr and "character 14" in bad.stderr


def test_cli_camera_export_from_a_project_and_blender_script(tmp_path):
    path = make_project(tmp_path / "proj")
    document = yaml.safe_load(path.read_text())
    document["shots"]["move"] = {"source": {"op": "animate", "clip": "b", "duration": 0.5, "mode": "2d",
                                            "zoom": "0:(1), 11:(1.4)"}}
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    result = shotgraph("camera", "export", path, "move", "-o", tmp_path / "c.json", "-o", tmp_path / "c.csv")
    assert result.returncode == 0, result.stderr
    exported = json.loads((tmp_path / "c.json").read_text())
    assert exported["frames"] == 12 and exported["source"]["width"] == 160  # b is resized to 160x120
    assert len(rows((tmp_path / "c.csv").read_text())) == 12
    not_animate = shotgraph("camera", "export", path, "a", "-o", tmp_path / "a.json")
    assert not_animate.returncode != 0 and "not animate" in not_animate.stderr
    script = shotgraph("camera", "blender-script", "-o", tmp_path / "import_camera.py")
    assert script.returncode == 0
    code = (tmp_path / "import_camera.py").read_text()
    compile(code, "import_camera.py", "exec")  # valid Python for Blender
    assert "keyframe_insert" in code and "rotation_euler" in code
