"""Long shots: segments continue from the last frame, seeds step by one, joins are colour-matched.

The backend here is a scripted stand-in for a model (the real ones are tested in
tests/backends/diffusers): each continuation returns its conditioning frame with a colour cast that
grows segment by segment, the drift real models show.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from synthetic import colour_chart

from shotgraph.generation.video import VideoRequest
from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.generation.longshot import generate_shot, segment_count


class DriftingBackend:
    name = "drifting"
    modes = ("text", "image")
    takes_text = True

    def __init__(self, first):
        self.first = first
        self.calls = []

    def segment_frames(self, fps):
        return 8

    def native_size(self, aspect):
        return self.first.shape[1], self.first.shape[0]

    def generate(self, request, work_dir, log):
        self.calls.append(request)
        start = self.first if request.image is None else request.image
        drift = 1.0 + 0.12 * len(self.calls)

        def frame(i):
            warmed = start.astype(np.float32) * (drift, 1.0, 1.0 / drift) if request.image is not None else start
            return np.clip(np.roll(warmed, i, axis=1), 0, 255).astype(np.uint8)

        info = VideoInfo(start.shape[1], start.shape[0], request.fps, request.num_frames)
        return FunctionClip(info, frame)


def base_request(seed=40):
    return VideoRequest("a chart", "", 96, 64, 0, seed=seed, fps=Fraction(12))


def red_blue_ratio(frame):
    means = frame.reshape(-1, 3).astype(float).mean(axis=0)
    return means[0] / means[2]


def test_segments_continue_from_the_last_frame_with_stepping_seeds(tmp_path):
    chart, _ = colour_chart(96, 64, 16)
    backend = DriftingBackend(chart)
    shot = generate_shot(backend, base_request(), 20, 8, tmp_path, lambda _m: None, "none")
    frames = np.stack(list(shot.frames()))
    assert len(frames) == 20 and segment_count(20, 8, False) == 3
    assert [c.seed for c in backend.calls] == [40, 41, 42]
    assert [c.num_frames for c in backend.calls] == [8, 8, 6]  # 8 + 7 + 5 new frames
    assert backend.calls[0].image is None
    assert np.array_equal(backend.calls[1].image, frames[7])  # continued from the last frame so far
    assert np.array_equal(backend.calls[2].image, frames[14])


def test_colour_drift_is_corrected_at_every_join(tmp_path):
    chart, _ = colour_chart(96, 64, 16)
    target = red_blue_ratio(chart)
    drifted = generate_shot(DriftingBackend(chart), base_request(), 29, 8, tmp_path, lambda _m: None, "none")
    fixed = generate_shot(DriftingBackend(chart), base_request(), 29, 8, tmp_path, lambda _m: None, "lab")
    drift_error = abs(red_blue_ratio(drifted.frame_at(28)) - target)
    fixed_error = abs(red_blue_ratio(fixed.frame_at(28)) - target)
    assert drift_error > 0.5 and fixed_error < 0.2 * drift_error, (drift_error, fixed_error)


def test_extension_returns_only_new_frames(tmp_path):
    chart, _ = colour_chart(96, 64, 16)
    backend = DriftingBackend(chart)
    source = FunctionClip(VideoInfo(96, 64, Fraction(12), 5), lambda i: np.roll(chart, 3 * i, axis=0))
    added = generate_shot(backend, base_request(), 10, 8, tmp_path, lambda _m: None, "lab", continue_from=source)
    assert added.n_frames == 10 and len(backend.calls) == 2
    assert np.array_equal(backend.calls[0].image, source.frame_at(4))


def test_backends_without_image_to_video_refuse_long_shots(tmp_path):
    chart, _ = colour_chart(96, 64, 16)
    backend = DriftingBackend(chart)
    backend.modes = ("text",)
    with pytest.raises(ParamError, match="cannot make 20 frames"):
        generate_shot(backend, base_request(), 20, 8, tmp_path, lambda _m: None)
