"""Depth maps: reading depth images and turning their values into scene depth.

A depth image is greyscale (8- or 16-bit PNG/TIFF, or a float TIFF/EXR with values in 0..1; colour
images are averaged). Its values ``v`` (0..1) mean, per ``depth_format``:

- ``disparity`` (white is near; what MiDaS, Depth Anything and ControlNet depth maps are): inverse
  depth, linear between ``1/far`` (v = 0) and ``1/near`` (v = 1);
- ``depth`` (white is far): depth, linear between ``near`` (v = 0) and ``far`` (v = 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from shotgraph.errors import MediaError, ParamError

DepthFormat = Literal["disparity", "depth"]


def read_depth_image(path: Path | str) -> np.ndarray:
    """A depth image's values as float32 in 0..1 (integer images are divided by their largest code)."""
    path = Path(path)
    if not path.is_file():
        raise MediaError(f"depth image not found: {path}")
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED | cv2.IMREAD_ANYDEPTH)
    if image is None:
        raise MediaError(f"cannot read depth image {path}")
    if image.ndim == 3:
        image = image[..., :3].mean(axis=2) if image.shape[2] >= 3 else image[..., 0]
    if np.issubdtype(image.dtype, np.integer):
        values = image.astype(np.float32) / float(np.iinfo(image.dtype).max)
    else:
        values = image.astype(np.float32)
        if not np.isfinite(values).all() or values.min() < -1e-6 or values.max() > 1 + 1e-6:
            raise MediaError(f"{path}: a floating-point depth image must hold values in 0..1")
    return np.clip(values, 0.0, 1.0)


def values_to_depth(values: np.ndarray, depth_format: DepthFormat, near: float, far: float) -> np.ndarray:
    """Scene depth (float32, ``near`` .. ``far``) from 0..1 depth-image values."""
    if not 0 < near < far:
        raise ParamError(f"depth range needs 0 < near < far, got near={near:g}, far={far:g}")
    values = values.astype(np.float32)
    if depth_format == "disparity":
        inverse = 1.0 / far + values * (1.0 / near - 1.0 / far)
        return (1.0 / inverse).astype(np.float32)
    return (near + values * (far - near)).astype(np.float32)


def normalise_disparity(disparity: np.ndarray) -> np.ndarray:
    """A model's relative inverse depth scaled to 0..1 (farthest 0, nearest 1)."""
    disparity = disparity.astype(np.float32)
    lo, hi = float(disparity.min()), float(disparity.max())
    if hi - lo < 1e-12:
        return np.full_like(disparity, 0.5)
    return (disparity - lo) / (hi - lo)


def fit_to(values: np.ndarray, width: int, height: int) -> np.ndarray:
    """A depth map resampled to ``width x height`` (smoothly: depth edges stay where they are)."""
    if values.shape[:2] == (height, width):
        return values
    shrinking = values.shape[1] > width or values.shape[0] > height
    return cv2.resize(values, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)
