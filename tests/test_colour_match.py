"""Colour matching in LAB: a colour cast is measured on one frame and removed from others."""

from __future__ import annotations

import numpy as np
import pytest
from synthetic import index_frame

from shotgraph.colour_match import colour_transfer, match_colour


def cast(frame, gains=(1.1, 1.0, 0.85), lift=6):
    return np.clip(frame.astype(np.float32) * gains + lift, 0, 255).astype(np.uint8)


def psnr(a, b):
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * np.log10(255**2 / max(mse, 1e-9))


@pytest.mark.parametrize("mode", ["lab", "histogram"])
def test_a_colour_cast_is_removed(mode):
    chart = index_frame(5, 256, 192)
    tinted = cast(chart)
    fixed = match_colour(tinted, chart, mode)
    assert psnr(fixed, chart) > psnr(tinted, chart) + 2
    means = lambda f: f.reshape(-1, 3).astype(float).mean(axis=0)  # noqa: E731
    before, after = np.abs(means(tinted) - means(chart)).max(), np.abs(means(fixed) - means(chart)).max()
    assert after < before / 3 and after < 4, (before, after)


def test_one_mapping_applies_to_every_frame_of_a_segment():
    chart = index_frame(5, 128, 96)
    shifted = np.roll(chart, 16, axis=1)  # another frame of the same drifting segment
    transfer = colour_transfer(cast(chart), chart, "lab")
    assert psnr(transfer.apply(cast(shifted)), shifted) > psnr(cast(shifted), shifted) + 2


def test_none_is_identity_and_alpha_is_kept():
    chart = index_frame(5, 64, 48)
    rgba = np.dstack([chart, np.full(chart.shape[:2], 77, np.uint8)])
    out = colour_transfer(chart, chart, "none").apply(rgba)
    assert out.shape == rgba.shape and np.all(out[..., 3] == 77)
    assert psnr(out[..., :3], chart) > 40  # only the 8-bit LAB round trip
