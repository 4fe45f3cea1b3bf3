"""Faces and their 468 face-mesh landmarks, from MediaPipe 0.10.21 (models ship inside its wheel).

Detection is two-stage so that small and several faces work: a face detector finds every face in
the frame (the short-range model, fast and made for faces within about 2 m; the full-range model
when that finds none), then the face-mesh model runs on a square crop around each face. Each
frame is processed on its own (no tracking state), so the landmarks of frame ``k`` do not depend
on which frames were read before it: results are the same whether a clip is read from its start
or from the middle.
"""

from __future__ import annotations

import cv2
import numpy as np

from shotgraph.backends.base import Backend
from shotgraph.backends.mediapipe import IN_WHEEL, INSTALL_HINT, require_mediapipe
from shotgraph.lipsync.faces import N_LANDMARKS, Face, box_iou

MESH = Backend(
    "mesh",
    "MediaPipe 0.10.21 face mesh (model inside the wheel) + landmark-driven warp, CPU, offline",
    requires=("mediapipe", "scipy"),
    extra="faces",
    weights=IN_WHEEL,
    install=INSTALL_HINT,
)
_CROP_SCALE = 1.9  # crop side / detected box side: room for the chin, forehead and head turns
_CROP_MAX_SIDE = 384  # the mesh model works at 192 px; bigger crops only cost conversion time


class FaceLandmarker:
    """Find faces (left to right) and their face-mesh landmarks in RGB frames."""

    def __init__(self, max_faces: int = 4, min_confidence: float = 0.5):
        require_mediapipe("face landmarks")
        import mediapipe as mp

        self.max_faces = max_faces
        self._detectors = [
            mp.solutions.face_detection.FaceDetection(model_selection=model, min_detection_confidence=min_confidence)
            for model in (0, 1)  # short range (close faces, 2 ms at 720p), then full range (8 ms)
        ]
        self._mesh = mp.solutions.face_mesh.FaceMesh(
            static_image_mode=True, max_num_faces=1, refine_landmarks=False,
            min_detection_confidence=min_confidence)

    def close(self) -> None:
        for detector in self._detectors:
            detector.close()
        self._mesh.close()

    def __enter__(self) -> FaceLandmarker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _boxes(self, rgb: np.ndarray) -> list[tuple[float, float, float, float, float]]:
        height, width = rgb.shape[:2]
        detections = []
        for detector in self._detectors:
            detections = detector.process(rgb).detections or []
            if detections:
                break
        boxes = []
        for detection in detections:
            rel = detection.location_data.relative_bounding_box
            box = (rel.xmin * width, rel.ymin * height, rel.width * width, rel.height * height)
            if box[2] > 4 and box[3] > 4 and all(box_iou(box, other[:4]) < 0.4 for other in boxes):
                boxes.append((*box, float(detection.score[0])))
        boxes.sort(key=lambda b: -b[4])
        return boxes[: self.max_faces]

    def _mesh_in(self, rgb: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray | None:
        height, width = rgb.shape[:2]
        x, y, w, h = box
        side = _CROP_SCALE * max(w, h)
        cx, cy = x + w / 2, y + h / 2
        x0, y0 = int(round(cx - side / 2)), int(round(cy - side / 2))
        x1, y1 = int(round(cx + side / 2)), int(round(cy + side / 2))
        crop = np.zeros((y1 - y0, x1 - x0, 3), np.uint8)  # pad outside the frame with black
        sx0, sy0, sx1, sy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if sx1 <= sx0 or sy1 <= sy0:
            return None
        crop[sy0 - y0 : sy1 - y0, sx0 - x0 : sx1 - x0] = rgb[sy0:sy1, sx0:sx1]
        scale = min(1.0, _CROP_MAX_SIDE / crop.shape[0])
        if scale < 1.0:
            crop = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
        result = self._mesh.process(crop)
        if not result.multi_face_landmarks:
            return None
        marks = result.multi_face_landmarks[0].landmark
        rel = np.array([(m.x, m.y) for m in marks[:N_LANDMARKS]], np.float64)
        points = rel * np.array([crop.shape[1], crop.shape[0]]) / scale + np.array([x0, y0])
        return points.astype(np.float32)

    def detect(self, frame: np.ndarray) -> list[Face]:
        """Every face found in ``frame`` (RGB or RGBA uint8), ordered left to right."""
        rgb = np.ascontiguousarray(frame[..., :3])
        faces = []
        for *box, score in self._boxes(rgb):
            points = self._mesh_in(rgb, tuple(box))
            if points is not None:
                faces.append(Face(points, score))
        faces.sort(key=lambda f: float(f.centre[0]))
        return faces
