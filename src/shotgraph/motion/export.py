"""Camera path exports: JSON (every number a renderer needs) and a CSV Blender can key a camera from.

JSON (``shotgraph-camera`` version 1) uses the scene conventions of :mod:`shotgraph.motion`:
``position`` is the camera centre and ``rotation`` the camera-to-world matrix in the source
camera's frame (``+x`` right, ``+y`` down, ``+z`` forward), ``focal_px`` the output focal length in
output pixels with the principal point at the output's centre. 2D shots are exported as the exact
equivalent camera over the image as a flat plane at ``image_plane.distance``; 2D frames also carry
``affine``, the 2x3 matrix from source pixels to output pixels.

CSV (Blender): one row per frame, ``frame`` numbered from 1 as Blender counts, ``location_*`` in
Blender's world (Z up: Blender X = our x, Blender Y = our z (forward), Blender Z = -y),
``rotation_*`` the camera object's XYZ Euler angles in degrees (Blender's camera looks down its
local -Z with +Y up), ``lens_mm`` for a ``sensor_width_mm`` sensor fitted horizontally. Set the
scene's resolution to the output size and its frame rate to the shot's; ``shotgraph camera
blender-script`` writes a script that keys the active camera from the CSV.
"""

from __future__ import annotations

import csv
import io
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np

from shotgraph.errors import ParamError
from shotgraph.fsutil import write_bytes_atomic
from shotgraph.motion.camera import CameraPath

SENSOR_WIDTH_MM = 36.0
# Our world (x right, y down, z forward) to Blender's world (X right, Y forward, Z up).
TO_BLENDER_WORLD = np.array([[1.0, 0, 0], [0, 0, 1.0], [0, -1.0, 0]])
# Blender camera axes (x right, y up, looking down -z) to OpenCV camera axes (x right, y down, z forward).
BLENDER_CAMERA_AXES = np.diag([1.0, -1.0, -1.0])
CSV_COLUMNS = ("frame", "time_s", "location_x", "location_y", "location_z", "rotation_x", "rotation_y",
               "rotation_z", "lens_mm", "sensor_width_mm")


def euler_xyz(matrix: np.ndarray) -> np.ndarray:
    """Blender's XYZ Euler angles (radians) of a rotation: ``R = Rz(c) @ Ry(b) @ Rx(a)``."""
    sy = -matrix[2, 0]
    b = math.asin(max(-1.0, min(1.0, sy)))
    if abs(sy) < 1 - 1e-9:
        a = math.atan2(matrix[2, 1], matrix[2, 2])
        c = math.atan2(matrix[1, 0], matrix[0, 0])
    else:  # gimbal lock: put all of the remaining turn in a
        a = math.atan2(-matrix[1, 2], matrix[1, 1])
        c = 0.0
    return np.array([a, b, c])


def blender_cameras(camera: CameraPath) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per frame: Blender location (n, 3), XYZ Euler degrees (n, 3, continuous), lens in mm (n,)."""
    location = camera.position @ TO_BLENDER_WORLD.T
    euler = np.array([euler_xyz(TO_BLENDER_WORLD @ r @ BLENDER_CAMERA_AXES) for r in camera.rotation])
    euler = np.unwrap(euler, axis=0)  # no 180-degree flips between frames: Blender interpolates them
    lens = camera.focal * SENSOR_WIDTH_MM / camera.framing.out_w
    return location + 0.0, np.degrees(euler) + 0.0, lens  # + 0.0: no "-0" in the files


def _clean(values: np.ndarray, digits: int = 9) -> list:
    return (np.round(values, digits) + 0.0).tolist()


def camera_json(camera: CameraPath, fps: Fraction, depth: dict | None = None) -> dict:
    """The camera path as a JSON-ready dict (see the module docstring)."""
    framing = camera.framing
    location, euler, lens = blender_cameras(camera)
    frames = []
    for k in range(camera.n_frames):
        entry = {
            "frame": k,
            "time": round(float(k / fps), 9),
            "position": _clean(camera.position[k]),
            "rotation": _clean(camera.rotation[k]),
            "focal_px": round(float(camera.focal[k]), 6),
            "fov_horizontal_deg": round(math.degrees(2 * math.atan(framing.out_w / 2 / camera.focal[k])), 6),
            "fov_vertical_deg": round(math.degrees(2 * math.atan(framing.out_h / 2 / camera.focal[k])), 6),
            "blender": {"frame": k + 1, "location": _clean(location[k]), "rotation_euler_xyz_deg": _clean(euler[k]),
                        "lens_mm": round(float(lens[k]), 6)},
        }
        if camera.affine is not None:
            entry["affine"] = _clean(camera.affine[k])
        frames.append(entry)
    document = {
        "format": "shotgraph-camera",
        "version": 1,
        "mode": camera.mode,
        "fps": f"{fps.numerator}/{fps.denominator}" if fps.denominator != 1 else fps.numerator,
        "frames": camera.n_frames,
        "source": {"width": framing.src_w, "height": framing.src_h, "focal_px": round(camera.source_focal, 6),
                   "fov_short_side_deg": camera.fov},
        "output": {"width": framing.out_w, "height": framing.out_h, "fit": framing.fit},
        "conventions": {
            "world": "the source camera's frame: +x right, +y down, +z forward (OpenCV)",
            "rotation": "camera-to-world 3x3 matrix; camera axes +x right, +y down, +z viewing direction",
            "pixels": "x right, y down, integer coordinates at pixel centres; principal point at the centre",
            "blender": "world X = x, Y = z, Z = -y; XYZ Euler degrees; frames from 1; sensor "
                       f"{SENSOR_WIDTH_MM:g} mm wide, fitted horizontally",
        },
        "camera": frames,
    }
    if camera.mode == "2d":
        f_src = camera.source_focal
        document["image_plane"] = {"distance": camera.plane_distance,
                                   "width": framing.src_w * camera.plane_distance / f_src,
                                   "height": framing.src_h * camera.plane_distance / f_src}
    if depth is not None:
        document["depth"] = depth
    return document


def camera_csv(camera: CameraPath, fps: Fraction) -> str:
    location, euler, lens = blender_cameras(camera)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for k in range(camera.n_frames):
        writer.writerow([k + 1, f"{float(k / fps):.6f}", *(f"{v:.6f}" for v in location[k]),
                         *(f"{v:.6f}" for v in euler[k]), f"{lens[k]:.6f}", f"{SENSOR_WIDTH_MM:g}"])
    return buffer.getvalue()


def check_camera_file(path: Path | str) -> str:
    """The camera file's format, ``.json`` or ``.csv``; check it before rendering anything."""
    suffix = Path(path).suffix.lower()
    if suffix not in (".json", ".csv") or Path(path).is_dir():
        raise ParamError(f"{path}: a camera path is written as .json or .csv (for Blender)")
    return suffix


def write_camera(camera: CameraPath, fps: Fraction, path: Path | str, depth: dict | None = None) -> Path:
    """Write the camera path to ``path``: ``.json`` or ``.csv`` (Blender), atomically."""
    path = Path(path)
    if check_camera_file(path) == ".json":
        text = json.dumps(camera_json(camera, fps, depth), indent=1) + "\n"
    else:
        text = camera_csv(camera, fps)
    write_bytes_atomic(path, text.encode())
    return path


BLENDER_SCRIPT = '''"""Key the active camera from a shotgraph camera CSV.

Run in Blender (Scripting tab, or: blender scene.blend --python import_camera.py -- camera.csv).
Set the scene's resolution to the shot's output size first.
"""
import csv
import math
import sys

import bpy

path = sys.argv[sys.argv.index("--") + 1] if "--" in sys.argv else bpy.path.abspath("//camera.csv")
scene = bpy.context.scene
camera = scene.camera
if camera is None:
    camera = bpy.data.objects.new("shotgraph camera", bpy.data.cameras.new("shotgraph camera"))
    scene.collection.objects.link(camera)
    scene.camera = camera
camera.rotation_mode = "XYZ"
camera.data.sensor_fit = "HORIZONTAL"
last = 1
with open(path, newline="") as handle:
    for row in csv.DictReader(handle):
        frame = int(row["frame"])
        camera.location = [float(row["location_" + a]) for a in "xyz"]
        camera.rotation_euler = [math.radians(float(row["rotation_" + a])) for a in "xyz"]
        camera.data.sensor_width = float(row["sensor_width_mm"])
        camera.data.lens = float(row["lens_mm"])
        camera.keyframe_insert("location", frame=frame)
        camera.keyframe_insert("rotation_euler", frame=frame)
        camera.data.keyframe_insert("lens", frame=frame)
        last = frame
scene.frame_start, scene.frame_end = 1, last
'''
