"""Per-frame cameras from schedules: a 2D affine per frame, or a 3D pose and focal length per frame.

Two ways to read the schedules (``motion``):

- ``absolute``: a schedule is the camera's state at that frame (``zoom: "0:(1), 48:(1.5)"`` ends
  50% bigger; ``translation_x: "0:(0), 48:(100)"`` ends 100 px to the right);
- ``incremental``: Deforum's meaning: a schedule is the change *per frame* (``zoom: "0:(1.02)"``
  grows 2% a frame; 3D moves are relative to where the camera looks). Frame 0 is the still as is.

Either way each frame's camera is composed exactly and the frame is rendered from the source in
one resampling, so long moves never accumulate blur.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

Mode = Literal["2d", "3d"]
Motion = Literal["absolute", "incremental"]
Fit = Literal["cover", "contain"]


@dataclass(frozen=True)
class Framing:
    """Source and output sizes, and how the source sits in the output at the start (zoom 1)."""

    src_w: int
    src_h: int
    out_w: int
    out_h: int
    fit: Fit = "cover"

    @property
    def base_scale(self) -> float:
        """Output pixels per source pixel at zoom 1."""
        pick = max if self.fit == "cover" else min
        return pick(self.out_w / self.src_w, self.out_h / self.src_h)

    @property
    def src_centre(self) -> np.ndarray:
        return np.array([(self.src_w - 1) / 2, (self.src_h - 1) / 2])

    @property
    def out_centre(self) -> np.ndarray:
        return np.array([(self.out_w - 1) / 2, (self.out_h - 1) / 2])

    def source_focal(self, fov_deg: float) -> float:
        """Focal length in source pixels for a field of view across the shorter side."""
        return (min(self.src_w, self.src_h) / 2) / math.tan(math.radians(fov_deg) / 2)


def rotation_x(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[1.0, 0, 0], [0, c, -s], [0, s, c]])


def rotation_y(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, 0, s], [0, 1.0, 0], [-s, 0, c]])


def rotation_z(deg: float) -> np.ndarray:
    c, s = math.cos(math.radians(deg)), math.sin(math.radians(deg))
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1.0]])


def camera_head(pan: float, tilt: float, roll: float) -> np.ndarray:
    """Camera-to-world rotation: pan (about y), then tilt (about the panned x), then roll."""
    return rotation_y(pan) @ rotation_x(tilt) @ rotation_z(roll)


def similarity(zoom: float, angle: float, shift_x: float, shift_y: float, pivot: np.ndarray) -> np.ndarray:
    """3x3 matrix: scale by ``zoom`` and turn ``angle`` degrees counter-clockwise about ``pivot``
    (pixels), then move by ``(shift_x, shift_y)`` pixels."""
    c, s = math.cos(math.radians(angle)) * zoom, math.sin(math.radians(angle)) * zoom
    px, py = pivot
    # y points down, so a counter-clockwise turn on screen is [[c, s], [-s, c]] (OpenCV's convention)
    return np.array([[c, s, px - c * px - s * py + shift_x],
                     [-s, c, py + s * px - c * py + shift_y],
                     [0.0, 0.0, 1.0]])


@dataclass
class CameraPath:
    """Every frame's camera. ``affine[k]`` (2D mode) maps source pixels to output pixels of frame k;
    ``position[k]`` / ``rotation[k]`` / ``focal[k]`` (both modes) are the 3D camera (for 2D mode,
    the exactly equivalent camera over an image plane at distance ``plane_distance``)."""

    mode: Mode
    framing: Framing
    fov: float  # the source camera's field of view across the shorter side, degrees
    position: np.ndarray  # (n, 3) camera centre in scene coordinates
    rotation: np.ndarray  # (n, 3, 3) camera to world
    focal: np.ndarray  # (n,) output focal length, output pixels
    affine: np.ndarray | None = None  # (n, 2, 3), 2D mode only
    plane_distance: float = 1.0  # 2D mode: the image plane's depth in the equivalent 3D scene

    @property
    def n_frames(self) -> int:
        return len(self.focal)

    @property
    def source_focal(self) -> float:
        return self.framing.source_focal(self.fov)

    def project(self, frame: int, points: np.ndarray) -> np.ndarray:
        """Output pixel positions of scene points ``(..., 3)`` seen by frame ``frame``'s camera."""
        camera = (points - self.position[frame]) @ self.rotation[frame]  # R^T (X - C), row vectors
        return self.focal[frame] * camera[..., :2] / camera[..., 2:3] + self.framing.out_centre

    def texture_scale(self, frame: int) -> float:
        """Output pixels per source pixel at the picture's centre (for choosing a mip level)."""
        if self.affine is not None:
            return float(math.sqrt(abs(np.linalg.det(self.affine[frame, :, :2]))))
        return float(self.focal[frame] / self.source_focal)


def _pivots(framing: Framing, centre_x: np.ndarray, centre_y: np.ndarray) -> np.ndarray:
    """Transform centres as fractions of the output frame, in output pixels."""
    return np.stack([centre_x * framing.out_w - 0.5, centre_y * framing.out_h - 0.5], axis=1)


def path_2d(framing: Framing, zoom: np.ndarray, angle: np.ndarray, translation_x: np.ndarray,
            translation_y: np.ndarray, centre_x: np.ndarray, centre_y: np.ndarray,
            motion: Motion = "absolute", fov: float = 40.0) -> CameraPath:
    """2D cameras: the source placed by ``framing``, then zoomed/turned/moved per the schedules."""
    n = len(zoom)
    b = framing.base_scale
    cs, co = framing.src_centre, framing.out_centre
    base = np.array([[b, 0, co[0] - b * cs[0]], [0, b, co[1] - b * cs[1]], [0, 0, 1.0]])
    pivots = _pivots(framing, centre_x, centre_y)
    matrices = np.empty((n, 3, 3))
    current = base
    for k in range(n):
        step = similarity(zoom[k], angle[k], translation_x[k], translation_y[k], pivots[k])
        if motion == "absolute":
            matrices[k] = step @ base
        else:  # Deforum: frame k is frame k-1 moved by frame k's values; frame 0 is the still
            current = current if k == 0 else step @ current
            matrices[k] = current
    return _plane_camera(framing, matrices, fov)


def _plane_camera(framing: Framing, matrices: np.ndarray, fov: float, distance: float = 1.0) -> CameraPath:
    """The 3D camera that sees an image plane at ``distance`` exactly as each 2D similarity shows it.

    The plane is the source image as the source camera (field of view ``fov``) saw it. A similarity
    ``p_out = k R(a) (p_src - c_src) + c_out + offset`` is the camera rolled by ``a``, at depth
    ``distance * (1 - b / k)``, shifted sideways against ``offset``, with focal length ``b * f_src``.
    """
    n = len(matrices)
    b = framing.base_scale
    f_src = framing.source_focal(fov)
    focal = b * f_src
    position = np.zeros((n, 3))
    rotation = np.empty((n, 3, 3))
    for k, m in enumerate(matrices):
        linear = m[:2, :2]
        scale = math.sqrt(abs(np.linalg.det(linear)))
        angle = math.degrees(math.atan2(linear[0, 1], linear[0, 0]))
        offset = m[:2, :2] @ framing.src_centre + m[:2, 2] - framing.out_centre
        rotation[k] = rotation_z(angle)
        depth_to_plane = distance * b / scale
        position[k, 2] = distance - depth_to_plane
        position[k, :2] = -(depth_to_plane / focal) * (rotation[k][:2, :2] @ offset)
    return CameraPath("2d", framing, fov, position, rotation, np.full(n, focal), matrices[:, :2, :].copy(), distance)


def path_3d(framing: Framing, translation: np.ndarray, rotation_deg: np.ndarray, fov: np.ndarray,
            zoom: np.ndarray, motion: Motion = "absolute") -> CameraPath:
    """3D cameras. ``translation`` (n, 3) in scene units, ``rotation_deg`` (n, 3) as (x tilt, y pan,
    z roll); ``fov`` (n,) the lens's field of view (frame 0's is the source camera's), ``zoom`` (n,)
    a further focal-length factor."""
    n = len(fov)
    fov0 = float(fov[0])
    short_side = min(framing.src_w, framing.src_h) / 2
    focal = framing.base_scale * zoom * short_side / np.tan(np.radians(fov) / 2)
    position = np.zeros((n, 3))
    rotation = np.empty((n, 3, 3))
    pos, rot = np.zeros(3), np.eye(3)
    for k in range(n):
        head = camera_head(rotation_deg[k, 1], rotation_deg[k, 0], rotation_deg[k, 2])
        if motion == "absolute":
            position[k], rotation[k] = translation[k], head
        else:  # Deforum: each frame moves relative to the camera's current position and heading
            if k > 0:
                pos = pos + rot @ translation[k]
                rot = rot @ head
            position[k], rotation[k] = pos, rot
    if motion == "incremental":
        focal = framing.base_scale * np.cumprod(np.where(np.arange(n) == 0, 1.0, zoom)) * short_side / np.tan(
            np.radians(fov) / 2)
    return CameraPath("3d", framing, fov0, position, rotation, focal)
