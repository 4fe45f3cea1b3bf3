"""GrabCut (OpenCV) masks: from a box and clicks on one frame, and as the per-frame refinement of a
flow-warped mask during propagation.

GrabCut fits colour mixtures to the object and its surroundings and cuts along strong edges. It is
given a trimap: pixels known to be in or out, and a band of "probably" it may decide. Working on a
crop around the object keeps each call to a few tens of milliseconds.
"""

from __future__ import annotations

import cv2
import numpy as np

from shotgraph.masks import INSIDE, grow
from shotgraph.masks.prompts import Prompt

ANCHOR_ITERATIONS = 5
REFINE_ITERATIONS = 2


def _seed_radius(width: int, height: int) -> int:
    return max(3, round(0.01 * np.hypot(width, height)))


def _bounds(mask: np.ndarray, margin: int) -> tuple[int, int, int, int] | None:
    ys, xs = np.nonzero(mask)
    if ys.size == 0:
        return None
    height, width = mask.shape
    return (max(0, xs.min() - margin), max(0, ys.min() - margin),
            min(width, xs.max() + 1 + margin), min(height, ys.max() + 1 + margin))


def _run(frame: np.ndarray, trimap: np.ndarray, crop: tuple[int, int, int, int], iterations: int) -> np.ndarray:
    """GrabCut on ``crop`` of ``frame`` with ``trimap`` (cv2.GC_* labels); the full-size 0/255 result."""
    x0, y0, x1, y1 = crop
    labels = np.ascontiguousarray(trimap[y0:y1, x0:x1])
    out = np.zeros(trimap.shape, np.uint8)
    undecided = (labels == cv2.GC_PR_FGD) | (labels == cv2.GC_PR_BGD)
    has_fg = np.any((labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD))
    has_bg = np.any((labels == cv2.GC_BGD) | (labels == cv2.GC_PR_BGD))
    if undecided.any() and has_fg and has_bg:
        # GrabCut wants BGR order only for its colour models; RGB works the same. Fixed seed:
        # its GMM initialisation uses k-means with OpenCV's global RNG.
        cv2.setRNGSeed(0)
        bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
        cv2.grabCut(np.ascontiguousarray(frame[y0:y1, x0:x1, :3]), labels, None, bgd, fgd, iterations,
                    cv2.GC_INIT_WITH_MASK)
    inside = (labels == cv2.GC_FGD) | (labels == cv2.GC_PR_FGD)
    out[y0:y1, x0:x1] = np.where(inside, INSIDE, 0)
    return out


def _paint_points(trimap: np.ndarray, prompt: Prompt, radius: int) -> None:
    for point in prompt.points:
        label = cv2.GC_FGD if point.label == 1 else cv2.GC_BGD
        cv2.circle(trimap, (round(point.x), round(point.y)), radius, int(label), -1)


def _region_from_clicks(frame: np.ndarray, prompt: Prompt) -> np.ndarray:
    """Without a box: the object's likely extent, flood-filled from the positive clicks by colour."""
    height, width = frame.shape[:2]
    region = np.zeros((height + 2, width + 2), np.uint8)
    smooth = cv2.GaussianBlur(np.ascontiguousarray(frame[..., :3]), (5, 5), 0)
    for point in prompt.positive:
        cv2.floodFill(smooth.copy(), region, (round(point.x), round(point.y)), (0, 0, 0), (18,) * 3, (18,) * 3,
                      4 | cv2.FLOODFILL_MASK_ONLY | cv2.FLOODFILL_FIXED_RANGE | (255 << 8))
    return region[1:-1, 1:-1]


def mask_from_prompt(frame: np.ndarray, prompt: Prompt, iterations: int = ANCHOR_ITERATIONS) -> np.ndarray:
    """A 0/255 mask of the object a prompt points at on ``frame``."""
    height, width = frame.shape[:2]
    radius = _seed_radius(width, height)
    trimap = np.full((height, width), cv2.GC_BGD, np.uint8)
    if prompt.box is not None:
        x0, y0, x1, y1 = (int(round(v)) for v in prompt.box)
        x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
        trimap[y0:y1, x0:x1] = cv2.GC_PR_FGD
        margin = max(8, (x1 - x0 + y1 - y0) // 8)
    else:
        if not prompt.positive:
            raise ValueError("clicks without a box need at least one point on the object (label 1)")
        region = _region_from_clicks(frame, prompt)
        found = _bounds(region, 0)
        x0, y0, x1, y1 = found
        margin = max(8, (x1 - x0 + y1 - y0) // 4)
        # around the flood-filled region GrabCut may still grow the object up to the margin
        near = _bounds(region, margin)
        trimap[near[1]:near[3], near[0]:near[2]] = cv2.GC_PR_BGD
        trimap[region > 0] = cv2.GC_PR_FGD
    _paint_points(trimap, prompt, radius)
    crop = _bounds(trimap != cv2.GC_BGD, margin)
    result = _run(frame, trimap, crop, iterations)
    return keep_prompted_parts(result, prompt, radius)


def keep_prompted_parts(mask: np.ndarray, prompt: Prompt, radius: int) -> np.ndarray:
    """Drop specks: keep the parts that hold a positive click, or are a fair share of the largest."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if count <= 2:
        return mask
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = areas >= 0.1 * areas.max()
    for point in prompt.positive:
        label = labels[min(int(point.y), mask.shape[0] - 1), min(int(point.x), mask.shape[1] - 1)]
        if label > 0:
            keep[label - 1] = True
    return np.where(keep[labels - 1] & (labels > 0), INSIDE, 0).astype(np.uint8)


def holes(inside: np.ndarray) -> np.ndarray:
    """Pixels outside a mask but enclosed by it."""
    filled = inside.astype(np.uint8)
    contours, _ = cv2.findContours(filled, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    solid = np.zeros_like(filled)
    cv2.drawContours(solid, contours, -1, 1, thickness=-1)
    return (solid > 0) & ~inside


def refine(frame: np.ndarray, warped: np.ndarray, unsure: np.ndarray, band: int,
           extent: np.ndarray | None = None, foreign: np.ndarray | None = None) -> np.ndarray:
    """A flow-warped 0/255 mask corrected on ``frame``: GrabCut decides a band around its edge, the
    pixels flow could not follow (``unsure``: occluded or disoccluded) and the parts of the object's
    whole ``extent`` that are hidden now (they may come back into view). Pixels of colours the
    object never had (``foreign``) start as probably background even where flow put them inside."""
    inside = warped >= 128
    if extent is not None and not inside.any():
        inside = extent >= 128
    if not inside.any():
        return np.zeros_like(warped)
    trimap = np.full(warped.shape, cv2.GC_BGD, np.uint8)
    outer = grow(inside.astype(np.uint8), band) > 0
    core = grow(inside.astype(np.uint8), -band) > 0
    if extent is not None:
        outer |= grow(extent, band) >= 128
    crop = _bounds(outer, band)
    x0, y0, x1, y1 = crop
    near = np.zeros_like(inside)
    near[y0:y1, x0:x1] = True
    trimap[outer] = cv2.GC_PR_BGD
    # holes in the warped mask and pixels flow lost track of (an occluder just moved off the
    # object) may be object again: GrabCut decides them instead of flow
    maybe = holes(inside) | unsure
    if extent is not None:
        maybe |= grow(extent, band) >= 128
    trimap[maybe & near] = cv2.GC_PR_BGD
    trimap[inside] = cv2.GC_PR_FGD
    trimap[core & ~unsure] = cv2.GC_FGD
    if foreign is not None:
        trimap[inside & foreign] = cv2.GC_PR_BGD
    return _run(frame, trimap, crop, REFINE_ITERATIONS)
