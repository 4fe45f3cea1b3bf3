"""Synthetic sequences with known motion, for flow and interpolation tests.

A smooth multi-scale random texture is panned, zoomed or rotated by known amounts per frame, or
has coloured sprites moving over it (occlusions). Every frame is rendered from the same texture by
an exact geometric transform, so any in-between time can be rendered too: the ground truth for
interpolation tests.
"""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np

from shotgraph.clip import FunctionClip, VideoInfo


def texture(width: int, height: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = np.zeros((height, width, 3), np.float32)
    for sigma, weight in ((1.0, 0.35), (3.0, 0.8), (8.0, 1.6)):
        noise = rng.normal(0, 1, (height, width, 3)).astype(np.float32)
        out += weight * cv2.GaussianBlur(noise, (0, 0), sigma) * sigma
    out = (out - out.mean()) / out.std() * 45 + 128
    return np.clip(out, 0, 255).astype(np.uint8)


def transformed(tex: np.ndarray, width: int, height: int, dx: float = 0, dy: float = 0, zoom: float = 1,
                angle: float = 0) -> np.ndarray:
    """The view of ``tex`` (centred) shifted by (dx, dy), zoomed and rotated (degrees) about the
    view's centre: content moves by (+dx, +dy) on screen."""
    th, tw = tex.shape[:2]
    centre = (width / 2, height / 2)
    matrix = cv2.getRotationMatrix2D(centre, angle, zoom)
    matrix[0, 2] += dx
    matrix[1, 2] += dy
    # screen -> texture: inverse of (texture centred on screen, then rotate/zoom, then shift)
    offset = np.array([[1, 0, -(tw - width) / 2], [0, 1, -(th - height) / 2], [0, 0, 1]])
    full = np.vstack([matrix, [0, 0, 1]]) @ offset
    return cv2.warpAffine(tex, full[:2], (width, height), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REFLECT)


def motion_frame(kind: str, time: float, width: int = 192, height: int = 128, seed: int = 0,
                 tex: np.ndarray | None = None) -> np.ndarray:
    """The frame at ``time`` (in frames) of a sequence with motion ``kind``: pan, zoom, rotate,
    sprites."""
    tex = tex if tex is not None else texture(width + 128, height + 128, seed)
    if kind == "pan":
        return transformed(tex, width, height, dx=3.0 * time, dy=-1.5 * time)
    if kind == "zoom":
        return transformed(tex, width, height, zoom=1.025**time)
    if kind == "rotate":
        return transformed(tex, width, height, angle=2.0 * time)
    if kind == "sprites":
        frame = transformed(tex, width, height)
        sprites = [((220, 40, 40), 20, 30, 4.0, 1.0, 18), ((40, 200, 60), 140, 80, -3.0, -1.5, 14),
                   ((40, 80, 230), 60, 90, 2.5, -2.0, 12)]
        for colour, x0, y0, vx, vy, radius in sprites:
            centre = (x0 + vx * time, y0 + vy * time)
            shifted = tuple(int(round(c * 16)) for c in centre)
            cv2.circle(frame, shifted, radius * 16, colour, -1, cv2.LINE_AA, shift=4)
            # a textured sprite so flow can lock on to it
            cv2.circle(frame, shifted, radius * 8, (255, 255, 255), 2, cv2.LINE_AA, shift=4)
        return frame
    raise ValueError(kind)


def motion_clip(kind: str, n_frames: int, step: float = 1.0, width: int = 192, height: int = 128, seed: int = 0,
                fps=Fraction(24)) -> FunctionClip:
    """``n_frames`` frames of motion ``kind`` at times 0, step, 2*step, ..."""
    tex = texture(width + 128, height + 128, seed)
    info = VideoInfo(width, height, Fraction(fps), n_frames)
    return FunctionClip(info, lambda i: motion_frame(kind, i * step, width, height, seed, tex), name=kind)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))
