"""sharpen: edges get steeper, flat noise under the threshold is untouched, hue is kept."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from synthetic import indexed_clip

from shotgraph.errors import ParamError
from shotgraph.ops.sharpen import sharpen, sharpen_frame


def rise_width(row: np.ndarray) -> int:
    """Pixels between 10% and 90% of a rising edge."""
    low, high = row.min() + 0.1 * np.ptp(row), row.min() + 0.9 * np.ptp(row)
    return int(np.argmax(row >= high) - np.argmax(row >= low))


def test_a_blurred_edge_gets_steeper():
    edge = np.zeros((40, 80, 3), np.uint8)
    edge[:, 40:] = (180, 120, 60)
    blurred = cv2.GaussianBlur(edge, (0, 0), 2.0)
    sharp = sharpen_frame(blurred, amount=1.5, radius=2.0, threshold=0)
    assert rise_width(sharp[20, :, 1].astype(float)) < rise_width(blurred[20, :, 1].astype(float))


def test_detail_below_the_threshold_is_left_alone(rng):
    flat = np.clip(128 + rng.normal(0, 0.6, (60, 60, 3)), 0, 255).astype(np.uint8)
    assert np.array_equal(sharpen_frame(flat, amount=2, radius=1, threshold=4), flat)
    assert not np.array_equal(sharpen_frame(flat, amount=2, radius=1, threshold=0), flat)


def test_luma_only_keeps_the_hue():
    edge = np.zeros((20, 40, 3), np.uint8)
    edge[:, 20:] = (200, 100, 50)
    edge[:, :20] = (100, 50, 25)
    sharp = sharpen_frame(cv2.GaussianBlur(edge, (0, 0), 1.5), amount=1, radius=1.5, threshold=0).astype(int)
    # the same change on R, G and B: differences between channels stay those of the input
    source = cv2.GaussianBlur(edge, (0, 0), 1.5).astype(int)
    assert np.abs((sharp[..., 0] - sharp[..., 1]) - (source[..., 0] - source[..., 1]))[:, 5:-5].max() <= 1


def test_clip_function_keeps_alpha_length_and_validates():
    clip = sharpen(indexed_clip(3, audio=False))
    assert clip.n_frames == 3 and next(clip.frames()).shape == (240, 320, 3)
    rgba = np.dstack([np.full((8, 8, 3), 90, np.uint8), np.full((8, 8), 7, np.uint8)])
    assert (sharpen_frame(rgba)[:, :, 3] == 7).all()
    with pytest.raises(ParamError, match="amount"):
        sharpen(clip, amount=-1)
