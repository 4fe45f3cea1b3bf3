"""Body pose from mediapipe, drawn as an OpenPose-style skeleton (what pose ControlNets were trained on).

mediapipe 0.10.21 ships BlazePose's detector and its *full* landmark model inside the wheel (the
lite and heavy ones it would download), so this always uses the full model and runs offline on CPU. Its 33 landmarks are mapped to OpenPose's 18 COCO keypoints (the neck is the shoulders'
midpoint) and drawn with OpenPose's limb colours: coloured ellipses for limbs, dots for joints, on
black.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

from shotgraph.backends.base import Backend
from shotgraph.backends.mediapipe import IN_WHEEL

POSE = Backend("mediapipe", "mediapipe BlazePose (ships in the wheel), OpenPose-style drawing",
               ("mediapipe",), "pose", IN_WHEEL)

# OpenPose COCO-18 keypoint k comes from these mediapipe landmarks (averaged): nose, neck, right arm,
# left arm, right leg, left leg, eyes, ears.
MEDIAPIPE_TO_OPENPOSE = (
    (0,), (11, 12), (12,), (14,), (16,), (11,), (13,), (15,), (24,), (26,), (28,), (23,), (25,), (27,),
    (5,), (2,), (8,), (7,),
)
# OpenPose's limbs (pairs of keypoints) and colours, in its drawing order.
LIMBS = ((1, 2), (1, 5), (2, 3), (3, 4), (5, 6), (6, 7), (1, 8), (8, 9), (9, 10), (1, 11), (11, 12), (12, 13),
         (1, 0), (0, 14), (14, 16), (0, 15), (15, 17))
COLOURS = ((255, 0, 0), (255, 85, 0), (255, 170, 0), (255, 255, 0), (170, 255, 0), (85, 255, 0), (0, 255, 0),
           (0, 255, 85), (0, 255, 170), (0, 255, 255), (0, 170, 255), (0, 85, 255), (0, 0, 255), (85, 0, 255),
           (170, 0, 255), (255, 0, 255), (255, 0, 170), (255, 0, 85))


def openpose_keypoints(landmarks: np.ndarray, min_visibility: float = 0.5) -> np.ndarray:
    """(33, 3) mediapipe ``x, y, visibility`` (x, y in 0..1) -> (18, 3) OpenPose ``x, y, present``."""
    points = np.zeros((18, 3), np.float32)
    for k, sources in enumerate(MEDIAPIPE_TO_OPENPOSE):
        chosen = landmarks[list(sources)]
        if np.all(chosen[:, 2] >= min_visibility):
            points[k] = (*chosen[:, :2].mean(axis=0), 1.0)
    return points


def draw_skeleton(keypoints: np.ndarray, width: int, height: int, stick: int | None = None) -> np.ndarray:
    """An RGB frame, black but for the skeleton of ``keypoints`` ((18, 3), x/y in 0..1)."""
    canvas = np.zeros((height, width, 3), np.uint8)
    stick = stick or max(2, round(min(width, height) / 128))
    xy = keypoints[:, :2] * (width, height)
    for (a, b), colour in zip(LIMBS, COLOURS):
        if keypoints[a, 2] <= 0 or keypoints[b, 2] <= 0:
            continue
        (x0, y0), (x1, y1) = xy[a], xy[b]
        length = math.hypot(x1 - x0, y1 - y0)
        angle = math.degrees(math.atan2(y1 - y0, x1 - x0))
        polygon = cv2.ellipse2Poly((int((x0 + x1) / 2), int((y0 + y1) / 2)), (int(length / 2), stick),
                                   int(angle), 0, 360, 1)
        # OpenPose draws limbs at 60% intensity under full-colour joints
        cv2.fillConvexPoly(canvas, polygon, tuple(int(c * 0.6) for c in colour))
    for k, colour in enumerate(COLOURS):
        if keypoints[k, 2] > 0:
            cv2.circle(canvas, (int(xy[k, 0]), int(xy[k, 1])), stick + 1, colour, thickness=-1)
    return canvas


class PoseEstimator:
    """mediapipe Pose in still-image mode: every frame on its own, so any frame range gives the same
    result (tracking mode would depend on where reading started)."""

    def __init__(self, min_confidence: float = 0.5):
        import mediapipe as mp

        self._pose = mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1,  # the shipped model
                                            min_detection_confidence=min_confidence)
        self._lock = threading.Lock()

    def landmarks(self, frame: np.ndarray) -> np.ndarray | None:
        """(33, 3) ``x, y, visibility`` or None when nobody is found."""
        with self._lock:
            result = self._pose.process(np.ascontiguousarray(frame[..., :3]))
        if result.pose_landmarks is None:
            return None
        return np.array([(p.x, p.y, p.visibility) for p in result.pose_landmarks.landmark], np.float32)

    def skeleton(self, frame: np.ndarray) -> np.ndarray:
        height, width = frame.shape[:2]
        found = self.landmarks(frame)
        if found is None:
            return np.zeros((height, width, 3), np.uint8)
        return draw_skeleton(openpose_keypoints(found), width, height)
