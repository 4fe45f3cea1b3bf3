"""denoise: motion-compensated temporal averaging beats both a naive temporal mean (ghosts) and a
spatial blur (loses detail); cuts do not bleed; frames stream through a bounded window."""

from __future__ import annotations

from fractions import Fraction

import cv2
import numpy as np
import pytest

from shotgraph.clip import ConcatClip, FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.ops.denoise import denoise, estimate_noise

data = pytest.importorskip("skimage.data")  # real photos come with scikit-image (the test extra)

W, H, N, SIGMA = 256, 192, 7, 12.0
BACKGROUND = cv2.resize(data.astronaut(), (512, 512))


def clean_frame(index: int) -> np.ndarray:
    """A real photo panning (3, 2) px per frame, with a block moving the other way."""
    x, y = 40 + 3 * index, 30 + 2 * index
    frame = BACKGROUND[y : y + H, x : x + W].copy()
    frame[80:120, 180 - 6 * index : 220 - 6 * index] = (250, 200, 40)
    return frame


def noisy_frame(index: int, seed: int = 0) -> np.ndarray:
    noise = np.random.default_rng(seed * 1000 + index).normal(0, SIGMA, (H, W, 3))
    return np.clip(clean_frame(index) + noise, 0, 255).astype(np.uint8)


def noisy_clip(n=N):
    return FunctionClip(VideoInfo(W, H, Fraction(24), n), noisy_frame)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    return 10 * np.log10(255**2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


@pytest.fixture(scope="module")
def denoised():
    return [f.copy() for f in denoise(noisy_clip()).frames()]


def test_noise_estimate_is_close_and_ignores_clean_detail():
    assert estimate_noise(noisy_frame(3)) == pytest.approx(SIGMA, rel=0.2)
    assert estimate_noise(clean_frame(3)) < 2.5


def test_aligned_averaging_beats_naive_averaging_and_blur(denoised):
    middle = 3
    ours = psnr(denoised[middle], clean_frame(middle))
    noisy = psnr(noisy_frame(middle), clean_frame(middle))
    naive = np.mean([noisy_frame(i).astype(float) for i in range(1, 6)], axis=0)  # same 5 frames, no flow
    blurred = cv2.GaussianBlur(noisy_frame(middle), (0, 0), 1.2)
    assert ours > noisy + 5, (ours, noisy)  # 5 aligned frames: up to 7 dB
    assert ours > psnr(naive, clean_frame(middle)) + 6  # no ghosting of the pan or the block
    assert ours > psnr(blurred, clean_frame(middle)) + 1.5  # detail kept
    block = (slice(80, 120), slice(180 - 18, 220 - 18))
    assert psnr(denoised[middle][block], clean_frame(middle)[block]) > psnr(noisy_frame(middle)[block],
                                                                            clean_frame(middle)[block])


def test_first_and_last_frames_use_the_neighbours_they_have(denoised):
    for index in (0, N - 1):
        assert psnr(denoised[index], clean_frame(index)) > psnr(noisy_frame(index), clean_frame(index)) + 3


def test_a_scene_cut_does_not_bleed_into_the_next_shot():
    dark = FunctionClip(VideoInfo(W, H, Fraction(24), 4), lambda i: (noisy_frame(i, seed=1) // 4))
    cut = ConcatClip([dark, noisy_clip(4)])
    out = [f.copy() for f in denoise(cut).frames()]
    first_after, last_before = out[4], out[3]
    assert abs(first_after.mean() - clean_frame(0).mean()) < 1.5  # no darkening from the previous shot
    assert abs(last_before.mean() - (noisy_frame(3, seed=1) // 4).mean()) < 1.5


def test_streaming_from_any_frame_gives_the_same_frames(denoised):
    again = [f.copy() for f in denoise(noisy_clip()).frames(2, 5)]
    assert all(np.array_equal(a, b) for a, b in zip(again, denoised[2:5]))


def test_alpha_and_audio_pass_through():
    frames = lambda i: np.dstack([noisy_frame(i), np.full((H, W), 99, np.uint8)])  # noqa: E731
    clip = FunctionClip(VideoInfo(W, H, Fraction(24), 3, alpha=True), frames)
    out = list(denoise(clip, radius=1).frames())
    assert out[1].shape == (H, W, 4) and (out[1][:, :, 3] == 99).all()


def test_bad_params_are_one_clear_error():
    with pytest.raises(ParamError, match="radius"):
        denoise(noisy_clip(), radius=0)
