"""Synthetic stills for camera-motion tests: coloured discs to measure moves, and two-plane depth scenes."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np

DISC_COLOURS = [(230, 40, 40), (40, 200, 60), (40, 80, 240), (240, 220, 40), (220, 50, 220), (40, 220, 220)]


def disc_still(width: int = 640, height: int = 360, radius: int = 16, spread: float = 0.22,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A grey textured still with six coloured discs around its centre; returns it and the disc
    centres in source pixels (6, 2)."""
    rng = np.random.default_rng(seed)
    image = np.clip(128 + rng.normal(0, 6, (height, width, 3)), 0, 255).astype(np.uint8)
    centre = np.array([(width - 1) / 2, (height - 1) / 2])
    centres = []
    for k, colour in enumerate(DISC_COLOURS):
        angle = 2 * math.pi * k / len(DISC_COLOURS) + 0.3
        at = centre + spread * min(width, height) * np.array([math.cos(angle) * 1.6, math.sin(angle)])
        # anti-aliased disc: 8x supersampled so its centroid is exactly its centre
        cv2.circle(image, (int(round(at[0] * 8)), int(round(at[1] * 8))), radius * 8, colour, -1, cv2.LINE_AA, 3)
        centres.append(np.round(at * 8) / 8)
    return image, np.array(centres)


def disc_centroids(frame: np.ndarray, tolerance: float = 70.0) -> np.ndarray:
    """Centroid of each coloured disc in a frame (nan where a disc is not visible)."""
    pixels = frame[..., :3].astype(np.float32)
    found = []
    for colour in DISC_COLOURS:
        distance = np.linalg.norm(pixels - np.array(colour, np.float32), axis=2)
        mask = distance < tolerance
        if mask.sum() < 5:
            found.append((np.nan, np.nan))
            continue
        ys, xs = np.nonzero(mask)
        found.append((xs.mean(), ys.mean()))
    return np.array(found)


def fit_similarity(src: np.ndarray, dst: np.ndarray) -> tuple[float, float, np.ndarray]:
    """Least-squares ``dst = s R(angle) src + shift`` (angle counter-clockwise on screen, degrees):
    returns scale, angle and the 2x3 matrix."""
    ok = np.isfinite(dst).all(axis=1)
    src, dst = src[ok], dst[ok]
    rows, rhs = [], []
    for (x, y), (u, v) in zip(src, dst):
        rows.append([x, y, 1, 0])
        rhs.append(u)
        rows.append([y, -x, 0, 1])
        rhs.append(v)
    a, b, tx, ty = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
    matrix = np.array([[a, b, tx], [-b, a, ty]])
    return math.hypot(a, b), math.degrees(math.atan2(b, a)), matrix


def two_plane_scene(width: int = 480, height: int = 270, box=(190, 95, 290, 175), seed: int = 3):
    """A textured teal background with a textured red rectangle in front of it.

    Returns the image, a 16-bit disparity image (rectangle white = ``near``, background black =
    ``far``) and the rectangle (x0, y0, x1, y1)."""
    rng = np.random.default_rng(seed)
    def texture() -> np.ndarray:  # blurred noise stretched to 0..1: detail that survives resampling
        noise = cv2.GaussianBlur(rng.random((height, width)).astype(np.float32), (0, 0), 1.5)
        return (noise - noise.min()) / (noise.max() - noise.min())

    noise, patch = texture(), texture()
    image = np.stack([20 + 60 * noise, 80 + 100 * noise, 100 + 100 * noise], axis=2).astype(np.uint8)
    x0, y0, x1, y1 = box
    image[y0:y1, x0:x1, 0] = 255
    image[y0:y1, x0:x1, 1] = (100 * patch[y0:y1, x0:x1]).astype(np.uint8)
    image[y0:y1, x0:x1, 2] = (80 * patch[y0:y1, x0:x1]).astype(np.uint8)
    disparity = np.zeros((height, width), np.uint16)
    disparity[y0:y1, x0:x1] = 65535
    return image, disparity, box


def red_centroid(frame: np.ndarray) -> np.ndarray:
    """Centre of the red rectangle of :func:`two_plane_scene` in a frame."""
    red = (frame[..., 0] > 200) & (frame[..., 1] < 110) & (frame[..., 2] < 90)
    ys, xs = np.nonzero(red)
    return np.array([xs.mean(), ys.mean()])


def write_depth_png(path: Path, disparity: np.ndarray) -> Path:
    cv2.imwrite(str(path), disparity)
    return path
