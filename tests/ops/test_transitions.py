"""Transitions: the frame functions, and joins whose durations, frame order and audio are exact."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from synthetic import indexed_clip, read_index

from shotgraph.errors import ParamError
from shotgraph.finish.transitions import TransitionSpec, blend_function, crossfade, dip, join, wipe, zoom_through

A = np.full((60, 80, 3), 200, np.uint8)
B = np.full((60, 80, 3), 40, np.uint8)


def test_crossfade_and_dip_midpoints():
    assert abs(int(crossfade(A, B, 0.5).mean()) - 120) <= 1
    assert dip(A, B, 0.5).max() == 0
    assert dip(A, B, 0.5, (255, 255, 255, 255)).min() == 255
    assert abs(dip(A, B, 0.01).mean() - 200) < 2 and abs(dip(A, B, 0.99).mean() - 40) < 2


@pytest.mark.parametrize("direction,b_side", [("right", (slice(None), slice(0, 30))),
                                              ("left", (slice(None), slice(50, 80))),
                                              ("down", (slice(0, 20), slice(None))),
                                              ("up", (slice(40, 60), slice(None)))])
def test_wipes_reveal_from_the_side_the_edge_leaves(direction, b_side):
    frame = wipe(A, B, 0.5, direction, softness=0.05)
    assert (frame[b_side] == 40).all()
    assert (frame == 200).sum() > 0.3 * frame.size  # the rest still shows A
    assert (wipe(A, B, 0.0, direction) == 200).all() and (wipe(A, B, 1.0, direction) == 40).all()


def test_zoom_through_goes_from_a_to_b():
    ramp = np.tile(np.linspace(0, 255, 80, dtype=np.uint8), (60, 1))[..., None].repeat(3, 2)
    start, end = zoom_through(ramp, B, 0.02), zoom_through(ramp, B, 0.98)
    assert np.abs(start.astype(int) - ramp).mean() < 6 and np.abs(end.astype(int) - 40).mean() < 3
    assert 40 < zoom_through(ramp, B, 0.5).mean() < 128


@pytest.mark.parametrize("kind", ["crossfade", "dip-to-black", "dip-to-white", "wipe-left", "wipe-right",
                                  "wipe-up", "wipe-down", "zoom-through"])
def test_join_with_transitions_has_exact_length_order_and_audio(kind):
    clips = [indexed_clip(24, fps=Fraction(24), width=256, height=96) for _ in range(3)]
    spec = TransitionSpec(kind=kind, duration=0.5)  # 12 frames
    joined = join(clips, [spec, spec])
    assert joined.n_frames == 24 * 3 - 12 * 2
    frames = list(joined.frames())
    assert len(frames) == 48
    # outside the overlaps every frame is the right source frame
    assert [read_index(f) for f in frames[:12]] == list(range(12))
    assert [read_index(f) for f in frames[36:]] == list(range(12, 24))
    audio = np.concatenate(list(joined.audio_samples()), axis=1)
    assert audio.shape[1] == joined.n_samples == 48 * 2000
    # a seek into the middle gives the same frames as the full pass
    assert all(np.array_equal(a, b) for a, b in zip(joined.frames(10, 20), frames[10:20]))


def test_cut_and_none_are_plain_joins():
    clips = [indexed_clip(10, width=64, height=48, audio=False) for _ in range(2)]
    assert join(clips, [None]).n_frames == join(clips, [TransitionSpec(kind="cut")]).n_frames == 20


def test_crossfade_keeps_the_sound_level():
    clips = [indexed_clip(48, width=64, height=48) for _ in range(2)]
    joined = join(clips, [TransitionSpec(kind="crossfade", duration=1.0)])
    audio = np.concatenate(list(joined.audio_samples()), axis=1)[0]
    rms = lambda a: float(np.sqrt((a ** 2).mean()))  # noqa: E731
    # the two tones are in phase here, so equal-power gains sum above 1 at the middle, never below
    middle = rms(audio[int(1.4 * 48000): int(1.6 * 48000)])
    assert middle >= 0.9 * rms(audio[:24000])


def test_transition_longer_than_a_clip_is_a_clear_error():
    clips = [indexed_clip(10, width=64, height=48), indexed_clip(30, width=64, height=48)]
    with pytest.raises(ParamError, match="longer than a clip"):
        join(clips, [TransitionSpec(duration=1.0)])
    three = [indexed_clip(30, width=64, height=48), indexed_clip(20, width=64, height=48), indexed_clip(30, width=64, height=48)]
    with pytest.raises(ParamError, match="shorter than its two transitions"):
        join(three, [TransitionSpec(duration=0.5), TransitionSpec(duration=0.5)])


def test_every_kind_has_a_blend():
    for kind in TransitionSpec.model_fields["kind"].annotation.__args__:
        assert blend_function(TransitionSpec(kind=kind))(A, B, 0.5).shape == A.shape
