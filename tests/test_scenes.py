"""Cut and duplicate-frame detection."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from motion_sequences import texture

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.scenes import analyse_frames, detect_cuts, detect_duplicates

W, H = 320, 240


def clip_of(frames) -> FunctionClip:
    return FunctionClip(VideoInfo(W, H, Fraction(24), len(frames)), lambda i: frames[i])


def test_cuts_between_different_shots_are_found_even_near_the_start():
    a, b, c = texture(W, H, 1), texture(W, H, 2), texture(W, H, 3)
    frames = [a, a, b, b, b, b, c, c]
    assert detect_cuts(clip_of(frames)) == [2, 6]


def test_held_drawings_are_duplicates_despite_compression_noise_but_small_changes_are_not():
    rng = np.random.default_rng(0)
    base = texture(W, H, 4)
    noisy = np.clip(base.astype(int) + rng.integers(-2, 3, base.shape), 0, 255).astype(np.uint8)
    mouth = base.copy()
    mouth[100:116, 150:170] = 255 - mouth[100:116, 150:170]  # a small part of the drawing changes
    duplicates = detect_duplicates(clip_of([base, noisy, noisy, mouth, mouth]))
    assert duplicates.tolist() == [False, True, True, False, True]


def test_a_slow_fade_is_not_mistaken_for_a_hold():
    base = texture(W, H, 5).astype(np.int16)
    frames = [np.clip(base + 2 * i, 0, 255).astype(np.uint8) for i in range(20)]
    duplicates = detect_duplicates(clip_of(frames))
    runs = "".join("d" if d else "." for d in duplicates).split(".")
    assert max(len(r) for r in runs) <= 4  # compared with the last distinct picture, drift adds up


def test_a_cut_frame_is_never_a_duplicate():
    a = texture(W, H, 6)
    analysis = analyse_frames(clip_of([a, a, texture(W, H, 7)]))
    assert analysis.cuts == (2,) and analysis.duplicates.tolist() == [False, True, False]
