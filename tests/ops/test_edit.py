"""The edit: frame counts with transitions, speed, freeze frames, titles, overlays, PiP and audio."""

from __future__ import annotations

import wave
from fractions import Fraction

import numpy as np
import pytest
from synthetic import indexed_clip, read_index, tone

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.media import write_image
from shotgraph.finish.edit import EditParams, change_speed, edit
from shotgraph.finish.mix import AudioTrack, AudioTrackParams, DuckParams, duck_curve, mix_tracks
from shotgraph.finish.title import TitleSpec, title_frame

W, H = 256, 96


def source(n=48, audio=True):
    return indexed_clip(n, fps=Fraction(24), width=W, height=H, audio=audio)


def run_edit(document, clips, tracks=(), clip_of=None, file_of=None):
    params = EditParams.model_validate({"fps": 24, "width": W, "height": H, **document})
    return edit(clips, params, list(tracks), clip_of, file_of)


def test_edit_length_is_clips_minus_transition_overlaps():
    cut = run_edit({"clips": [{"shot": "a"}, {"shot": "b", "in": 0.5, "out": 1.5,
                                               "transition": {"kind": "crossfade", "duration": 0.25}},
                              {"shot": "c", "transition": {"kind": "wipe-left", "duration": 0.5}}]},
                   [source(), source(), source()])
    assert cut.n_frames == 48 + 24 + 48 - 6 - 12
    frames = list(cut.frames())
    assert len(frames) == cut.n_frames
    assert [read_index(f) for f in frames[48:54]] == list(range(18, 24))  # b after the crossfade
    assert sum(c.shape[1] for c in cut.audio_samples()) == cut.n_samples


def test_speed_changes_drop_or_repeat_frames_and_varispeed_the_sound():
    fast = change_speed(source(48), 2.0)
    assert fast.n_frames == 24 and [read_index(f) for f in fast.frames(0, 4)] == [0, 2, 4, 6]
    slow = change_speed(source(48), 0.5)
    assert slow.n_frames == 96 and [read_index(f) for f in slow.frames(0, 4)] == [0, 0, 1, 1]
    audio = np.concatenate(list(slow.audio_samples()), axis=1)[0]
    assert audio.shape[0] == slow.n_samples
    spectrum = np.abs(np.fft.rfft(audio[4800:4800 + 48000]))
    assert abs(np.argmax(spectrum) - 220) <= 2  # the 440 Hz tone at half speed is 220 Hz


def test_freeze_frame_and_title_card():
    cut = run_edit({"clips": [{"title": {"text": "Hello", "duration": 1.0}},
                              {"shot": "a", "freeze": "10f", "duration": 0.5}]}, [None, source()])
    frames = list(cut.frames())
    assert len(frames) == 24 + 12
    assert {read_index(f) for f in frames[24:]} == {10}
    card = frames[0]
    assert card.max() == 255 and (card == 0).mean() > 0.8  # white text on black
    silent = np.concatenate(list(cut.audio_samples()), axis=1)
    assert np.abs(silent).max() == 0  # titles and freezes are silent, music-free here


def test_title_frame_centres_text_and_subtitle():
    frame = title_frame(TitleSpec(text="TITLE", subtitle="sub"), 320, 180)
    rows = np.flatnonzero(frame.max(axis=(1, 2)) > 128)
    cols = np.flatnonzero(frame.max(axis=(0, 2)) > 128)
    assert abs((rows[0] + rows[-1]) / 2 - 90) < 12 and abs((cols[0] + cols[-1]) / 2 - 160) < 6


def test_text_overlay_only_touches_its_time_and_place():
    cut = run_edit({"clips": [{"shot": "a"}],
                    "overlays": [{"text": "LOWER THIRD", "start": 0.5, "duration": 0.5, "position": "bottom",
                                  "box": "#000000"}]}, [source()], clip_of=None, file_of=lambda r: r)
    plain = list(source().frames())
    frames = list(cut.frames())
    changed = [not np.array_equal(a, b) for a, b in zip(frames, plain)]
    assert changed == [False] * 12 + [True] * 12 + [False] * 24
    diff = np.abs(frames[15].astype(int) - plain[15]).sum(axis=2)
    rows = np.flatnonzero(diff.max(axis=1))
    assert rows.min() > H // 2  # at the bottom


def test_picture_in_picture_and_image_overlay(tmp_path):
    logo = np.zeros((20, 40, 4), np.uint8)
    logo[..., 1] = 255
    logo[..., 3] = 255
    write_image(tmp_path / "logo.png", logo)
    red = FunctionClip(VideoInfo(64, 48, Fraction(24), 24), lambda i: np.full((48, 64, 3), (255, 0, 0), np.uint8))
    cut = run_edit({"clips": [{"shot": "a"}],
                    "overlays": [{"shot": "pip", "start": 1.0, "position": "top-right", "width": 0.25},
                                 {"image": "logo.png", "position": "bottom-left", "width": 0.1}]},
                   [source()], clip_of=lambda ref: red, file_of=lambda ref: tmp_path / ref)
    frame = cut.frame_at(30)
    pip = frame[:, W // 2:][(frame[:, W // 2:] == (255, 0, 0)).all(axis=2)]
    assert len(pip) > 0.8 * (W // 4) * (W // 4 * 48 // 64)
    assert ((cut.frame_at(30) == (0, 255, 0)).all(axis=2)).sum() > 0.8 * 26 * 13
    assert not ((cut.frame_at(10) == (255, 0, 0)).all(axis=2)).any()  # before it starts


def test_edit_errors_name_the_problem():
    with pytest.raises(ValueError, match="either shot or title"):
        EditParams.model_validate({"clips": [{}]})
    with pytest.raises(ValueError, match="nothing to transition from"):
        EditParams.model_validate({"clips": [{"shot": "a", "transition": {"kind": "crossfade"}}]})
    with pytest.raises(ParamError, match="freeze at"):
        run_edit({"clips": [{"shot": "a", "freeze": 5.0, "duration": 1}]}, [source()])


def write_tone_wav(path, seconds, freq, amp, rate=48000, gaps=()):
    data = tone(0, int(seconds * rate), rate, freq, channels=1, amp=amp)[0]
    for lo, hi in gaps:
        data[int(lo * rate): int(hi * rate)] = 0
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((data * 32767).astype("<i2").tobytes())


def test_music_ducks_under_dialogue(tmp_path):
    write_tone_wav(tmp_path / "music.wav", 4, 200, 0.3)
    write_tone_wav(tmp_path / "voice.wav", 4, 1000, 0.3, gaps=[(0, 1.5), (2.5, 4)])  # speech 1.5-2.5 s
    silent = indexed_clip(96, width=64, height=48, audio=False)
    tracks = [AudioTrack(tmp_path / "music.wav", AudioTrackParams(file="music.wav", role="music")),
              AudioTrack(tmp_path / "voice.wav", AudioTrackParams(file="voice.wav", role="dialogue"))]
    duck = DuckParams(amount_db=-12, attack=0.1, release=0.3)
    mixed = mix_tracks(silent, tracks, audio=AudioInfo(48000, 1), duck=duck)
    audio = np.concatenate(list(mixed.audio_samples()), axis=1)[0]
    spectrum = lambda lo, hi: np.abs(np.fft.rfft(audio[int(lo * 48000): int(hi * 48000)]))  # noqa: E731
    music_level = lambda lo, hi: spectrum(lo, hi)[round(200 * (hi - lo))]  # noqa: E731
    drop = 20 * np.log10(music_level(1.7, 2.3) / music_level(0.2, 0.8))
    assert -13 < drop < -11
    assert abs(20 * np.log10(music_level(3.3, 3.9) / music_level(0.2, 0.8))) < 0.5  # recovered


def test_duck_curve_anticipates_and_releases():
    levels = np.full(300, -90.0)
    levels[100:200] = -10
    curve = duck_curve(levels, DuckParams(amount_db=-10, attack=0.2, release=0.5))
    assert curve[100:200].max() == -10 and curve[0] == 0 and curve[-1] == 0
    assert -10 < curve[90] < 0 and -10 < curve[220] < 0  # ramps: 20 hops before, 50 after
