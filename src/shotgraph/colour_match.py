"""Colour matching: make one picture's colours follow another's, in CIELAB.

Generated video drifts in colour: each segment of a long shot conditioned on the previous one's last
frame comes out a little warmer or darker, and a Deforum loop that feeds frames back into img2img
compounds it. The fix is to measure a mapping that takes a *source* picture's colour distribution
to a *reference*'s and apply that same mapping to every frame that shares the drift (a whole
segment), so the correction never flickers from frame to frame.

A mapping is three 256-entry look-up tables on OpenCV's 8-bit L, a, b channels:

- ``lab``: Reinhard et al.'s transfer, each channel's mean and standard deviation matched (robust,
  keeps contrast shapes; the default);
- ``histogram``: each channel's whole histogram matched through its CDF (exact distributions, can
  posterise when the source histogram is narrow).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np

ColourMatchMode = Literal["lab", "histogram", "none"]

_LEVELS = np.arange(256, dtype=np.float64)
_IDENTITY = np.tile(np.arange(256, dtype=np.uint8), (3, 1))


@dataclass(frozen=True)
class ColourTransfer:
    """Per-channel LUTs on 8-bit LAB; :meth:`apply` maps an RGB(A) frame through them."""

    luts: np.ndarray  # (3, 256) uint8

    @staticmethod
    def identity() -> "ColourTransfer":
        return ColourTransfer(_IDENTITY.copy())

    def apply(self, frame: np.ndarray) -> np.ndarray:
        if np.array_equal(self.luts, _IDENTITY):
            return frame  # nothing to change: skip the (8-bit, slightly lossy) trip through LAB
        rgb = np.ascontiguousarray(frame[..., :3])
        lab = cv2.cvtColor(rgb, cv2.COLOR_RGB2LAB)
        mapped = np.stack([self.luts[c][lab[..., c]] for c in range(3)], axis=-1)
        out = cv2.cvtColor(mapped, cv2.COLOR_LAB2RGB)
        if frame.shape[-1] == 4:
            out = np.concatenate([out, frame[..., 3:]], axis=-1)
        return out


def _lab_channels(frame: np.ndarray) -> list[np.ndarray]:
    lab = cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2LAB)
    return [lab[..., c].ravel() for c in range(3)]


def _mean_std_lut(source: np.ndarray, reference: np.ndarray) -> np.ndarray:
    s_mean, s_std = float(source.mean()), float(source.std())
    r_mean, r_std = float(reference.mean()), float(reference.std())
    gain = r_std / s_std if s_std > 1e-3 else 1.0
    return np.clip((_LEVELS - s_mean) * gain + r_mean + 0.5, 0, 255).astype(np.uint8)


def _histogram_lut(source: np.ndarray, reference: np.ndarray) -> np.ndarray:
    s_cdf = np.cumsum(np.bincount(source, minlength=256)).astype(np.float64)
    r_cdf = np.cumsum(np.bincount(reference, minlength=256)).astype(np.float64)
    s_cdf /= s_cdf[-1]
    r_cdf /= r_cdf[-1]
    # each source level goes to the reference level with the same cumulative share
    return np.clip(np.interp(s_cdf, r_cdf, _LEVELS) + 0.5, 0, 255).astype(np.uint8)


def colour_transfer(source: np.ndarray, reference: np.ndarray, mode: ColourMatchMode = "lab",
                    strength: float = 1.0) -> ColourTransfer:
    """The mapping that makes ``source``'s colours match ``reference``'s (RGB uint8 pictures, any
    sizes; several frames can be stacked into one picture). ``strength`` < 1 goes part of the way."""
    if mode == "none" or strength <= 0:
        return ColourTransfer.identity()
    build = _mean_std_lut if mode == "lab" else _histogram_lut
    luts = np.stack([build(s, r) for s, r in zip(_lab_channels(source), _lab_channels(reference))])
    if strength < 1:
        luts = np.clip(_LEVELS + (luts - _LEVELS) * strength + 0.5, 0, 255).astype(np.uint8)
    return ColourTransfer(luts)


def match_colour(frame: np.ndarray, reference: np.ndarray, mode: ColourMatchMode = "lab") -> np.ndarray:
    """``frame`` with its colours matched to ``reference`` (a Deforum-style colour coherence step)."""
    return colour_transfer(frame, reference, mode).apply(frame)
