"""Fitting a video to the audio's length, and the landmark warp's locality."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import indexed_clip, read_index

from shotgraph.lipsync.timeline import frames_by_index, source_index_map
from shotgraph.lipsync.warp import warp_region


def test_index_maps():
    assert list(source_index_map(4, 10, "pingpong")) == [0, 1, 2, 3, 2, 1, 0, 1, 2, 3]
    assert list(source_index_map(4, 10, "loop")) == [0, 1, 2, 3, 0, 1, 2, 3, 0, 1]
    assert list(source_index_map(4, 6, "hold")) == [0, 1, 2, 3, 3, 3]
    assert list(source_index_map(1, 3, "pingpong")) == [0, 0, 0]
    assert list(source_index_map(10, 4, "pingpong")) == [0, 1, 2, 3]


@pytest.mark.parametrize("extend", ["pingpong", "loop", "hold"])
def test_frames_by_index_reads_in_any_order(extend):
    clip = indexed_clip(30, audio=False)
    indices = source_index_map(30, 100, extend)
    got = [read_index(frame) for frame in frames_by_index(clip, indices)]
    assert got == list(indices)


def test_warp_is_local_and_exact():
    rng = np.random.default_rng(0)
    frame = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
    source = np.array([[60, 50], [100, 50], [80, 80], [70, 65]], np.float32)
    assert np.array_equal(warp_region(frame, source, source, (40, 30, 120, 100)), frame)
    target = source + np.array([[0, 0], [0, 0], [0, 6], [0, 0]], np.float32)  # pull one point down
    out = warp_region(frame, source, target, (40, 30, 120, 100))
    outside = np.ones(frame.shape[:2], bool)
    outside[30:100, 40:120] = False
    assert np.array_equal(out[outside], frame[outside])
    assert np.array_equal(out[int(target[2, 1]), int(target[2, 0])], frame[int(source[2, 1]), int(source[2, 0])])
    assert not np.array_equal(out, frame)
