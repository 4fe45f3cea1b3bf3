"""Cadence: the frames between two diffused keyframes, blended from both.

With cadence ``N`` only every ``N``-th frame is diffused. A frame ``w`` of the way from keyframe
``a`` to keyframe ``b`` is made, as Deforum makes it, from both keyframes moved to that frame's
camera (``a`` forward, ``b`` back) and cross-faded by ``w``. Diffusion also moves and reshapes
things between keyframes, which the camera does not know about; with a flow estimator each of the
two pictures is first moved its part of the way along the optical flow between them (Deforum's
optical flow cadence), so what diffusion moved slides instead of ghosting. The flow is the
project's shared :mod:`shotgraph.flow` (DIS by default).
"""

from __future__ import annotations

import cv2
import numpy as np

from shotgraph.flow import FlowEstimator, warp


def _moved(image: np.ndarray, flow: np.ndarray, amount: float) -> np.ndarray:
    """``image`` moved ``amount`` of the way along ``flow`` (its pixel at x heads to x + flow(x)).

    A backward warp by the negated flow: exact where the flow is smooth, which is what DIS gives."""
    return warp(image, flow * np.float32(-amount))


def tween(before: np.ndarray, after: np.ndarray, weight: float, flow: FlowEstimator | None = None) -> np.ndarray:
    """The frame ``weight`` (0..1) of the way from ``before`` to ``after``; both are RGB uint8
    pictures already seen by this frame's camera."""
    if flow is not None:
        forward, backward = flow(before, after), flow(after, before)
        before = _moved(before, forward, weight)
        after = _moved(after, backward, 1.0 - weight)
    return cv2.addWeighted(before, 1.0 - weight, after, weight, 0.0)
