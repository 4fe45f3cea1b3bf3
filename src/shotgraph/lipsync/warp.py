"""The landmark-driven warp and the inner-mouth fill.

The warp is piecewise affine over a Delaunay triangulation of the *target* landmarks plus fixed
points on the border of a region of interest: each output pixel inside a triangle samples the
source where that triangle's source vertices put it. The map is continuous across triangle edges
and is the identity on the region's border, so pasting the region back leaves no seam, and
pixels outside it (other faces included) are untouched.

Opening a closed mouth uncovers pixels the source does not have: the inner-mouth fill paints a
dark mouth interior, upper (and, wide open, lower) teeth and a tongue inside the target inner-lip
contour, with colours taken from the face's own lips and skin, and feathered edges.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import Delaunay

from shotgraph.lipsync.geometry import FACE_OVAL, INNER_LOWER, INNER_UPPER, OUTER_LOWER, OUTER_UPPER, FaceFrame

_BORDER_POINTS_PER_SIDE = 6


def region_of_interest(points: list[np.ndarray], frame_shape: tuple[int, ...], margin: float) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the box around all ``points`` grown by ``margin`` of its size, in the frame."""
    stacked = np.concatenate(points)
    low, high = stacked.min(axis=0), stacked.max(axis=0)
    pad = (high - low) * margin
    height, width = frame_shape[:2]
    x0, y0 = np.floor(low - pad).astype(int)
    x1, y1 = np.ceil(high + pad).astype(int)
    return max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)


def _border(roi: tuple[int, int, int, int]) -> np.ndarray:
    x0, y0, x1, y1 = roi
    xs = np.linspace(x0, x1 - 1, _BORDER_POINTS_PER_SIDE + 1)
    ys = np.linspace(y0, y1 - 1, _BORDER_POINTS_PER_SIDE + 1)
    top = np.stack([xs, np.full_like(xs, y0)], 1)
    bottom = np.stack([xs, np.full_like(xs, y1 - 1)], 1)
    left = np.stack([np.full_like(ys, x0), ys], 1)[1:-1]
    right = np.stack([np.full_like(ys, x1 - 1), ys], 1)[1:-1]
    return np.concatenate([top, bottom, left, right]).astype(np.float64)


def _affines(triangles: np.ndarray, target: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Per triangle, the 2x3 affine taking target pixel coordinates to source ones (closed form:
    ``s = s0 + M (p - t0)`` with ``M = [s1 - s0, s2 - s0] [t1 - t0, t2 - t0]^-1``)."""
    t = target[triangles]  # (T, 3, 2)
    s = source[triangles]
    tu, tv = t[:, 1] - t[:, 0], t[:, 2] - t[:, 0]
    su, sv = s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]
    det = tu[:, 0] * tv[:, 1] - tu[:, 1] * tv[:, 0]
    ok = np.abs(det) > 1e-6  # degenerate triangles cover no pixel: give them the identity
    inv_det = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    # rows of [tu tv]^-1
    inv = np.stack([np.stack([tv[:, 1], -tv[:, 0]], 1), np.stack([-tu[:, 1], tu[:, 0]], 1)], 1) * inv_det[:, None, None]
    m = np.stack([su, sv], axis=2) @ inv  # (T, 2, 2)
    m[~ok] = np.eye(2)
    offset = s[:, 0] - np.einsum("tij,tj->ti", m, t[:, 0])
    offset[~ok] = 0.0
    return np.concatenate([m, offset[:, :, None]], axis=2)  # (T, 2, 3)


def warp_region(frame: np.ndarray, source: np.ndarray, target: np.ndarray, roi: tuple[int, int, int, int]) -> np.ndarray:
    """``frame`` with the content at ``source`` points moved to ``target`` points inside ``roi``."""
    x0, y0, x1, y1 = roi
    if x1 - x0 < 3 or y1 - y0 < 3:
        return frame
    border = _border(roi)
    inside = np.all((target >= (x0, y0)) & (target <= (x1 - 1, y1 - 1)), axis=1)
    tgt = np.concatenate([target[inside].astype(np.float64), border])
    src = np.concatenate([source[inside].astype(np.float64), border])
    triangles = Delaunay(tgt).simplices
    affines = _affines(triangles, tgt, src).astype(np.float32)
    ids = np.full((y1 - y0, x1 - x0), len(triangles), np.int32)  # the extra id is the identity
    corners = np.round((tgt[triangles] - (x0, y0)) * 16).astype(np.int32)  # 4-bit sub-pixel vertices
    for index, triangle in enumerate(corners):
        cv2.fillConvexPoly(ids, triangle, int(index), lineType=cv2.LINE_8, shift=4)
    affines = np.concatenate([affines, np.array([[[1, 0, 0], [0, 1, 0]]], np.float32)])
    coef = affines[ids]  # (h, w, 2, 3)
    ys, xs = np.mgrid[y0:y1, x0:x1].astype(np.float32)
    map_x = coef[..., 0, 0] * xs + coef[..., 0, 1] * ys + coef[..., 0, 2]
    map_y = coef[..., 1, 0] * xs + coef[..., 1, 1] * ys + coef[..., 1, 2]
    warped = cv2.remap(frame, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    out = frame.copy()
    out[y0:y1, x0:x1] = warped
    return out


# -- inner mouth ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MouthColours:
    lips: np.ndarray  # RGB float
    skin: np.ndarray

    @classmethod
    def sample(cls, frame: np.ndarray, points: np.ndarray) -> MouthColours:
        """Mean lip colour (between the outer and inner lip contours) and cheek skin colour."""
        x0, y0, x1, y1 = region_of_interest([points[FACE_OVAL]], frame.shape, 0.05)
        crop = frame[y0:y1, x0:x1, :3]
        offset = np.array([x0, y0])
        lips = np.zeros(crop.shape[:2], np.uint8)
        outer = np.concatenate([points[OUTER_UPPER], points[OUTER_LOWER][::-1]]) - offset
        inner = np.concatenate([points[INNER_UPPER], points[INNER_LOWER][::-1]]) - offset
        cv2.fillPoly(lips, [np.round(outer).astype(np.int32)], 1)
        cv2.fillPoly(lips, [np.round(inner).astype(np.int32)], 0)
        skin = np.zeros_like(lips)
        unit = FaceFrame.of(points).unit
        for cheek in (205, 425):  # mid-cheek landmarks
            centre = np.round(points[cheek] - offset).astype(int)
            cv2.circle(skin, (int(centre[0]), int(centre[1])), max(2, int(0.12 * unit)), 1, -1)
        mean = lambda mask, fallback: crop[mask > 0].mean(axis=0) if mask.any() else np.array(fallback, float)
        return cls(mean(lips, (170, 90, 90)).astype(np.float32), mean(skin, (200, 160, 140)).astype(np.float32))


def _polygon_mask(shape: tuple[int, int], polygon: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, np.uint8)
    cv2.fillPoly(mask, [np.round(polygon * 16).astype(np.int32)], 255, lineType=cv2.LINE_AA, shift=4)
    return mask.astype(np.float32) / 255


def fill_inner_mouth(frame: np.ndarray, target: np.ndarray, colours: MouthColours, strength: float) -> np.ndarray:
    """Paint the mouth interior inside ``target``'s inner-lip contour, at opacity ``strength`` (0..1)."""
    if strength <= 0.01:
        return frame
    upper, lower = target[INNER_UPPER].astype(np.float64), target[INNER_LOWER].astype(np.float64)
    gap = float(np.hypot(*(lower[5] - upper[5])))
    if gap < 1.0:
        return frame
    face = FaceFrame.of(target)
    x0, y0, x1, y1 = region_of_interest([upper, lower], frame.shape, 0.15)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return frame
    offset = np.array([x0, y0], np.float64)
    shape = (y1 - y0, x1 - x0)
    mouth = _polygon_mask(shape, np.concatenate([upper, lower[::-1]]) - offset)

    profile = np.sqrt(np.clip(1 - np.linspace(-1, 1, len(INNER_UPPER)) ** 2, 0, 1))[:, None]
    teeth_height = min(0.11 * face.unit, 0.5 * gap)
    upper_teeth = np.concatenate([upper, (upper + face.y_axis * teeth_height * profile)[::-1]]) - offset
    lower_teeth_height = max(0.0, min(0.07 * face.unit, 0.35 * gap - 0.1 * face.unit))
    lower_teeth = np.concatenate([lower, (lower - face.y_axis * lower_teeth_height * profile)[::-1]]) - offset
    tongue_centre = (lower[5] - face.y_axis * 0.18 * gap) - offset
    tongue = np.zeros(shape, np.uint8)
    axes = (max(1, int(0.28 * np.hypot(*(upper[-1] - upper[0])))), max(1, int(0.22 * gap)))
    angle = float(np.degrees(np.arctan2(face.x_axis[1], face.x_axis[0])))
    cv2.ellipse(tongue, (int(round(tongue_centre[0])), int(round(tongue_centre[1]))), axes, angle, 0, 360, 255, -1,
                cv2.LINE_AA)

    luma = float(colours.skin @ np.array([0.299, 0.587, 0.114]))
    interior = colours.lips * 0.22
    teeth_colour = np.array([0.95, 0.92, 0.86]) * min(225.0, 0.9 * luma + 25)
    tongue_colour = colours.lips * 0.62
    canvas = np.empty((*shape, 3), np.float32)
    canvas[:] = interior
    tongue_alpha = tongue.astype(np.float32) / 255 * float(np.clip((gap / face.unit - 0.15) / 0.2, 0, 1))
    canvas += (tongue_colour - canvas) * tongue_alpha[..., None]
    teeth = np.maximum(_polygon_mask(shape, upper_teeth), _polygon_mask(shape, lower_teeth) if lower_teeth_height > 0.5 else 0)
    # teeth show mostly in the middle and fall into shadow towards the corners
    ys, xs = np.mgrid[0:shape[0], 0:shape[1]].astype(np.float32)
    centre = (upper[5] + lower[5]) / 2 - offset
    half_width = max(np.hypot(*(upper[-1] - upper[0])) / 2, 1.0)
    across = ((xs - centre[0]) * face.x_axis[0] + (ys - centre[1]) * face.x_axis[1]) / half_width
    teeth *= np.exp(-((across / 0.8) ** 4))
    shade = (1 - 0.45 * np.clip(across**2, 0, 1))[..., None]
    canvas += (teeth_colour * shade - canvas) * teeth[..., None] * 0.9
    # soften to the picture's own sharpness, and feather the lip edge
    sigma = max(0.5, 0.008 * face.unit)
    canvas = cv2.GaussianBlur(canvas, (0, 0), sigma)
    alpha = cv2.GaussianBlur(mouth, (0, 0), sigma) * float(np.clip(strength, 0, 1))
    out = frame.copy()
    region = out[y0:y1, x0:x1, :3].astype(np.float32)
    region += (canvas - region) * alpha[..., None]
    out[y0:y1, x0:x1, :3] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
    return out


def draw_lip_seam(frame: np.ndarray, target: np.ndarray, colours: MouthColours, strength: float) -> np.ndarray:
    """Draw the dark seam where closed lips meet, along the target's lip line, at opacity ``strength``.

    A mouth closed by the warp has its interior squeezed into a ragged line; a clean seam is what
    closed lips look like (and what face trackers expect to see)."""
    if strength <= 0.01:
        return frame
    line = (target[INNER_UPPER].astype(np.float64) + target[INNER_LOWER]) / 2
    face = FaceFrame.of(target)
    x0, y0, x1, y1 = region_of_interest([line], frame.shape, 0.2)
    pad = int(np.ceil(0.05 * face.unit)) + 2
    x0, y0, x1, y1 = max(x0 - pad, 0), max(y0 - pad, 0), min(x1 + pad, frame.shape[1]), min(y1 + pad, frame.shape[0])
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    points = np.round((line - (x0, y0)) * 16).astype(np.int32)
    thickness = max(1, int(round(0.025 * face.unit)))
    cv2.polylines(mask, [points], False, 255, thickness, cv2.LINE_AA, shift=4)
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), max(0.5, 0.006 * face.unit)) * strength
    out = frame.copy()
    region = out[y0:y1, x0:x1, :3].astype(np.float32)
    region += (colours.lips * 0.35 - region) * alpha[..., None]
    out[y0:y1, x0:x1, :3] = np.clip(region + 0.5, 0, 255).astype(np.uint8)
    return out
