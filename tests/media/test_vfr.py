"""Variable frame rate input becomes constant frame rate, with audio still in sync."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from synthetic import click_positions, read_index, write_vfr_video

from shotgraph.media import open_video
from shotgraph.media.probe import probe

FPS = 30


@pytest.fixture(scope="module")
def vfr_file(tmp_path_factory):
    """Frames at irregular times (a phone stuttering between 15 and 60 fps) over ~4 s."""
    rng = np.random.default_rng(7)
    gaps = rng.choice([1 / 60, 1 / 30, 1 / 20, 1 / 15], size=150, p=[0.3, 0.4, 0.2, 0.1])
    times = np.concatenate([[0.0], np.cumsum(gaps)[:-1]])
    times = np.round(times, 3)  # millisecond timestamps, like real MKV/WebM files
    path = tmp_path_factory.mktemp("vfr") / "phone.mkv"
    clicks = (10, 60, 120)
    write_vfr_video(path, list(times), click_frames=clicks)
    return path, times, clicks


def test_probe_reports_variable_frame_rate(vfr_file):
    info = probe(vfr_file[0])
    assert info["video"]["variable_frame_rate"] is True
    assert info["video"]["frames"] == 150


def test_each_output_frame_is_the_source_frame_nearest_in_time(vfr_file):
    path, times, _ = vfr_file
    clip = open_video(path, fps=FPS)
    assert clip.variable_rate and clip.video.fps == FPS
    span = times[-1] + 0.05  # the writer's last frame lasts until the end of the audio
    assert abs(clip.n_frames - round(span * FPS)) <= 1
    for k, frame in enumerate(clip.frames()):
        t = k / FPS
        expected = int(np.argmin(np.abs(times - t) + 1e-9 * np.arange(len(times))))  # ties: earlier
        assert read_index(frame) == expected, (k, t)


def test_audio_stays_in_sync_with_the_frames(vfr_file):
    """A click emitted when frame i appears must land within one output frame of where frame i is shown."""
    path, times, clicks = vfr_file
    clip = open_video(path, fps=FPS)
    audio = np.concatenate(list(clip.audio_samples()), axis=1)
    assert audio.shape[1] == clip.n_samples
    found = click_positions(audio)
    assert len(found) == len(clicks)
    rate = clip.audio.sample_rate
    index_of = [read_index(f) for f in clip.frames()]
    for sample, source_frame in zip(found, clicks):
        shown_at = index_of.index(source_frame) / FPS  # first output frame showing it
        assert abs(sample / rate - times[source_frame]) < 0.01  # the audio itself is not moved
        assert abs(sample / rate - shown_at) <= 1 / FPS + 1e-6


def test_default_rate_for_vfr_is_a_common_rate_near_the_average(vfr_file):
    clip = open_video(vfr_file[0])
    average = 150 / (vfr_file[1][-1] + 0.05)
    assert clip.video.fps in (Fraction(24), Fraction(25), Fraction(30), Fraction(30000, 1001), Fraction(50),
                              Fraction(60))
    assert abs(float(clip.video.fps) - average) / average < 0.2


def test_seeking_into_a_vfr_file_gives_the_same_frames(vfr_file):
    clip = open_video(vfr_file[0], fps=FPS)
    whole = [read_index(f) for f in clip.frames()]
    tail = [read_index(f) for f in clip.frames(70, 90)]
    assert tail == whole[70:90]
