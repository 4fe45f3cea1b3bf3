"""Warping images along a flow, and forward-backward consistency (occlusion) masks."""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

import cv2
import numpy as np

Interpolation = Literal["nearest", "linear", "cubic"]
_CV2_INTERPOLATION = {"nearest": cv2.INTER_NEAREST, "linear": cv2.INTER_LINEAR, "cubic": cv2.INTER_CUBIC}


@lru_cache(maxsize=4)
def _pixel_grid(height: int, width: int) -> tuple[np.ndarray, np.ndarray]:
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    xs.flags.writeable = False
    ys.flags.writeable = False
    return xs, ys


def _check_flow(flow: np.ndarray, what: str = "flow") -> None:
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"{what} must be (height, width, 2), got {flow.shape}")


def warp(image: np.ndarray, flow: np.ndarray, interpolation: Interpolation = "linear",
         border: Literal["replicate", "constant"] = "replicate") -> np.ndarray:
    """Backward-warp ``image`` along ``flow``: ``out[y, x] = image[y + dy, x + dx]``.

    With ``flow = compute_flow(a, b)`` this rebuilds ``a`` out of ``b``'s pixels. ``image`` may be
    uint8 or float, with any number of channels; boolean masks are warped as float32 in [0, 1].
    Samples that fall outside the image take the nearest edge pixel (``replicate``) or 0.
    """
    _check_flow(flow)
    if image.shape[:2] != flow.shape[:2]:
        raise ValueError(f"image {image.shape[:2]} and flow {flow.shape[:2]} differ in size")
    if image.dtype == bool:
        image = image.astype(np.float32)
    xs, ys = _pixel_grid(*flow.shape[:2])
    map_x = xs + flow[..., 0]
    map_y = ys + flow[..., 1]
    border_mode = cv2.BORDER_REPLICATE if border == "replicate" else cv2.BORDER_CONSTANT
    channels = image.shape[2] if image.ndim == 3 else 1
    if channels <= 4:
        return cv2.remap(image, map_x, map_y, _CV2_INTERPOLATION[interpolation], borderMode=border_mode)
    # cv2.remap handles at most 4 channels: feature maps go through in groups of 4
    parts = [cv2.remap(np.ascontiguousarray(image[..., c : c + 4]), map_x, map_y, _CV2_INTERPOLATION[interpolation],
                       borderMode=border_mode) for c in range(0, channels, 4)]
    return np.concatenate([p if p.ndim == 3 else p[..., None] for p in parts], axis=2)


def flow_magnitude(flow: np.ndarray) -> np.ndarray:
    """Length of each motion vector, in pixels."""
    _check_flow(flow)
    return np.hypot(flow[..., 0], flow[..., 1])


def resize_flow(flow: np.ndarray, width: int, height: int) -> np.ndarray:
    """A flow field resampled to ``width`` x ``height``, with its vectors scaled to match."""
    _check_flow(flow)
    h, w = flow.shape[:2]
    if (w, h) == (width, height):
        return flow
    resized = cv2.resize(flow, (width, height), interpolation=cv2.INTER_LINEAR)
    resized[..., 0] *= width / w
    resized[..., 1] *= height / h
    return resized


def round_trip_error(forward: np.ndarray, backward: np.ndarray) -> np.ndarray:
    """Per pixel of ``a``, how far (in pixels) following ``forward`` (a→b) and then ``backward``
    (b→a) lands from where it started: about 0 where both flows are right, large where the pixel
    is occluded in ``b`` (or the flow is wrong)."""
    _check_flow(forward, "forward flow")
    _check_flow(backward, "backward flow")
    if forward.shape != backward.shape:
        raise ValueError(f"forward {forward.shape} and backward {backward.shape} flows differ in size")
    return np.linalg.norm(forward + warp(backward, forward), axis=2)


def consistency_mask(forward: np.ndarray, backward: np.ndarray, alpha: float = 0.01, beta: float = 0.5) -> np.ndarray:
    """Where ``forward`` (a→b) and ``backward`` (b→a) agree: True for pixels of ``a`` visible in ``b``.

    The test of Sundaram, Brox and Keutzer (2010): following ``forward`` from a pixel and then
    ``backward`` from where it lands should come back to the start, within a tolerance that grows
    with the motion: ``|f + b'|^2 <= alpha (|f|^2 + |b'|^2) + beta``. Pixels that leave the frame are
    not visible either. ``~consistency_mask(...)`` is the occlusion mask of ``a``.
    """
    _check_flow(forward, "forward flow")
    _check_flow(backward, "backward flow")
    if forward.shape != backward.shape:
        raise ValueError(f"forward {forward.shape} and backward {backward.shape} flows differ in size")
    back_at_target = warp(backward, forward)
    fx, fy = forward[..., 0], forward[..., 1]
    bx, by = back_at_target[..., 0], back_at_target[..., 1]
    round_trip = (fx + bx) ** 2 + (fy + by) ** 2
    tolerance = alpha * (fx * fx + fy * fy + bx * bx + by * by) + beta
    height, width = forward.shape[:2]
    xs, ys = _pixel_grid(height, width)
    tx, ty = xs + fx, ys + fy
    inside = (tx >= 0) & (tx <= width - 1) & (ty >= 0) & (ty <= height - 1)
    return (round_trip <= tolerance) & inside


def occlusion_mask(forward: np.ndarray, backward: np.ndarray, alpha: float = 0.01, beta: float = 0.5) -> np.ndarray:
    """True for pixels of ``a`` that are hidden in (or leave) ``b``: the complement of
    :func:`consistency_mask`."""
    return ~consistency_mask(forward, backward, alpha, beta)


def warping_error(frame: np.ndarray, previous: np.ndarray, flow_to_previous: np.ndarray,
                  mask: np.ndarray | None = None) -> float:
    """Mean absolute difference (0-255 scale) between ``frame`` and ``previous`` warped onto it.

    ``flow_to_previous`` is the flow frame→previous (so ``warp(previous, flow)`` lines ``previous``
    up with ``frame``). Only pixels where ``mask`` is True count (pass the consistency mask so that
    occluded pixels, which no flow can predict, are left out). This is the usual temporal-stability
    measure for processed video: flicker shows up as a high warping error.
    """
    predicted = warp(previous, flow_to_previous).astype(np.float32)
    diff = np.abs(frame.astype(np.float32) - predicted)
    if diff.ndim == 3:
        diff = diff.mean(axis=2)
    if mask is None:
        return float(diff.mean())
    count = int(np.count_nonzero(mask))
    return float(diff[mask].sum() / count) if count else 0.0
