"""Restore faces: a face model (GFPGAN, CodeFormer, RestoreFormer through spandrel) on detected faces only.

Each frame's faces are found with OpenCV's Haar cascade (:mod:`shotgraph.backends.face_detect`);
a square around each face (``expand`` times the detected box) is cut out, resized to the model's
512x512, restored, resized back and pasted with a feathered mask (a ramp over ``feather`` of the
square's side, so no edge shows); everything outside those squares is left bit-for-bit untouched.
``strength`` blends restored and original faces.

Weights are the user's (nothing is downloaded): pass ``weights`` or put the file in the models
folder: ``$SHOTGRAPH_MODELS/gfpgan/GFPGANv1.4.pth`` (or v1.3), ``codeformer/codeformer.pth``
(needs ``pip install spandrel-extra-arches``; CodeFormer's weights are licensed for
non-commercial use only), ``restoreformer/RestoreFormer.pth``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.backends import face_detect
from shotgraph.backends.face_detect import FaceBox
from shotgraph.backends.spandrel_models import SPANDREL_FACES, face_weights_path
from shotgraph.backends.tiling import to_uint8
from shotgraph.clip import Clip, MapClip
from shotgraph.errors import ParamError
from shotgraph.ops.registry import OpKind, op, python_params
from shotgraph.params import FileRef

FACE_SIZE = 512  # what GFPGAN / CodeFormer / RestoreFormer are trained on
FACE_PURPOSES = ("FaceSR",)

class RestoreFacesParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    model: Literal["gfpgan", "codeformer", "restoreformer"] = Field(
        "gfpgan", description="which model's weights to look for in the models folder (when weights is unset)")
    weights: FileRef | None = Field(None, description="face model weights (.pth/.safetensors), any spandrel FaceSR model")
    strength: float = Field(1.0, ge=0, le=1, description="1: restored face, 0: original")
    expand: float = Field(1.8, ge=1, le=4, description="restored square side / detected face box side")
    feather: float = Field(0.15, gt=0, le=0.5, description="paste-back ramp width, fraction of the square side")
    min_face: int = Field(32, ge=16, description="smallest face to restore, in pixels")
    face_size: int = Field(FACE_SIZE, ge=64, le=2048, multiple_of=32,
                           description="side the model runs at (512 for GFPGAN, CodeFormer, RestoreFormer)")


def feather_mask(side: int, feather: float) -> np.ndarray:
    """``(side, side)`` float32: 1 in the middle, a linear ramp to ~0 over ``feather*side`` at the edges."""
    ramp = max(1.0, feather * side)
    distance = np.minimum(np.arange(side), np.arange(side)[::-1]).astype(np.float32) + 0.5
    edge = np.clip(distance / ramp, 0, 1)
    return np.minimum(edge[:, None], edge[None, :])


def face_square(box: FaceBox, expand: float) -> tuple[int, int, int]:
    """``(x, y, side)`` of the square to restore around ``box`` (may reach outside the frame)."""
    side = int(round(max(box.width, box.height) * expand))
    return box.x + box.width // 2 - side // 2, box.y + box.height // 2 - side // 2, side


def paste_face(frame: np.ndarray, restored: np.ndarray, x: int, y: int, mask: np.ndarray) -> None:
    """Blend ``restored`` (a square placed at ``x, y``) into ``frame`` in place, clipped to the frame."""
    height, width = frame.shape[:2]
    side = restored.shape[0]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + side, width), min(y + side, height)
    if x0 >= x1 or y0 >= y1:
        return
    part = (slice(y0 - y, y1 - y), slice(x0 - x, x1 - x))
    weight = mask[part][:, :, None]
    region = frame[y0:y1, x0:x1, :3].astype(np.float32)
    blended = region + weight * (restored[part].astype(np.float32) - region)
    frame[y0:y1, x0:x1, :3] = np.clip(blended + 0.5, 0, 255).astype(np.uint8)


def crop_square(frame: np.ndarray, x: int, y: int, side: int) -> np.ndarray:
    """The RGB square at ``x, y``, mirrored where it reaches outside the frame."""
    height, width = frame.shape[:2]
    pad = max(0, -x, -y, x + side - width, y + side - height)
    rgb = np.ascontiguousarray(frame[:, :, :3])
    if pad:
        rgb = cv2.copyMakeBorder(rgb, pad, pad, pad, pad, cv2.BORDER_REFLECT_101)
    return rgb[y + pad : y + pad + side, x + pad : x + pad + side]


def restore_frame(frame: np.ndarray, model, strength: float = 1.0, expand: float = 1.8, feather: float = 0.15,
                  min_face: int = 32, face_size: int = FACE_SIZE) -> np.ndarray:
    """``frame`` with every detected face replaced by ``model``'s restoration (see the module doc)."""
    boxes = face_detect.detect_faces(frame, min_face)
    if not boxes or strength == 0:
        return frame
    result = frame.copy()
    squares: list[tuple[int, int, int]] = []
    for box in boxes:  # largest first
        centre_x, centre_y = box.x + box.width / 2, box.y + box.height / 2
        if any(sx <= centre_x < sx + sside and sy <= centre_y < sy + sside for sx, sy, sside in squares):
            # Centred inside a larger face's square: far more often an ear or a lock of hair than a
            # second face, and it would be pasted over the first one anyway.
            continue
        x, y, side = face_square(box, expand)
        squares.append((x, y, side))
        face = cv2.resize(crop_square(frame, x, y, side), (face_size, face_size),
                          interpolation=cv2.INTER_AREA if side > face_size else cv2.INTER_CUBIC)
        restored = to_uint8(model(face))
        restored = cv2.resize(restored, (side, side),
                              interpolation=cv2.INTER_AREA if side < face_size else cv2.INTER_CUBIC)
        paste_face(result, restored, x, y, feather_mask(side, feather) * strength)
    return result


def restore_faces(clip: Clip, weights: str | Path | None = None, threads: int | None = None, **options) -> Clip:
    """Restore the faces in every frame of ``clip`` with a spandrel face model (user weights);
    ``options`` are :class:`RestoreFacesParams` fields (checked here, once)."""
    params = python_params("restore-faces", {**options, "weights": str(weights) if weights else None})
    return restored(clip, params, Path(weights) if weights else None, threads)


def restored(clip: Clip, params: "RestoreFacesParams", weights: Path | None, threads: int | None = None) -> Clip:
    """The op's work on validated ``params``."""
    from shotgraph.backends import spandrel_models

    path = face_weights_path(params.model, weights)
    face_model = spandrel_models.load(path, FACE_PURPOSES, threads or os.cpu_count() or 1)
    if face_model.scale != 1:
        raise ParamError(f"{path}: a x{face_model.scale} model; face restoration needs a x1 face model")
    return MapClip(clip, lambda frame, _i: restore_frame(frame, face_model, params.strength, params.expand,
                                                        params.feather, params.min_face, params.face_size))


@op(
    "restore-faces",
    version=1,
    params=RestoreFacesParams,
    kind=OpKind.FILTER,
    summary="Restore detected faces with GFPGAN / CodeFormer / RestoreFormer (spandrel, your weights), feathered.",
    backends=(SPANDREL_FACES,),
)
def _run(inputs, params: RestoreFacesParams, ctx):
    weights = ctx.file(params.weights) if params.weights else None
    return restored(inputs[0], params, weights, ctx.threads or None)
