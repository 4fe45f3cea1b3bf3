"""Cadence: the frames between two diffused keyframes, blended from both.

With cadence ``N`` only every ``N``-th frame is diffused. A frame ``w`` of the way from keyframe
``a`` to keyframe ``b`` is made, as Deforum makes it, from both keyframes moved to that frame's
camera (``a`` forward, ``b`` back) and cross-faded by ``w``. Diffusion also moves and reshapes
things between keyframes, which the camera does not know about; with ``flow`` each of the two
pictures is first moved its part of the way along the optical flow between them (Deforum's optical
flow cadence), so what diffusion moved slides instead of ghosting.

The flow itself is OpenCV's DIS through :mod:`shotgraph.masks.flowwarp`, kept small and isolated:
both should move to the project's optical-flow op (``ops/flow.py``) once it lands.
"""

from __future__ import annotations

import cv2
import numpy as np

from shotgraph.masks.flowwarp import FlowField, sample_grid


def _grey(image: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(image[..., :3]), cv2.COLOR_RGB2GRAY)


def _moved(image: np.ndarray, flow: np.ndarray, amount: float) -> np.ndarray:
    """``image`` moved ``amount`` of the way along ``flow`` (its pixel at x heads to x + flow(x))."""
    xs, ys = sample_grid(flow * np.float32(-amount))
    return cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def tween(before: np.ndarray, after: np.ndarray, weight: float, flow: FlowField | None = None) -> np.ndarray:
    """The frame ``weight`` (0..1) of the way from ``before`` to ``after``; both are RGB uint8
    pictures already seen by this frame's camera."""
    if flow is not None:
        grey_before, grey_after = _grey(before), _grey(after)
        before = _moved(before, flow.flow(grey_before, grey_after), weight)
        after = _moved(after, flow.flow(grey_after, grey_before), 1.0 - weight)
    return cv2.addWeighted(before, 1.0 - weight, after, weight, 0.0)
