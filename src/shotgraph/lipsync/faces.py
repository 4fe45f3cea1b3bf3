"""Faces as the lip-sync code sees them: 468 face-mesh landmarks per face, and choosing one face.

Any landmark detector that returns :class:`Face` objects (MediaPipe's face mesh,
:class:`shotgraph.backends.mediapipe.face.FaceLandmarker`, is the one shipped) can drive the
lip-sync renderers; they receive it as a :class:`Landmarker`.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import numpy as np

N_LANDMARKS = 468


@dataclass(frozen=True)
class Face:
    """One face in a frame: landmarks in pixels, and their bounding box ``(x, y, w, h)``."""

    points: np.ndarray  # (468, 2) float32, x then y, pixels
    score: float

    @property
    def box(self) -> tuple[float, float, float, float]:
        low, high = self.points.min(axis=0), self.points.max(axis=0)
        return float(low[0]), float(low[1]), float(high[0] - low[0]), float(high[1] - low[1])

    @property
    def centre(self) -> np.ndarray:
        return self.points.mean(axis=0)


def box_iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    iw = max(0.0, min(ax + aw, bx + bw) - max(ax, bx))
    ih = max(0.0, min(ay + ah, by + bh) - max(ay, by))
    inter = iw * ih
    union = aw * ah + bw * bh - inter
    return inter / union if union > 0 else 0.0


class Landmarker(Protocol):
    """Finds faces and their landmarks in RGB frames, left to right."""

    def detect(self, frame: np.ndarray) -> list[Face]: ...


# ``landmarkers(max_faces)`` opens a landmarker for a ``with`` block (e.g. ``FaceLandmarker`` itself)
LandmarkerFactory = Callable[[int], AbstractContextManager[Landmarker]]


def pick_face(faces: list[Face], index: int = 0, box: tuple[float, float, float, float] | None = None) -> Face | None:
    """The face the user chose: the one overlapping ``box`` most, else the ``index``-th from the left."""
    if not faces:
        return None
    if box is not None:
        best = max(faces, key=lambda f: box_iou(f.box, box))
        return best if box_iou(best.box, box) > 0 else None
    return faces[index] if index < len(faces) else None
