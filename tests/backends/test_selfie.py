"""Person matting with mediapipe's selfie segmentation model (shipped in the mediapipe wheel)."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest

pytest.importorskip("mediapipe")

from shotgraph.backends.mediapipe.selfie import SelfieSegmenter  # noqa: E402
from shotgraph.clip import FunctionClip, VideoInfo  # noqa: E402
from shotgraph.masks.metrics import j_and_f  # noqa: E402
from shotgraph.ops.segment import segment  # noqa: E402


def portrait(shift: int = 0, size: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """A drawn head-and-shoulders figure (face, hair, eyes, mouth, jacket) and its true mask."""
    h = w = size
    cx = w // 2 + shift
    image = np.full((h, w, 3), (200, 210, 220), np.uint8)
    body, head, hair = (np.zeros((h, w), np.uint8) for _ in range(3))
    cv2.ellipse(head, (cx, int(h * 0.36)), (int(w * 0.13), int(h * 0.17)), 0, 0, 360, 255, -1)
    cv2.rectangle(head, (cx - int(w * 0.06), int(h * 0.5)), (cx + int(w * 0.06), int(h * 0.6)), 255, -1)
    cv2.ellipse(body, (cx, h), (int(w * 0.38), int(h * 0.42)), 0, 180, 360, 255, -1)
    cv2.ellipse(hair, (cx, int(h * 0.27)), (int(w * 0.14), int(h * 0.09)), 0, 180, 360, 255, -1)
    image[body > 0] = (60, 70, 110)
    image[head > 0] = (224, 172, 140)
    image[hair > 0] = (50, 35, 25)
    for dx in (-0.05, 0.05):
        cv2.circle(image, (cx + int(w * dx), int(h * 0.33)), 5, (40, 30, 30), -1)
    cv2.ellipse(image, (cx, int(h * 0.44)), (14, 5), 0, 0, 180, (150, 60, 60), 2)
    return image, np.maximum(np.maximum(body, head), hair)


@pytest.mark.parametrize("model", ["general", "landscape"])
def test_selfie_model_finds_the_person_and_nothing_on_an_empty_backdrop(model):
    segmenter = SelfieSegmenter(model)
    image, truth = portrait()
    j, f = j_and_f(segmenter.matte(image) >= 128, truth)
    assert j > 0.9 and f > 0.75, (j, f)
    assert (segmenter.matte(np.full_like(image, 205)) >= 128).mean() < 0.01
    segmenter.close()


def test_selfie_backend_of_the_segment_op_follows_a_moving_person():
    frames = [portrait(shift) for shift in (-30, 0, 30)]
    clip = FunctionClip(VideoInfo(256, 256, Fraction(24), 3), lambda i: frames[i][0])
    cut = segment(clip, backend="selfie", output="cutout")
    for index, (_, truth) in enumerate(frames):
        assert j_and_f(cut.frame_at(index)[..., 3] >= 128, truth)[0] > 0.85
