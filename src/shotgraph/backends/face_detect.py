"""Face boxes with what ships offline: OpenCV's Haar cascade (inside every opencv wheel, ``cv2.data``).

Why Haar: it is the only face detector that ships inside the core install. OpenCV's better YuNet
model is distributed through a model hub (not allowed here), and mediapipe's BlazeFace ships only
in mediapipe 0.10.21, an optional extra. Haar finds upright, roughly frontal faces of about 30 px
and more; it misses profiles and strongly tilted faces, and the ``min_neighbors`` vote keeps false
positives rare on photos. Good enough to choose *where* a face model runs; not a face tracker.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from shotgraph.backends.base import WeightsStatus
from shotgraph.errors import BackendUnavailableError

CASCADE = "haarcascade_frontalface_default.xml"


@dataclass(frozen=True)
class FaceBox:
    x: int
    y: int
    width: int
    height: int


def cascade_path() -> Path:
    return Path(cv2.data.haarcascades) / CASCADE


def weights_check() -> list[WeightsStatus]:
    path = cascade_path()
    return [WeightsStatus("haar-frontalface (face detector)", "inside the opencv wheel (cv2.data)", path.is_file(), str(path))]


_LOCAL = threading.local()  # CascadeClassifier is not safe to share between threads


def _cascade() -> cv2.CascadeClassifier:
    if not hasattr(_LOCAL, "cascade"):
        cascade = cv2.CascadeClassifier(str(cascade_path()))
        if cascade.empty():
            raise BackendUnavailableError(f"OpenCV's face cascade is missing ({cascade_path()}); reinstall opencv")
        _LOCAL.cascade = cascade
    return _LOCAL.cascade


def detect_faces(frame: np.ndarray, min_size: int = 32, min_neighbors: int = 6) -> list[FaceBox]:
    """Upright faces in an RGB(A) uint8 frame, largest first. Deterministic."""
    grey = cv2.equalizeHist(cv2.cvtColor(np.ascontiguousarray(frame[:, :, :3]), cv2.COLOR_RGB2GRAY))
    found = _cascade().detectMultiScale(grey, scaleFactor=1.1, minNeighbors=min_neighbors,
                                        minSize=(min_size, min_size))
    boxes = [FaceBox(int(x), int(y), int(w), int(h)) for x, y, w, h in (found if len(found) else [])]
    return sorted(boxes, key=lambda b: (-b.width * b.height, b.y, b.x))
