"""Synthetic shots with ground-truth masks, for measuring segmentation and propagation quality.

A textured object moves (and slowly grows) over a textured, panning background; a second textured
object crosses in front of it mid-shot, hiding part of it and uncovering it again. Every texture
is smoothed colour noise, so neither colour nor edges alone give the answer away. The true mask of
frame ``i`` is the object's visible region on that frame.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import cv2
import numpy as np

from shotgraph.clip import FunctionClip, VideoInfo


def texture(rng: np.random.Generator, height: int, width: int, low: tuple, high: tuple, grain: float) -> np.ndarray:
    """Smoothed colour noise between two RGB colours, plus fine grain."""
    t = cv2.GaussianBlur(rng.random((height, width)).astype(np.float32), (0, 0), 4)
    t = (t - t.min()) / (np.ptp(t) + 1e-6)
    colour = np.array(low, np.float32) + t[..., None] * (np.array(high, np.float32) - np.array(low, np.float32))
    colour += rng.normal(0, grain, colour.shape).astype(np.float32)
    return np.clip(colour, 0, 255).astype(np.uint8)


def blob(height: int, width: int, cx: float, cy: float, scale: float) -> np.ndarray:
    """An irregular object: a body ellipse with a head and a limb, as a 0/255 mask."""
    mask = np.zeros((height, width), np.uint8)
    s = scale
    cv2.ellipse(mask, (int(cx), int(cy)), (int(34 * s), int(24 * s)), 15, 0, 360, 255, -1)
    cv2.circle(mask, (int(cx + 30 * s), int(cy - 22 * s)), int(14 * s), 255, -1)
    cv2.ellipse(mask, (int(cx - 26 * s), int(cy + 20 * s)), (int(18 * s), int(7 * s)), -35, 0, 360, 255, -1)
    return mask


@dataclass
class SyntheticShot:
    width: int = 320
    height: int = 240
    n_frames: int = 30
    seed: int = 3
    occluder: bool = True

    def __post_init__(self):
        rng = np.random.default_rng(self.seed)
        h, w = self.height, self.width
        cool = texture(rng, h + 40, w + 80, (40, 90, 70), (120, 160, 190), 6)
        # patches of a warm, object-like brown in the background: colour alone is not enough
        warm = texture(rng, h + 40, w + 80, (120, 70, 40), (200, 140, 90), 6)
        patches = cv2.GaussianBlur(rng.random((h + 40, w + 80)).astype(np.float32), (0, 0), 12)
        patches = np.clip((patches - np.quantile(patches, 0.7)) * 40, 0, 1)[..., None]
        self.background = (cool * (1 - patches) + warm * patches).astype(np.uint8)
        self.object_texture = texture(rng, h, w, (170, 70, 40), (250, 190, 90), 8)
        self.occluder_texture = texture(rng, h, w, (90, 50, 120), (200, 170, 220), 8)

    # -- geometry ------------------------------------------------------------------------------
    def _t(self, index: int) -> float:
        return index / max(self.n_frames - 1, 1)

    def object_mask(self, index: int) -> np.ndarray:
        t = self._t(index)
        cx = self.width * (0.28 + 0.4 * t)
        cy = self.height * (0.55 - 0.1 * np.sin(np.pi * t))
        return blob(self.height, self.width, cx, cy, 1.0 + 0.25 * t)

    def occluder_mask(self, index: int) -> np.ndarray:
        mask = np.zeros((self.height, self.width), np.uint8)
        if not self.occluder:
            return mask
        t = self._t(index)
        x = int(self.width * (1.05 - 0.9 * t))  # crosses right to left, over the object mid-shot
        y = int(self.height * 0.45)
        cv2.rectangle(mask, (x - 16, y - 60), (x + 16, y + 70), 255, -1)
        return mask

    def truth(self, index: int) -> np.ndarray:
        return np.where(self.occluder_mask(index) > 0, 0, self.object_mask(index)).astype(np.uint8)

    # -- pixels --------------------------------------------------------------------------------
    def frame(self, index: int) -> np.ndarray:
        pan = index  # the camera pans one pixel a frame
        frame = self.background[20 : 20 + self.height, 40 + pan : 40 + pan + self.width].copy()
        shift_x = int(self.width * 0.4 * self._t(index))
        obj_tex = np.roll(self.object_texture, shift_x, axis=1)  # texture moves with the object
        frame = np.where(self.object_mask(index)[..., None] > 0, obj_tex, frame)
        occ_tex = np.roll(self.occluder_texture, -int(self.width * 0.9 * self._t(index)), axis=1)
        frame = np.where(self.occluder_mask(index)[..., None] > 0, occ_tex, frame)
        grain = np.random.default_rng(1000 + index).normal(0, 2.0, frame.shape)
        return np.clip(frame + grain, 0, 255).astype(np.uint8)

    def box(self, index: int) -> tuple[int, int, int, int]:
        ys, xs = np.nonzero(self.truth(index))
        return int(xs.min()) - 4, int(ys.min()) - 4, int(xs.max()) + 5, int(ys.max()) + 5

    def clip(self, fps=Fraction(24)) -> FunctionClip:
        info = VideoInfo(self.width, self.height, Fraction(fps), self.n_frames)
        return FunctionClip(info, self.frame, name="synthetic-shot")
