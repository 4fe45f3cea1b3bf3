"""Masks: how a mask is carried as a clip, and the building blocks of segmentation.

**The mask convention.** A mask is an ordinary clip, so it can be a shot, an asset, a cached node
or a file, and any op can read it:

- a clip *with alpha* (an RGBA cut-out, ProRes 4444, PNG with transparency) is a mask through its
  alpha channel;
- any other clip is a mask through its grey level (white = inside, black = outside); shotgraph
  writes masks as grey RGB frames (R = G = B), which survive every codec.

Values in between are partial coverage (soft edges, feathering). :func:`mask_of` reads a frame as a
``(H, W)`` uint8 mask under this convention; :func:`grey_frame` writes one.
"""

from __future__ import annotations

import cv2
import numpy as np

INSIDE = 255
THRESHOLD = 128  # a soft value at or above this counts as inside for hard masks


def mask_of(frame: np.ndarray) -> np.ndarray:
    """The ``(H, W)`` uint8 mask a frame carries: its alpha if RGBA, else its grey level."""
    if frame.ndim == 2:
        return frame
    if frame.shape[2] == 4:
        return np.ascontiguousarray(frame[..., 3])
    return cv2.cvtColor(np.ascontiguousarray(frame), cv2.COLOR_RGB2GRAY)


def grey_frame(mask: np.ndarray) -> np.ndarray:
    """A ``(H, W)`` mask as an RGB grey frame (the form masks are written in)."""
    return cv2.cvtColor(np.ascontiguousarray(mask), cv2.COLOR_GRAY2RGB)


def binary(mask: np.ndarray) -> np.ndarray:
    """A soft mask as hard 0 / 255."""
    return np.where(mask >= THRESHOLD, INSIDE, 0).astype(np.uint8)


def fit_mask(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """A mask resized (bilinear) to ``width`` x ``height``, for masks made at another resolution."""
    if mask.shape[:2] == (height, width):
        return mask
    return cv2.resize(mask, (width, height), interpolation=cv2.INTER_LINEAR)


def grow(mask: np.ndarray, pixels: int) -> np.ndarray:
    """Dilate (``pixels`` > 0) or erode (< 0) a mask by a disc of that radius."""
    if pixels == 0:
        return mask
    size = 2 * abs(pixels) + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    return (cv2.dilate if pixels > 0 else cv2.erode)(mask, disc)


def feather(mask: np.ndarray, radius: float) -> np.ndarray:
    """A float32 0..1 weight from a mask, its edge softened over about ``radius`` pixels.

    A Gaussian with sigma ``radius / 2`` takes a hard edge from 0 to 1 over roughly ``2 * radius``
    pixels centred on the edge, the usual meaning of a feather width in compositing tools.
    """
    weight = mask.astype(np.float32) * (1.0 / 255.0)
    if radius <= 0:
        return weight
    return cv2.GaussianBlur(weight, (0, 0), sigmaX=radius / 2.0, sigmaY=radius / 2.0)
