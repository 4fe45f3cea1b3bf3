"""Guide videos: edges (Canny, soft), pose (mediapipe -> OpenPose skeleton), depth (tiny transformers model)."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import MissingWeightsError
from shotgraph.ops.depth import DepthRange
from shotgraph.ops.edges import canny_edges, edges, soft_edges


def square_frame(size=64, lo=40, hi=200, box=(16, 48)):
    frame = np.full((size, size, 3), lo, np.uint8)
    frame[box[0]:box[1], box[0]:box[1]] = hi
    return frame


def border_mask(size=64, box=(16, 48), width=2):
    mask = np.zeros((size, size), bool)
    a, b = box
    mask[a - width:b + width, a - width:b + width] = True
    mask[a + width:b - width, a + width:b - width] = False
    return mask


def test_canny_finds_the_square_outline_and_nothing_else():
    out = canny_edges(square_frame())
    assert out.shape == (64, 64, 3) and set(np.unique(out)) <= {0, 255}
    found = out[..., 0] > 0
    assert not found[~border_mask()].any()  # every edge lies on the outline; flat areas stay black
    assert found.sum() >= 0.9 * 4 * 32  # and the outline (perimeter 128 px) is traced
    assert not canny_edges(np.full((64, 64, 3), 90, np.uint8)).any()


def test_soft_edges_peak_on_the_outline_and_do_not_flicker_with_brightness():
    out = soft_edges(square_frame())[..., 0].astype(float)
    assert out[border_mask()].mean() > 4 * out[~border_mask(width=6)].mean()
    assert out[30:34, 30:34].max() <= 5  # the flat middle of the square
    # no per-frame normalisation: halving the contrast weakens the response instead of re-stretching it
    weaker = soft_edges(square_frame(lo=80, hi=160))[..., 0].astype(float)
    assert weaker[border_mask()].mean() < out[border_mask()].mean()


def test_edges_clip_keeps_length_size_and_rate():
    source = FunctionClip(VideoInfo(64, 64, Fraction(12), 5), lambda i: square_frame())
    for mode in ("canny", "soft"):
        guide = edges(source, mode=mode)
        frames = list(guide.frames())
        assert len(frames) == 5 and frames[0].shape == (64, 64, 3) and guide.video.fps == Fraction(12)


def test_depth_range_smoothing_limits_pumping():
    tracker = DepthRange(smoothing=0.8)
    base = np.tile(np.linspace(0, 1, 64, dtype=np.float32), (64, 1))
    first = tracker.to_grey(base)
    # a near object enters: the raw range doubles, the smoothed mapping moves only part of the way
    jumped = base.copy()
    jumped[:8, :8] = 2.0
    second = tracker.to_grey(jumped)
    assert abs(int(second[40, 32, 0]) - int(first[40, 32, 0])) < 20
    assert first[:, -1, 0].min() >= 250 and first[:, 0, 0].max() <= 5  # near = white


def test_pose_skeleton_drawing_uses_openpose_layout_and_colours():
    from shotgraph.backends.mediapipe.pose import COLOURS, draw_skeleton, openpose_keypoints

    landmarks = np.zeros((33, 3), np.float32)
    landmarks[:, 2] = 1.0
    landmarks[11, :2] = (0.6, 0.3)  # left shoulder (image right)
    landmarks[12, :2] = (0.4, 0.3)  # right shoulder
    landmarks[14, :2] = (0.3, 0.5)  # right elbow
    landmarks[0, :2] = (0.5, 0.15)  # nose
    keypoints = openpose_keypoints(landmarks)
    assert np.allclose(keypoints[1, :2], (0.5, 0.3))  # the neck is the shoulders' midpoint
    canvas = draw_skeleton(keypoints, 200, 200)
    # joints are drawn in their OpenPose colours: neck (index 1) and right elbow (index 3)
    assert tuple(canvas[60, 100]) == COLOURS[1]
    assert tuple(canvas[100, 60]) == COLOURS[3]
    hidden = landmarks.copy()
    hidden[:, 2] = 0.0
    assert not draw_skeleton(openpose_keypoints(hidden), 200, 200).any()


def test_pose_guide_runs_mediapipe_offline():
    pytest.importorskip("mediapipe")
    from shotgraph.ops.pose import pose

    source = FunctionClip(VideoInfo(96, 96, Fraction(8), 2), lambda i: np.full((96, 96, 3), 128, np.uint8))
    frames = list(pose(source).frames())
    assert len(frames) == 2 and frames[0].shape == (96, 96, 3)
    assert not np.any(frames[0])  # nobody in a grey frame: a black guide


def tiny_depth_model(folder):
    import torch
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config, DPTImageProcessor

    backbone = Dinov2Config(image_size=56, patch_size=14, hidden_size=16, num_hidden_layers=4, num_attention_heads=2,
                            intermediate_size=32, out_features=["stage1", "stage2", "stage3", "stage4"],
                            reshape_hidden_states=False)
    config = DepthAnythingConfig(backbone_config=backbone, reassemble_hidden_size=16, patch_size=14,
                                 neck_hidden_sizes=[8, 8, 8, 8], fusion_hidden_size=8, head_hidden_size=8,
                                 reassemble_factors=[4, 2, 1, 0.5])
    torch.manual_seed(0)
    DepthAnythingForDepthEstimation(config).save_pretrained(folder)
    DPTImageProcessor(size={"height": 56, "width": 56}, keep_aspect_ratio=True, ensure_multiple_of=14,
                      image_mean=[0.485, 0.456, 0.406], image_std=[0.229, 0.224, 0.225]).save_pretrained(folder)
    return folder


def test_depth_guide_from_a_tiny_transformers_model(tmp_path):
    pytest.importorskip("transformers")
    pytest.importorskip("torch")
    from shotgraph.ops.depth import depth

    folder = tiny_depth_model(tmp_path / "depth-model")
    source = FunctionClip(VideoInfo(40, 30, Fraction(8), 5), lambda i: np.roll(square_frame(40), i, axis=1)[:30])
    guide = depth(source, model=str(folder), batch=2)
    frames = np.stack(list(guide.frames()))
    assert frames.shape == (5, 30, 40, 3) and frames.dtype == np.uint8
    assert frames.std() > 0  # a real depth map, not a constant
    assert np.array_equal(frames[3:], np.stack(list(guide.frames(3, 5))))  # same frames from any start
    with pytest.raises(MissingWeightsError, match="depth model"):
        list(depth(source, model=str(tmp_path / "missing")).frames())
