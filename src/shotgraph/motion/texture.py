"""Sampling a still for any camera: a mip pyramid, border modes, and one resampling per frame.

When the camera pulls back, a source pixel covers less than an output pixel and plain cubic
sampling aliases (shimmering edges, moire). Like a GPU's trilinear filtering, the still is kept at
halving sizes and each frame samples the two levels around its scale and blends them, so the
picture neither shimmers nor pops sharper/blurrier when the level changes.
"""

from __future__ import annotations

import math
from typing import Literal

import cv2
import numpy as np

Border = Literal["replicate", "reflect", "wrap", "black"]
Filter = Literal["cubic", "linear", "lanczos", "nearest"]

BORDERS = {
    "replicate": cv2.BORDER_REPLICATE,
    "reflect": cv2.BORDER_REFLECT,
    "wrap": cv2.BORDER_WRAP,
    "black": cv2.BORDER_CONSTANT,
}
FILTERS = {"cubic": cv2.INTER_CUBIC, "linear": cv2.INTER_LINEAR, "lanczos": cv2.INTER_LANCZOS4,
           "nearest": cv2.INTER_NEAREST}
MIN_LEVEL_SIZE = 8
# Levels are picked half a level sharper than the scale asks: cubic sampling down to 0.7x barely
# aliases, while blending in the next (half-size) level visibly softens gentle zoom-outs.
LOD_BIAS = 0.5
MAGNIFIED_FROM = 0.75  # scales from which the 2x magnified copy is sampled (it is 2x: still 1.5x)
MAGNIFIED_BUDGET = 16_000_000  # pixels: bigger stills are sampled bicubically instead


class MipTexture:
    """An image and its halvings; ``warp`` / ``remap`` sample it in source-pixel coordinates.

    With the ``cubic`` filter the image is also kept magnified 2x (bicubic, made once), and frames
    that do not shrink it much are sampled bilinearly from that: within ~47 dB PSNR of sampling
    bicubically every frame, at a fifth of the cost (OpenCV's per-frame bicubic warp is slow).
    """

    def __init__(self, image: np.ndarray, border: Border = "replicate", filter: Filter = "cubic"):
        image = np.ascontiguousarray(image)
        self.height, self.width = image.shape[:2]
        self.levels = [image]
        while min(self.levels[-1].shape[:2]) >= 2 * MIN_LEVEL_SIZE:
            prev = self.levels[-1]
            size = (max(1, prev.shape[1] // 2), max(1, prev.shape[0] // 2))
            self.levels.append(cv2.resize(prev, size, interpolation=cv2.INTER_AREA))
        self.magnified = None
        if filter == "cubic" and 4 * self.width * self.height <= MAGNIFIED_BUDGET:
            # pixel 2k of the copy is pixel k of the still, so unmoved pixels stay exactly as sharp
            double = np.array([[2.0, 0, 0], [0, 2.0, 0]])
            self.magnified = cv2.warpAffine(image, double, (2 * self.width - 1, 2 * self.height - 1),
                                            flags=cv2.INTER_CUBIC,
                                            borderMode=cv2.BORDER_REPLICATE)
        self.border_name, self.filter_name = border, filter
        self.border = BORDERS[border]
        # sampling each level: bilinear when the magnified copy stands in for bicubic
        self.filter = cv2.INTER_LINEAR if self.magnified is not None else FILTERS[filter]
        # "black" is transparent black for images with alpha
        self.border_value = (0, 0, 0, 0) if image.ndim == 3 and image.shape[2] == 4 else (0, 0, 0)

    def _image(self, level: int) -> np.ndarray:
        return self.magnified if level < 0 else self.levels[level]

    def _level_map(self, level: int) -> tuple[float, float, float, float]:
        """``(ax, bx, ay, by)``: source pixel x sits at level pixel ``ax * x + bx`` (and y alike)."""
        if level < 0:
            return 2.0, 0.0, 2.0, 0.0
        h, w = self._image(level).shape[:2]
        sx, sy = w / self.width, h / self.height  # halvings keep the image's edges where they were
        return sx, 0.5 * sx - 0.5, sy, 0.5 * sy - 0.5

    def _levels_for(self, scale: float) -> list[tuple[int, float]]:
        """(level, weight) pairs for output-pixels-per-source-pixel ``scale`` (level -1: magnified)."""
        if self.magnified is not None and scale >= MAGNIFIED_FROM:
            return [(-1, 1.0)]
        lod = min(math.log2(1 / scale) - LOD_BIAS, len(self.levels) - 1) if scale > 0 else len(self.levels) - 1
        if lod <= 0:
            return [(0, 1.0)]
        level, frac = int(lod), lod - int(lod)
        if frac < 1e-3 or level + 1 >= len(self.levels):
            return [(level, 1.0)]
        return [(level, 1.0 - frac), (level + 1, frac)]

    def warp(self, affine: np.ndarray, out_w: int, out_h: int, scale: float) -> np.ndarray:
        """The image under ``affine`` (2x3, source pixels to output pixels), as ``out_w x out_h``."""
        results = []
        for level, weight in self._levels_for(scale):
            ax, bx, ay, by = self._level_map(level)
            to_source = np.array([[1 / ax, 0, -bx / ax], [0, 1 / ay, -by / ay], [0, 0, 1]])
            matrix = (np.vstack([affine, [0, 0, 1]]) @ to_source)[:2]
            warped = cv2.warpAffine(self._image(level), matrix, (out_w, out_h), flags=self.filter,
                                    borderMode=self.border, borderValue=self.border_value)
            results.append((warped, weight))
        return _blend(results)

    def remap(self, map_x: np.ndarray, map_y: np.ndarray, scale: float) -> np.ndarray:
        """The image sampled at source-pixel coordinates ``(map_x, map_y)`` (float32 arrays)."""
        results = []
        for level, weight in self._levels_for(scale):
            ax, bx, ay, by = self._level_map(level)
            if level == 0:
                mx, my = map_x, map_y
            else:
                mx = map_x * np.float32(ax) + np.float32(bx)
                my = map_y * np.float32(ay) + np.float32(by)
            sampled = cv2.remap(self._image(level), mx, my, self.filter, borderMode=self.border,
                                borderValue=self.border_value)
            results.append((sampled, weight))
        return _blend(results)

    def sample(self, xs: np.ndarray, ys: np.ndarray, scale: float) -> np.ndarray:
        """Colours ``(n, channels)`` at scattered source-pixel positions (1D float32 arrays)."""
        rows_x, rows_y = as_rows(xs), as_rows(ys)
        sampled = self.remap(rows_x, rows_y, scale)
        return sampled.reshape(-1, sampled.shape[-1] if sampled.ndim == 3 else 1)[: len(xs)]


ROW = 1024  # OpenCV's remap needs maps under 32767 pixels a side: scattered points go in rows


def as_rows(values: np.ndarray) -> np.ndarray:
    """A 1D float32 array as rows of ``ROW`` (padded with the last value) for ``cv2.remap``."""
    n = len(values)
    padded = np.empty(-(-max(n, 1) // ROW) * ROW, np.float32)
    padded[:n] = values
    padded[n:] = values[-1] if n else 0
    return padded.reshape(-1, ROW)


def _blend(results: list[tuple[np.ndarray, float]]) -> np.ndarray:
    if len(results) == 1:
        return results[0][0]
    (a, wa), (b, wb) = results
    return cv2.addWeighted(a, wa, b, wb, 0.0)
