"""Segmentation quality as the DAVIS benchmark measures it: region similarity J and contour accuracy F.

J is the intersection over union of the predicted and true masks. F is the F-measure of their
boundaries: a boundary pixel counts as matched when the other mask's boundary passes within a
tolerance of ``0.008 x`` the image diagonal (DAVIS 2016/2017, ``db_eval_boundary``).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

BOUNDARY_TOLERANCE = 0.008  # fraction of the image diagonal, as in DAVIS


def region_similarity(predicted: np.ndarray, truth: np.ndarray) -> float:
    """J: intersection over union of two masks (nonzero = inside); 1 when both are empty."""
    p, t = predicted > 0, truth > 0
    union = np.count_nonzero(p | t)
    if union == 0:
        return 1.0
    return np.count_nonzero(p & t) / union


def boundary_map(mask: np.ndarray) -> np.ndarray:
    """One-pixel-wide boundary of a mask: inside pixels with a neighbour (right, below or diagonal)
    outside, the same rule as DAVIS's ``seg2bmap`` at full resolution."""
    seg = mask > 0
    east, south, south_east = np.zeros_like(seg), np.zeros_like(seg), np.zeros_like(seg)
    east[:, :-1] = seg[:, 1:]
    south[:-1, :] = seg[1:, :]
    south_east[:-1, :-1] = seg[1:, 1:]
    edge = (seg ^ east) | (seg ^ south) | (seg ^ south_east)
    edge[-1, :] = seg[-1, :] ^ east[-1, :]
    edge[:, -1] = seg[:, -1] ^ south[:, -1]
    edge[-1, -1] = False
    return edge


def contour_accuracy(predicted: np.ndarray, truth: np.ndarray, tolerance: float = BOUNDARY_TOLERANCE) -> float:
    """F: the F-measure of boundary precision and recall, matched within the DAVIS tolerance."""
    height, width = truth.shape[:2]
    radius = max(1, math.ceil(tolerance * math.hypot(height, width)))
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    fg, gt = boundary_map(predicted), boundary_map(truth)
    n_fg, n_gt = np.count_nonzero(fg), np.count_nonzero(gt)
    if n_fg == 0 and n_gt == 0:
        return 1.0
    if n_fg == 0 or n_gt == 0:
        return 0.0
    gt_near = cv2.dilate(gt.astype(np.uint8), disc) > 0
    fg_near = cv2.dilate(fg.astype(np.uint8), disc) > 0
    precision = np.count_nonzero(fg & gt_near) / n_fg
    recall = np.count_nonzero(gt & fg_near) / n_gt
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def j_and_f(predicted: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    return region_similarity(predicted, truth), contour_accuracy(predicted, truth)
