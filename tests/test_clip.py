"""The clip model: exact audio/video alignment through slicing, retiming and joining."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from synthetic import indexed_clip, read_index

from shotgraph.clip import ConcatClip, RetimeClip, SliceClip, parse_fps, samples_for_frames
from shotgraph.errors import UserError


@pytest.mark.parametrize("text,expected", [(24, Fraction(24)), ("29.97", Fraction(30000, 1001)),
                                           (23.976, Fraction(24000, 1001)), ("30000/1001", Fraction(30000, 1001)),
                                           ("12.5", Fraction(25, 2)), (59.94, Fraction(60000, 1001))])
def test_parse_fps(text, expected):
    assert parse_fps(text) == expected


@pytest.mark.parametrize("bad", ["fast", 0, -24, "1/0", True])
def test_parse_fps_rejects_nonsense(bad):
    with pytest.raises(UserError):
        parse_fps(bad)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=1, max_size=8), st.sampled_from([24, 25, 30, Fraction(30000, 1001)]),
       st.sampled_from([44100, 48000]))
def test_part_boundaries_tile_the_joined_timeline(lengths, fps, rate):
    """Sample boundaries of consecutive parts meet exactly: joins can never drift."""
    fps = Fraction(fps)
    offsets = np.cumsum([0] + lengths)
    for a, b in zip(offsets[:-1], offsets[1:]):
        assert samples_for_frames(int(b), fps, rate) >= samples_for_frames(int(a), fps, rate)
    assert abs(samples_for_frames(int(offsets[-1]), fps, rate) - float(offsets[-1] / fps * rate)) <= 0.5


def test_slice_gives_the_right_frames_and_audio_length():
    clip = indexed_clip(100, fps=Fraction(30000, 1001))
    part = SliceClip(clip, 17, 61)
    assert [read_index(f) for f in part.frames()] == list(range(17, 61))
    audio = np.concatenate(list(part.audio_samples()), axis=1)
    assert audio.shape[1] == part.n_samples == samples_for_frames(44, clip.video.fps, 48000)
    whole = np.concatenate(list(clip.audio_samples()), axis=1)
    start = samples_for_frames(17, clip.video.fps, 48000)
    assert np.array_equal(audio, whole[:, start : start + audio.shape[1]])


def test_concat_keeps_every_part_on_its_own_samples():
    parts = [indexed_clip(n, fps=Fraction(30000, 1001)) for n in (7, 13, 29)]
    joined = ConcatClip(parts)
    assert joined.n_frames == 49
    assert [read_index(f) for f in joined.frames()] == list(range(7)) + list(range(13)) + list(range(29))
    audio = np.concatenate(list(joined.audio_samples()), axis=1)
    assert audio.shape[1] == joined.n_samples
    # frames read from the middle match frames read from the start
    assert [read_index(f) for f in joined.frames(5, 25)] == (list(range(5, 7)) + list(range(13)) + list(range(5)))


def test_retime_duplicates_and_drops_in_order():
    clip = indexed_clip(10, audio=False)
    retimed = RetimeClip(clip, np.array([0, 0, 1, 3, 3, 9]), Fraction(12))
    assert [read_index(f) for f in retimed.frames()] == [0, 0, 1, 3, 3, 9]
    assert [read_index(f) for f in retimed.frames(3, 6)] == [3, 3, 9]


def test_frames_are_read_only():
    frame = next(indexed_clip(2).frames())
    with pytest.raises(ValueError):
        frame[0, 0, 0] = 1


def test_out_of_range_is_a_user_error():
    with pytest.raises(UserError, match="outside"):
        list(indexed_clip(5).frames(3, 9))
