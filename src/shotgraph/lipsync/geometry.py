"""Where each face-mesh landmark should go for a mouth, eye and head pose.

Everything is computed in a face frame: origin at the mouth centre, x along the line from one mouth
corner to the other, y perpendicular to it (down the face), in units of the mouth width (kept at
least 0.3 face heights so a face seen from the side still gets a sensible opening). A pose moves:

- the lips: the inner-lip gap is reshaped to an elliptic opening of ``open * OPEN_MAX`` at the
  centre, the upper lip taking ``UPPER_SHARE`` of the change and the lower lip the rest; outer
  lip points follow the inner ones above or below the lip line;
- the jaw: everything below the lips drops with the lower lip, fading towards the jaw angles;
- the mouth width: corners move out (spread, +) or in (rounded, -) by up to ``WIDTH_MAX``;
- the eyelids (``blink`` 0..1): upper lids close onto the lower ones;
- the head: a small rotation/translation/scale about a pivot below the chin.

Landmark indices are MediaPipe's canonical 468-point face mesh.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INNER_UPPER = np.array([78, 191, 80, 81, 82, 13, 312, 311, 310, 415, 308])
INNER_LOWER = np.array([78, 95, 88, 178, 87, 14, 317, 402, 318, 324, 308])
OUTER_UPPER = np.array([61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291])
OUTER_LOWER = np.array([61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291])
CORNERS = np.array([61, 291, 78, 308])
FACE_OVAL = np.array([10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400,
                      377, 152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109])
# eyelids, paired from the outer to the inner corner
EYE_UPPER = np.array([[246, 161, 160, 159, 158, 157, 173], [466, 388, 387, 386, 385, 384, 398]])
EYE_LOWER = np.array([[7, 163, 144, 145, 153, 154, 155], [249, 390, 373, 374, 380, 381, 382]])
EYE_CREASE = np.array([[247, 30, 29, 27, 28, 56, 190], [467, 260, 259, 257, 258, 286, 414]])
FOREHEAD, CHIN, LEFT_CORNER, RIGHT_CORNER = 10, 152, 61, 291

OPEN_MAX = 0.55  # inner-lip gap at open = 1, in mouth widths
MIN_GAP = 0.012  # closed lips keep a hairline gap: the warp's triangles must not collapse
UPPER_SHARE = 0.22  # how much of an opening the upper lip takes (the jaw does the rest)
WIDTH_MAX = 0.09  # corner travel at width = +-1, in mouth widths per side
JAW_REACH = 1.5  # jaw drop fades to nothing this far sideways from the chin, in mouth widths
BLINK_CLOSE = 0.92  # fraction of the lid gap a full blink closes


@dataclass(frozen=True)
class Pose:
    """A mouth, eye and head pose. Head values are in face heights and degrees."""

    open: float = 0.0
    width: float = 0.0
    blink: float = 0.0
    head_angle: float = 0.0
    head_dx: float = 0.0
    head_dy: float = 0.0
    head_scale: float = 0.0


@dataclass(frozen=True)
class FaceFrame:
    origin: np.ndarray  # mouth centre, pixels
    x_axis: np.ndarray  # unit vector, corner to corner
    y_axis: np.ndarray  # unit vector, down the face
    unit: float  # pixels per mouth width
    face_height: float  # pixels, forehead to chin

    @classmethod
    def of(cls, points: np.ndarray) -> FaceFrame:
        left, right = points[LEFT_CORNER].astype(np.float64), points[RIGHT_CORNER].astype(np.float64)
        across = right - left
        width = float(np.hypot(*across))
        x_axis = across / max(width, 1e-6)
        y_axis = np.array([-x_axis[1], x_axis[0]])
        face_height = float(np.hypot(*(points[CHIN] - points[FOREHEAD])))
        origin = (points[INNER_UPPER[5]] + points[INNER_LOWER[5]] + left + right).astype(np.float64) / 4
        return cls(origin, x_axis, y_axis, max(width, 0.3 * face_height, 1.0), max(face_height, 1.0))

    def to_local(self, points: np.ndarray) -> np.ndarray:
        rel = points.astype(np.float64) - self.origin
        return np.stack([rel @ self.x_axis, rel @ self.y_axis], axis=-1) / self.unit

    def to_pixels(self, local: np.ndarray) -> np.ndarray:
        return self.origin + (local[..., :1] * self.x_axis + local[..., 1:] * self.y_axis) * self.unit


def _smoothstep(x, lo, hi):
    t = np.clip((np.asarray(x, np.float64) - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def inner_gap(points: np.ndarray) -> float:
    """The inner-lip gap at the centre of the mouth, in mouth widths (the opening measure)."""
    frame = FaceFrame.of(points)
    local = frame.to_local(points[[INNER_UPPER[5], INNER_LOWER[5]]])
    return float(local[1, 1] - local[0, 1])


def _mouth_delta(local: np.ndarray, pose: Pose) -> np.ndarray:
    """Displacement (face units) of every landmark for the pose's mouth opening and width."""
    upper, lower = local[INNER_UPPER], local[INNER_LOWER]
    centre_x = (upper[:, 0] + lower[:, 0]) / 2
    order = np.argsort(centre_x)
    half = max((centre_x.max() - centre_x.min()) / 2, 1e-3)
    mid_x = (centre_x.max() + centre_x.min()) / 2
    shape = np.sqrt(np.clip(1 - ((centre_x - mid_x) / half) ** 2, 0.0, 1.0))
    source_gap = np.maximum(lower[:, 1] - upper[:, 1], 0.0)
    target_gap = np.maximum(max(pose.open, 0.0) * OPEN_MAX * shape, MIN_GAP * (shape > 0))
    change = target_gap - source_gap  # + opens, - closes
    midline = (upper[:, 1] + lower[:, 1]) / 2

    def along(values: np.ndarray, x: np.ndarray) -> np.ndarray:
        return np.interp(x, centre_x[order], values[order], left=0.0, right=0.0)

    x, y = local[:, 0], local[:, 1]
    jaw = (1 - UPPER_SHARE) * float(along(change, np.array([mid_x]))[0])
    below = y > np.interp(x, centre_x[order], midline[order])
    delta = np.zeros_like(local)
    # lips and the skin right around them follow the gap profile; further down the jaw takes over
    lip_up = -UPPER_SHARE * along(change, x)
    lip_down = (1 - UPPER_SHARE) * along(change, x)
    outer_lower = local[OUTER_LOWER]
    by_x = np.argsort(outer_lower[:, 0])
    lower_lip_y = np.interp(x, outer_lower[by_x, 0], outer_lower[by_x, 1])
    towards_jaw = _smoothstep(y - lower_lip_y, 0.0, 0.35)
    jaw_weight = np.clip(1 - np.abs(x - mid_x) / JAW_REACH, 0.0, 1.0) ** 1.5
    delta[:, 1] = np.where(
        below,
        (1 - towards_jaw) * lip_down + towards_jaw * jaw * jaw_weight,
        lip_up * np.clip(1 + y / 0.6, 0.0, 1.0),  # fades out towards the nose
    )
    delta[INNER_UPPER, 1] = -UPPER_SHARE * change
    delta[INNER_LOWER, 1] = (1 - UPPER_SHARE) * change
    delta[OUTER_UPPER, 1] = -UPPER_SHARE * change
    delta[OUTER_LOWER, 1] = (1 - UPPER_SHARE) * change
    delta[CORNERS, 1] = 0.12 * jaw  # corners sink a little as the jaw drops
    # width: corners out (spread) or in (rounded), the lips and nearby skin proportionally
    reach = np.hypot(x - mid_x, 1.5 * y)
    fade = np.exp(-np.maximum(reach - 0.55, 0.0) ** 2 / 0.3**2)
    delta[:, 0] += pose.width * WIDTH_MAX * np.clip((x - mid_x) / half, -1.3, 1.3) * fade
    return delta


def _blink_delta(local: np.ndarray, blink: float) -> np.ndarray:
    delta = np.zeros_like(local)
    if blink <= 0:
        return delta
    for upper, lower, crease in zip(EYE_UPPER, EYE_LOWER, EYE_CREASE):
        gap = local[lower] - local[upper]
        delta[upper] = blink * BLINK_CLOSE * gap * 0.9
        delta[lower] = -blink * BLINK_CLOSE * gap * 0.1
        delta[crease] = 0.45 * delta[upper]  # the lid skin stretches down with the lid
    return delta


def head_transform(frame: FaceFrame, pose: Pose) -> np.ndarray:
    """A 2x3 pixel transform for the pose's head motion, pivoting below the chin (the neck)."""
    pivot = frame.origin + frame.y_axis * 0.45 * frame.face_height
    angle = np.deg2rad(pose.head_angle)
    scale = 1.0 + pose.head_scale
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    shift = pivot - rotation @ pivot + np.array([pose.head_dx, pose.head_dy]) * frame.face_height
    return np.hstack([rotation, shift[:, None]])


def posed_landmarks(points: np.ndarray, pose: Pose) -> np.ndarray:
    """Where ``points`` (468, 2) go for ``pose``: mouth, jaw and eyelids, then the head motion."""
    frame = FaceFrame.of(points)
    local = frame.to_local(points)
    local = local + _mouth_delta(local, pose) + _blink_delta(local, pose.blink)
    moved = frame.to_pixels(local)
    if pose.head_angle or pose.head_dx or pose.head_dy or pose.head_scale:
        matrix = head_transform(frame, pose)
        moved = moved @ matrix[:, :2].T + matrix[:, 2]
    return moved.astype(np.float32)


def head_ring(points: np.ndarray, scale: float = 1.3, count: int = 24) -> np.ndarray:
    """Points on an ellipse around the head (hair, ears, neck) that move with it."""
    oval = points[FACE_OVAL].astype(np.float64)
    centre = oval.mean(axis=0)
    radii = np.abs(oval - centre).max(axis=0) * scale
    angles = np.linspace(0, 2 * np.pi, count, endpoint=False)
    return (centre + np.stack([np.cos(angles) * radii[0], np.sin(angles) * radii[1]], axis=1)).astype(np.float32)
