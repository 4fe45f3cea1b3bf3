"""Chroma / colour keying with spill suppression.

The key works on chroma (Cb, Cr of BT.709 YCbCr), so shadows and highlights on a green screen key
the same as its middle tones: a pixel's matte value rises from 0 to 1 as its chroma distance from
the key colour goes from ``tolerance`` to ``tolerance + softness``. Spill suppression removes the
key colour's cast from what is kept: the part of each pixel's chroma that points towards the key
colour is taken out (scaled by ``spill``), so green fringes and bounce light turn neutral while
other colours keep their hue.
"""

from __future__ import annotations

import numpy as np

# BT.709 RGB -> (Cb, Cr), scaled so both range about -128..127 for 8-bit input
_CHROMA = np.array([[-0.1146, -0.3854, 0.5], [0.5, -0.4542, -0.0458]], np.float32)
_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


def chroma(rgb: np.ndarray) -> np.ndarray:
    return rgb[..., :3].astype(np.float32) @ _CHROMA.T


def estimate_key_colour(frame: np.ndarray, border: float = 0.05) -> tuple[int, int, int]:
    """The backdrop colour of a keyable frame: the median of a border ring of the frame."""
    height, width = frame.shape[:2]
    by, bx = max(1, int(height * border)), max(1, int(width * border))
    ring = np.concatenate([frame[:by].reshape(-1, frame.shape[2]), frame[-by:].reshape(-1, frame.shape[2]),
                           frame[:, :bx].reshape(-1, frame.shape[2]), frame[:, -bx:].reshape(-1, frame.shape[2])])
    return tuple(int(v) for v in np.median(ring[:, :3], axis=0))


def key_matte(frame: np.ndarray, key_rgb: tuple[int, int, int], tolerance: float, softness: float) -> np.ndarray:
    """Foreground matte (uint8, 255 = keep) of ``frame`` against a backdrop of colour ``key_rgb``."""
    key = chroma(np.array(key_rgb, np.float32)[None, None])[0, 0]
    distance = np.linalg.norm(chroma(frame) - key, axis=2)
    alpha = np.clip((distance - tolerance) / max(softness, 1e-3), 0.0, 1.0)
    return np.round(alpha * 255).astype(np.uint8)


def suppress_spill(frame: np.ndarray, key_rgb: tuple[int, int, int], amount: float = 1.0) -> np.ndarray:
    """``frame`` with the key colour's chroma cast removed (luma kept)."""
    if amount <= 0:
        return frame[..., :3]
    rgb = frame[..., :3].astype(np.float32)
    key = chroma(np.array(key_rgb, np.float32)[None, None])[0, 0]
    norm = float(np.linalg.norm(key))
    if norm < 1e-3:
        return frame[..., :3]  # a grey key has no hue to suppress
    direction = key / norm
    c = rgb @ _CHROMA.T
    towards = np.maximum(c @ direction, 0.0)[..., None] * amount
    new_c = c - towards * direction
    luma = rgb @ _LUMA
    # back to RGB from (Y, Cb, Cr), BT.709
    cb, cr = new_c[..., 0], new_c[..., 1]
    r = luma + 1.5748 * cr
    g = luma - 0.1873 * cb - 0.4681 * cr
    b = luma + 1.8556 * cb
    return np.clip(np.stack([r, g, b], -1) + 0.5, 0, 255).astype(np.uint8)
