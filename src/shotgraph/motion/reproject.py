"""Re-rendering a picture one frame's camera took as other frames' cameras see it.

``animate`` renders every frame from the still. A feedback loop (Deforum) instead moves the
*previous output*: a picture seen by frame ``a``'s camera is re-rendered for frame ``b``'s. With a
camera path from :mod:`shotgraph.motion.camera`:

- 2D: frame ``k``'s affine ``A_k`` maps still pixels to its output pixels, so frame ``a``'s picture
  appears in frame ``b`` under ``A_b A_a^-1``: one resampling, however many frames apart;
- 3D: the picture and its depth (camera z, as frame ``a`` sees it) form a scene whose source
  camera is frame ``a``'s; the other frames' cameras, expressed relative to it, render it with
  :class:`~shotgraph.motion.render3d.DepthScene` (exact parallax, uncovered background filled).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from shotgraph.motion.camera import CameraPath, Framing
from shotgraph.motion.render3d import DepthScene
from shotgraph.motion.texture import Border, Filter, MipTexture


def relative_path(camera: CameraPath, origin: int, frames: Sequence[int]) -> CameraPath:
    """A 3D path whose source camera is ``camera``'s frame ``origin`` (its picture is the "still",
    at the output size) and whose frames are ``origin`` followed by ``frames``."""
    framing = camera.framing
    out = Framing(framing.out_w, framing.out_h, framing.out_w, framing.out_h, "cover")
    indices = [origin, *frames]
    rotation0, position0 = camera.rotation[origin], camera.position[origin]
    # world -> origin camera: X' = R0^T (X - C0); a camera (C, R) becomes (R0^T (C - C0), R0^T R)
    position = (camera.position[indices] - position0) @ rotation0
    rotation = np.einsum("ji,njk->nik", rotation0, camera.rotation[indices])
    focal = camera.focal[indices].astype(np.float64)
    # the source camera's field of view across the shorter side, from its focal length in output pixels
    fov = math.degrees(2 * math.atan(min(out.out_w, out.out_h) / 2 / focal[0]))
    return CameraPath("3d", out, fov, position, rotation, focal)


class FrameView:
    """``image``, as frame ``origin`` of ``camera`` shows it, re-rendered for the frames ``targets``.

    ``depth`` (3D paths only) is the picture's camera-z depth at its own size.
    """

    def __init__(self, image: np.ndarray, camera: CameraPath, origin: int, targets: Sequence[int],
                 depth: np.ndarray | None = None, border: Border = "replicate", filter: Filter = "cubic"):
        self.camera, self.origin = camera, origin
        self.targets = {frame: index for index, frame in enumerate(targets, start=1)}
        self.out_w, self.out_h = camera.framing.out_w, camera.framing.out_h
        if image.shape[:2] != (self.out_h, self.out_w):
            raise ValueError("the picture must have the camera path's output size")
        if camera.mode == "2d":
            self.texture = MipTexture(image, border, filter)
            self.scene = None
        else:
            if depth is None:
                raise ValueError("a 3D camera path needs the picture's depth")
            self.scene = DepthScene(image, depth, relative_path(camera, origin, list(targets)), border, filter)

    def render(self, frame: int) -> np.ndarray:
        if frame not in self.targets:
            raise ValueError(f"frame {frame} is not one this view was made for")
        if self.scene is not None:
            return self.scene.render(self.targets[frame])
        square = np.eye(3)
        origin, target = square.copy(), square.copy()
        origin[:2], target[:2] = self.camera.affine[self.origin], self.camera.affine[frame]
        matrix = target @ np.linalg.inv(origin)
        scale = math.sqrt(abs(np.linalg.det(matrix[:2, :2])))
        return self.texture.warp(matrix[:2], self.out_w, self.out_h, scale)
