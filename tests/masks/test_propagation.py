"""Mask quality on synthetic shots with ground truth: J (IoU) and F (DAVIS contour accuracy) on the
prompted frame and on the last frame after propagation through an occlusion."""

from __future__ import annotations

import numpy as np
import pytest
from segmentation_shots import SyntheticShot

from shotgraph.masks import grabcut
from shotgraph.masks.frames import frames_between
from shotgraph.masks.metrics import j_and_f
from shotgraph.masks.prompts import Point, Prompt
from shotgraph.masks.propagate import PropagationSettings, propagate
from shotgraph.masks.store import MaskStore

SHOT = SyntheticShot(n_frames=24)


def run(tmp_path, anchors, refine="grabcut"):
    store = MaskStore(tmp_path / "masks", SHOT.width, SHOT.height, SHOT.n_frames)
    propagate(SHOT.clip(), anchors, store, PropagationSettings(refine=refine))
    return store


def test_grabcut_from_a_box_on_the_first_frame():
    j, f = j_and_f(grabcut.mask_from_prompt(SHOT.frame(0), Prompt(box=SHOT.box(0))), SHOT.truth(0))
    assert j > 0.95 and f > 0.95, (j, f)


def test_grabcut_from_clicks_alone():
    ys, xs = np.nonzero(SHOT.truth(0))
    centre = Point(x=float(np.median(xs)), y=float(np.median(ys)))
    background = Point(x=5, y=5, label=0)
    j, f = j_and_f(grabcut.mask_from_prompt(SHOT.frame(0), Prompt(points=[centre, background])), SHOT.truth(0))
    assert j > 0.9 and f > 0.9, (j, f)


@pytest.mark.parametrize("refine", ["grabcut", "colour"])
def test_forward_propagation_through_an_occlusion(tmp_path, refine):
    first = grabcut.mask_from_prompt(SHOT.frame(0), Prompt(box=SHOT.box(0)))
    store = run(tmp_path, {0: first}, refine)
    scores = [j_and_f(store.get(i), SHOT.truth(i)) for i in range(SHOT.n_frames)]
    j1, f1 = scores[0]
    j_last, f_last = scores[-1]
    assert j1 > 0.95 and f1 > 0.95
    assert j_last > 0.9 and f_last > 0.9, scores[-1]
    # through the occlusion (the occluder crosses the object mid-shot) it never falls apart
    assert min(j for j, _ in scores) > 0.85, [round(j, 2) for j, _ in scores]


def test_plain_flow_warping_drifts_which_is_why_masks_are_refined(tmp_path):
    store = run(tmp_path, {0: SHOT.truth(0)}, refine="none")
    assert j_and_f(store.get(SHOT.n_frames - 1), SHOT.truth(SHOT.n_frames - 1))[0] < 0.5


def test_backward_propagation_from_a_prompt_on_the_last_frame(tmp_path):
    last = SHOT.n_frames - 1
    store = run(tmp_path, {last: grabcut.mask_from_prompt(SHOT.frame(last), Prompt(box=SHOT.box(last)))})
    j, f = j_and_f(store.get(0), SHOT.truth(0))
    assert j > 0.9 and f > 0.9, (j, f)


def test_re_anchoring_follows_the_nearest_prompt(tmp_path):
    """A wrong-ish first anchor (a shrunken mask) is corrected by a second prompt: frames next to
    the second anchor follow it."""
    last = SHOT.n_frames - 1
    poor = (np.roll(SHOT.truth(0), 12, axis=1) & SHOT.truth(0))  # a shifted, partial first mask
    good = grabcut.mask_from_prompt(SHOT.frame(last), Prompt(box=SHOT.box(last)))
    single = run(tmp_path / "one", {0: poor}, refine="none")
    both = run(tmp_path / "two", {0: poor, last: good}, refine="none")
    near_second = last - 2
    j_single = j_and_f(single.get(near_second), SHOT.truth(near_second))[0]
    j_both = j_and_f(both.get(near_second), SHOT.truth(near_second))[0]
    assert j_both > 0.85 and j_both > j_single + 0.2, (j_single, j_both)


def test_every_frame_gets_exactly_one_mask_and_reverse_reading_is_exact(tmp_path):
    store = run(tmp_path, {5: SHOT.truth(5), 15: SHOT.truth(15)})
    assert store.complete()
    backwards = [index for index, _ in frames_between(SHOT.clip(), 20, 3, chunk=4)]
    assert backwards == list(range(20, 2, -1))
    frame_7 = dict(frames_between(SHOT.clip(), 20, 3, chunk=4))[7]
    assert np.array_equal(frame_7, SHOT.frame(7))
