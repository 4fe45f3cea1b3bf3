"""Frames between keyframes: blended from both, aligned by optical flow."""

from __future__ import annotations

import cv2
import numpy as np

from shotgraph.ops.deforum.cadence import tween
from shotgraph.flow import make_estimator


def disc_at(x: float, size=(64, 96), radius: int = 8) -> np.ndarray:
    """A red disc centred at (x, 32) on dark texture (a disc with its own brightness: flow sees grey)."""
    rng = np.random.default_rng(1)
    image = np.clip(50 + rng.normal(0, 12, (*size, 3)), 0, 255).astype(np.uint8)
    image = cv2.GaussianBlur(image, (0, 0), 1.0)
    cv2.circle(image, (int(round(x * 8)), 32 * 8), radius * 8, (230, 60, 40), -1, cv2.LINE_AA, 3)
    return image


def red_mask(frame: np.ndarray) -> np.ndarray:
    return (frame[..., 0] > 170) & (frame[..., 1] < 110)


def overlap(a: np.ndarray, b: np.ndarray) -> float:
    return (a & b).sum() / (a | b).sum()


def test_without_flow_the_frame_is_the_cross_fade():
    a, b = disc_at(30), disc_at(60)
    for weight in (0.25, 0.5, 0.75):
        expected = a.astype(np.float64) * (1 - weight) + b.astype(np.float64) * weight
        assert np.abs(tween(a, b, weight).astype(np.float64) - expected).max() <= 1.0


def test_with_flow_moved_content_slides_instead_of_ghosting():
    """Diffusion moved a disc 8 px between keyframes: with flow the in-between frames show it where
    it is on its way (one disc), where a cross-fade shows two ghosts."""
    a, b = disc_at(38), disc_at(46)
    for weight in (0.25, 0.5, 0.75):
        truth = red_mask(disc_at(38 + 8 * weight))
        faded, slid = red_mask(tween(a, b, weight)), red_mask(tween(a, b, weight, make_estimator("dis", "medium")))
        assert overlap(slid, truth) > 0.95 > 0.8 > overlap(faded, truth)
        assert abs(np.nonzero(slid)[1].mean() - (38 + 8 * weight)) < 0.3
