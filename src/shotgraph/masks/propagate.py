"""Carrying a mask through a shot: flow-warped from frame to frame, corrected on every frame.

From each prompted (anchor) frame the mask is warped into the next frame along DIS optical flow,
then corrected on that frame by GrabCut or by a colour model, near its edge and wherever the
forward-backward flow check says the flow lost track (occlusions). The walk runs backwards from the
first anchor to the start, forwards from the last anchor to the end, and both ways between two
anchors, where the two results are blended by distance: a frame just after an anchor follows that
anchor, a frame just before the next one follows the next one (re-anchoring).

Frames stream through; masks go to a :class:`~shotgraph.masks.store.MaskStore` on disk, so memory
stays flat whatever the length of the shot.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from shotgraph.clip import Clip
from shotgraph.masks import INSIDE, binary, colourmodel, grabcut
from shotgraph.flow import make_estimator, round_trip_error, warp
from shotgraph.masks.frames import frames_between
from shotgraph.masks.store import MaskStore

Refine = Literal["grabcut", "colour", "none"]
FlowPreset = Literal["fast", "medium"]
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class PropagationSettings:
    refine: Refine = "grabcut"
    flow: FlowPreset = "medium"
    # pixels whose forward-backward flow error exceeds this are treated as lost (occlusion)
    max_flow_error: float = 1.5
    # width of the band around the edge that refinement may change, as a fraction of the diagonal
    band: float = 0.012


def _grey(frame: np.ndarray) -> np.ndarray:
    return cv2.cvtColor(np.ascontiguousarray(frame[..., :3]), cv2.COLOR_RGB2GRAY)


def object_motion(mask: np.ndarray, flow: np.ndarray, reliable: np.ndarray) -> np.ndarray | None:
    """The object's overall motion (a 2x3 similarity transform) from the flow of its reliable pixels."""
    ys, xs = np.nonzero((mask >= 128) & reliable)
    if ys.size < 12:
        return None
    step = max(1, ys.size // 2000)  # a couple of thousand correspondences are plenty
    ys, xs = ys[::step], xs[::step]
    source = np.stack([xs, ys], 1).astype(np.float32)
    target = source + flow[ys, xs]
    transform, _ = cv2.estimateAffinePartial2D(source, target, method=cv2.RANSAC, ransacReprojThreshold=2.0)
    return transform


class Propagator:
    """Walks a mask from one frame to the next in one direction.

    Besides the visible mask it carries the object's whole extent (``extent``), moved by the
    object's overall motion rather than per-pixel flow: where an occluder hides part of the object,
    that part stays in the extent, and when the occluder moves off, refinement finds it again.
    """

    def __init__(self, frame: np.ndarray, mask: np.ndarray, settings: PropagationSettings):
        height, width = frame.shape[:2]
        self.settings = settings
        self.band = max(3, round(settings.band * np.hypot(width, height)))
        self.flow = make_estimator("dis", settings.flow)
        self.grey = _grey(frame)
        self.mask = binary(mask)
        self.extent = self.mask.copy()
        self.colours = colourmodel.ColourModel(frame, self.mask, 3 * self.band) if settings.refine == "colour" else None
        self.appearance = colourmodel.ObjectColours(frame, self.mask)

    def step(self, frame: np.ndarray) -> np.ndarray:
        grey = _grey(frame)
        height, width = grey.shape
        to_previous = self.flow(grey, self.grey)  # where each pixel of the new frame came from
        to_next = self.flow(self.grey, grey)
        warped = warp(self.mask, to_previous, border="constant")
        unsure = round_trip_error(to_previous, to_next) > self.settings.max_flow_error
        motion = object_motion(self.mask, to_next, round_trip_error(to_next, to_previous) <= self.settings.max_flow_error)
        if motion is not None:
            extent = cv2.warpAffine(self.extent, motion, (width, height), flags=cv2.INTER_NEAREST)
        else:
            extent = self.extent
        if self.settings.refine == "none":
            mask = binary(warped)
        else:
            foreign = self.appearance.foreign(frame)
            if self.settings.refine == "grabcut":
                mask = grabcut.refine(frame, warped, unsure, self.band, extent, foreign)
            else:
                mask = colourmodel.refine(self.colours, frame, warped, unsure, self.band, extent, foreign)
                self.colours.update(frame, mask)
            self.appearance.update(frame, mask)
        self.grey, self.mask = grey, mask
        self.extent = np.maximum(extent, mask)
        return mask


def propagate(
    clip: Clip,
    anchors: Mapping[int, np.ndarray],
    store: MaskStore,
    settings: PropagationSettings = PropagationSettings(),
    on_frame: Progress | None = None,
) -> MaskStore:
    """Fill ``store`` with a 0/255 mask for every frame of ``clip``, from masks on anchor frames."""
    if not anchors:
        raise ValueError("propagation needs at least one anchor mask")
    order = sorted(anchors)
    total, done = clip.n_frames, 0

    def record(index: int, mask: np.ndarray, target: MaskStore = store) -> None:
        nonlocal done
        target.put(index, mask)
        if target is store:
            done += 1
            if on_frame:
                on_frame(done, total)

    def walk(start: int, first: int, last: int):
        """Masks from anchor ``start`` for frames ``first``..``last`` (either direction)."""
        propagator = Propagator(clip.frame_at(start), anchors[start], settings)
        for index, frame in frames_between(clip, first, last):
            yield index, propagator.step(frame)

    for index in order:
        record(index, binary(anchors[index]))
    if order[0] > 0:
        for index, mask in walk(order[0], order[0] - 1, 0):
            record(index, mask)
    forward = MaskStore(Path(store.folder) / "forward", store.width, store.height, store.n_frames)
    for left, right in zip(order, order[1:]):
        if right - left < 2:
            continue
        for index, mask in walk(left, left + 1, right - 1):
            forward.put(index, mask)
        for index, mask in walk(right, right - 1, left + 1):
            weight = (index - left) / (right - left)  # how much the right anchor counts
            blend = (1 - weight) * forward.get(index).astype(np.float32) + weight * mask.astype(np.float32)
            record(index, np.where(blend >= INSIDE / 2, INSIDE, 0).astype(np.uint8))
    shutil.rmtree(forward.folder, ignore_errors=True)
    if order[-1] < total - 1:
        for index, mask in walk(order[-1], order[-1] + 1, total - 1):
            record(index, mask)
    return store
