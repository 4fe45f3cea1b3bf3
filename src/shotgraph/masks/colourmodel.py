"""A fast colour model of an object and its surroundings, for correcting flow-warped masks.

Colours are quantised to 16 levels per channel (4096 bins); the object's histogram and that of a
ring of background around it give, per pixel, how much more likely its colour is on the object than
off it. During propagation this likelihood corrects the flow-warped mask only near its edge and
where flow lost track, so a background of similar colour far from the object cannot leak in.
"""

from __future__ import annotations

import cv2
import numpy as np

from shotgraph.masks import INSIDE, grow

LEVELS = 16
UPDATE_RATE = 0.1  # how fast the model follows the object's changing appearance


def _bins(frame: np.ndarray) -> np.ndarray:
    q = (frame[..., :3] >> 4).astype(np.int32)  # 256 / 16 levels
    return (q[..., 0] * LEVELS + q[..., 1]) * LEVELS + q[..., 2]


class ColourModel:
    def __init__(self, frame: np.ndarray, mask: np.ndarray, ring: int):
        self.ring = ring
        self.fg, self.bg = self._histograms(_bins(frame), mask >= 128)

    def _histograms(self, bins: np.ndarray, inside: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ring = (grow(inside.astype(np.uint8), self.ring) > 0) & ~inside
        fg = np.bincount(bins[inside], minlength=LEVELS**3).astype(np.float32) + 1.0
        bg = np.bincount(bins[ring], minlength=LEVELS**3).astype(np.float32) + 1.0
        return fg / fg.sum(), bg / bg.sum()

    def update(self, frame: np.ndarray, mask: np.ndarray) -> None:
        fg, bg = self._histograms(_bins(frame), mask >= 128)
        self.fg = (1 - UPDATE_RATE) * self.fg + UPDATE_RATE * fg
        self.bg = (1 - UPDATE_RATE) * self.bg + UPDATE_RATE * bg

    def probability(self, frame: np.ndarray, prior: np.ndarray) -> np.ndarray:
        """P(object | colour) with ``prior`` (0..1) as the prior: Bayes with the two histograms."""
        bins = _bins(frame)
        lf, lb = self.fg[bins], self.bg[bins]
        return prior * lf / (prior * lf + (1 - prior) * lb + 1e-12)


class ObjectColours:
    """Which colours the object has shown: a coarse (8 levels per channel) histogram from the
    anchor frame, followed slowly. A pixel of a colour the object never had ("foreign") is not
    trusted to be the object even when flow says so: it is usually an occluder moving too fast for
    the flow to follow."""

    LEVELS = 8
    RATE = 0.05

    def __init__(self, frame: np.ndarray, mask: np.ndarray):
        self.histogram = self._histogram(frame, mask)

    def _histogram(self, frame: np.ndarray, mask: np.ndarray) -> np.ndarray:
        bins = self._bins(frame)[mask >= 128]
        counts = np.bincount(bins, minlength=self.LEVELS**3).astype(np.float32)
        return counts / max(counts.sum(), 1.0)

    def _bins(self, frame: np.ndarray) -> np.ndarray:
        q = (frame[..., :3] >> 5).astype(np.int32)  # 256 / 8 levels
        return (q[..., 0] * self.LEVELS + q[..., 1]) * self.LEVELS + q[..., 2]

    def update(self, frame: np.ndarray, mask: np.ndarray) -> None:
        self.histogram = (1 - self.RATE) * self.histogram + self.RATE * self._histogram(frame, mask)

    def foreign(self, frame: np.ndarray) -> np.ndarray:
        """Pixels whose colour bin holds under 0.1% of the object's pixels."""
        return self.histogram[self._bins(frame)] < 1e-3


def refine(model: ColourModel, frame: np.ndarray, warped: np.ndarray, unsure: np.ndarray, band: int,
           extent: np.ndarray | None = None, foreign: np.ndarray | None = None) -> np.ndarray:
    """A flow-warped 0..255 mask corrected by colour near its edge, where flow is unsure, and over
    the hidden parts of the object's whole ``extent`` (they may come back into view)."""
    inside = warped >= 128
    edge = (grow(inside.astype(np.uint8), band) > 0) & ~(grow(inside.astype(np.uint8), -band) > 0)
    decide = edge | (unsure & (grow(inside.astype(np.uint8), 4 * band) > 0))
    hidden = np.zeros_like(inside) if extent is None else (grow(extent, band) >= 128) & ~inside
    decide |= hidden
    # keep the prior away from 0 and 1 so colour can overrule it where flow is wrong
    prior = np.clip(warped.astype(np.float32) / 255.0, 0.1, 0.9)
    prior[unsure | hidden] = 0.5
    if foreign is not None:
        decide |= foreign & inside
        prior[foreign & inside] = 0.1
    posterior = model.probability(frame, prior)
    result = np.where(decide, posterior >= 0.5, inside).astype(np.uint8) * INSIDE
    # one-pixel speckle from single mis-coloured pixels
    return cv2.medianBlur(result, 5)
