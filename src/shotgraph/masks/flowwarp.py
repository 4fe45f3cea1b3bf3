"""Dense optical flow and warping for mask propagation: OpenCV DIS flow and ``cv2.remap``.

Kept deliberately small and isolated: the project's general optical-flow op (``ops/flow.py``:
DIS / Farneback / RAFT, warping, forward-backward consistency) is being written alongside this
and should replace these three functions once both are merged.
"""

from __future__ import annotations

import cv2
import numpy as np

_PRESETS = {"fast": cv2.DISOPTICAL_FLOW_PRESET_FAST, "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM}


class FlowField:
    """DIS optical flow between grey frames; ``flow(a, b)[y, x]`` is where pixel (x, y) of ``a`` is in ``b``."""

    def __init__(self, preset: str = "medium"):
        self.dis = cv2.DISOpticalFlow_create(_PRESETS[preset])

    def flow(self, src_grey: np.ndarray, dst_grey: np.ndarray) -> np.ndarray:
        return self.dis.calc(src_grey, dst_grey, None)


def sample_grid(flow: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    height, width = flow.shape[:2]
    xs = np.arange(width, dtype=np.float32)[None, :] + flow[..., 0]
    ys = np.arange(height, dtype=np.float32)[:, None] + flow[..., 1]
    return xs, ys


def warp(image: np.ndarray, flow: np.ndarray, border_value: float = 0) -> np.ndarray:
    """``image`` (of frame b) pulled back onto frame a, given the flow a -> b: out[y, x] = image at (x, y) + flow."""
    xs, ys = sample_grid(flow)
    return cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=border_value)


def inconsistency(flow_ab: np.ndarray, flow_ba: np.ndarray) -> np.ndarray:
    """Forward-backward error in pixels: how far a round trip a -> b -> a lands from where it began.

    Large where a pixel of ``a`` is occluded in ``b`` (or the flow is wrong), about 0 elsewhere.
    """
    back = warp(flow_ba, flow_ab, border_value=0)
    return np.linalg.norm(flow_ab + back, axis=2)
