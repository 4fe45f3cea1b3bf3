"""Chroma keying and spill suppression on a synthetic green-screen frame with a known subject."""

import numpy as np
from segmentation_shots import texture

from shotgraph.masks.keying import chroma, estimate_key_colour, key_matte, suppress_spill
from shotgraph.masks.metrics import j_and_f

GREEN = (40, 180, 70)


def green_screen(seed=0):
    rng = np.random.default_rng(seed)
    frame = np.clip(np.array(GREEN) + rng.normal(0, 6, (120, 160, 3)), 0, 255).astype(np.uint8)
    frame[:30] = np.clip(frame[:30].astype(int) - 40, 0, 255)  # a shadow on the backdrop
    truth = np.zeros((120, 160), np.uint8)
    truth[30:100, 50:110] = 255
    subject = texture(rng, 120, 160, (150, 110, 90), (230, 190, 170), 5)
    frame[truth > 0] = subject[truth > 0]
    return frame, truth


def test_key_separates_the_subject_including_the_shadowed_backdrop():
    frame, truth = green_screen()
    key = estimate_key_colour(frame)
    assert np.linalg.norm(chroma(np.array(key, np.float32)) - chroma(np.array(GREEN, np.float32))) < 12
    matte = key_matte(frame, key, tolerance=20, softness=20)
    j, f = j_and_f(matte >= 128, truth)
    assert j > 0.97 and f > 0.97, (j, f)


def test_spill_suppression_neutralises_a_green_cast_and_keeps_other_hues():
    grey_with_spill = np.array([[[120, 160, 120]]], np.uint8)
    red = np.array([[[200, 40, 40]]], np.uint8)
    cleaned = suppress_spill(grey_with_spill, GREEN).astype(int)[0, 0]
    assert np.ptp(cleaned) <= 40 / 3, cleaned  # the green cast (40 levels) mostly gone
    assert abs(int(cleaned.mean()) - int(np.dot([0.2126, 0.7152, 0.0722], [120, 160, 120]))) <= 2  # luma kept
    assert np.abs(suppress_spill(red, GREEN).astype(int) - red.astype(int)).max() <= 30  # red stays red
    assert suppress_spill(red, GREEN)[0, 0, 0] > 150
