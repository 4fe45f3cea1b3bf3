"""The lipsync op (mesh backend) end to end, measured with the face mesh on the encoded output."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import yaml
from cli_runner import shotgraph
from talking import draw_face, face_video, speech_like, two_faces, write_wav

pytest.importorskip("mediapipe")  # the faces extra: its models ship in the wheel

from shotgraph.backends.mediapipe.face import FaceLandmarker  # noqa: E402
from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo  # noqa: E402
from shotgraph.errors import BackendUnavailableError, MediaError, ParamError  # noqa: E402
from shotgraph.lipsync.sync import best_lag, measure_sync, mouth_openings, speech_activity  # noqa: E402
from shotgraph.media import open_video, write_clip, write_image  # noqa: E402
from shotgraph.media.probe import probe  # noqa: E402
from shotgraph.ops.lipsync import lipsync  # noqa: E402

FPS = Fraction(25)
FRAME_MS = 1000 / float(FPS)


@pytest.fixture(scope="module")
def media(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lipsync")
    speech = speech_like(4.0, 16000, seed=1)
    write_wav(folder / "speech.wav", speech.samples, speech.rate)
    write_image(folder / "face.png", draw_face(256))
    face_video(folder / "face.mp4", 60, FPS)
    return folder, speech


def _durations(path):
    info = probe(path)
    return info, info["video"], info["audio"][0]


@pytest.mark.slow
def test_photo_becomes_a_talking_head_in_sync(media, tmp_path):
    folder, speech = media
    out = write_clip(lipsync(folder / "face.png", folder / "speech.wav", fps=FPS, seed=3), tmp_path / "talk.mp4")
    clip = open_video(out)
    assert clip.n_frames == 100  # 4.0 s of audio at 25 fps
    assert clip.audio == AudioInfo(16000, 1)  # the audio's own format is kept

    openings = mouth_openings(clip, FaceLandmarker)
    activity = speech_activity(clip)
    silent = speech.silent_frames(FPS, clip.n_frames)
    assert silent.sum() >= 20 and (~silent).sum() >= 30
    assert np.corrcoef(openings, activity)[0, 1] > 0.8
    assert np.percentile(openings[~silent], 90) > 0.25  # the mouth really opens while speaking...
    assert openings[silent].max() < 0.08  # ...and is closed in the pauses (drawn lips: ~0.04)
    report = measure_sync(clip, FaceLandmarker)
    assert abs(report.offset_ms) <= FRAME_MS
    assert report.correlation > 0.8


def test_talking_head_blinks_and_moves(media, tmp_path):
    folder, _ = media
    clip = lipsync(folder / "face.png", folder / "speech.wav", fps=FPS, seed=3)
    frames = [clip.frame_at(k).astype(np.int16) for k in range(0, 100)]
    eye_band = slice(95, 135)  # the drawn eyes sit at rows ~108-122 of a 256 px face
    whites = np.array([(f[eye_band, 60:196].min(axis=2) > 200).sum() for f in frames])
    assert whites.min() < 0.35 * np.median(whites)  # a blink hides most of the eye whites
    background = np.array([np.abs(f[:, 40:216] - frames[0][:, 40:216]).mean() for f in frames])
    assert background.max() > 0.5  # the head sways...
    still = lipsync(folder / "face.png", folder / "speech.wav", fps=FPS, head_motion=0, blinks=False)
    photo = draw_face(256).astype(np.int16)
    top = [np.abs(still.frame_at(k)[:140].astype(np.int16) - photo[:140]).max() for k in (0, 50)]
    assert max(top) <= 1  # ...and keeps still, eyes open, when asked


@pytest.mark.slow
def test_video_mouth_follows_the_audio_not_the_source(media, tmp_path):
    """The source video's mouth opens and closes on its own (0.7 Hz); the result must follow the
    audio instead. Opening is measured by the drawn mouth's dark interior pixels: the face mesh
    reads a squeezed-shut *cartoon* mouth as half open, so it cannot judge the closing here."""
    folder, speech = media
    source = open_video(folder / "face.mp4")
    out = write_clip(lipsync(folder / "face.mp4", folder / "speech.wav"), tmp_path / "dub.mp4")
    clip = open_video(out)
    assert clip.n_frames == 100  # a 60-frame video extended to the audio's 100 frames
    source_map = np.r_[0:60, 58:18:-1]  # pingpong: 0..59, then back
    before = np.array([_mouth_gap(source.frame_at(int(i))) for i in source_map])
    after = np.array([_mouth_gap(frame) for frame in clip.frames()])
    activity = speech_activity(clip)
    assert np.corrcoef(after, activity)[0, 1] > 0.75
    assert abs(np.corrcoef(after, before)[0, 1]) < 0.4
    lag, _, _ = best_lag(after.astype(float), activity, 10)
    assert abs(lag) <= 1.0  # offset within one frame
    silent = speech.silent_frames(FPS, clip.n_frames)
    source_open_but_silent = silent & (before > 8)
    assert source_open_but_silent.sum() >= 5
    shut = after[source_open_but_silent]
    assert np.all(shut <= 0.5 * before[source_open_but_silent])  # shut in pauses: the seam of closed lips
    assert np.percentile(after[~silent], 90) >= 2 * shut.max()  # and open while speaking


def _mouth_gap(frame: np.ndarray) -> int:
    """Height in pixels of the drawn mouth's dark interior (the tallest column of dark pixels; the
    lips are lighter, and the seam of closed lips is a line one or two pixels thick)."""
    return int((frame[145:205, 80:176].max(axis=2) < 90).sum(axis=0).max())


def test_long_video_is_trimmed_or_kept(media, tmp_path):
    folder, _ = media
    short = speech_like(1.2, 16000, seed=4)
    write_wav(tmp_path / "short.wav", short.samples, short.rate)
    trimmed = lipsync(folder / "face.mp4", tmp_path / "short.wav")
    assert trimmed.n_frames == 30  # 1.2 s at 25 fps
    kept = lipsync(folder / "face.mp4", tmp_path / "short.wav", longer="keep")
    assert kept.n_frames == 60
    tail = np.concatenate(list(kept.audio_samples(trimmed.n_samples)), axis=1)
    assert tail.shape[1] == kept.n_samples - trimmed.n_samples and np.abs(tail).max() == 0


def test_any_audio_format_is_muxed_with_exact_duration(media, tmp_path):
    folder, speech = media
    rate = 44100
    stereo = np.stack([speech.samples, speech.samples * 0.5])
    resampled = np.stack([np.interp(np.arange(int(speech.seconds * rate)) * speech.rate / rate,
                                    np.arange(len(c)), c) for c in stereo]).astype(np.float32)
    n_frames = 87  # 3.48 s: not a whole number of 25 fps frames of 44.1 kHz audio
    n_samples = round(n_frames / 25 * rate) - 300
    carrier = FunctionClip(VideoInfo(64, 64, Fraction(25), n_frames), lambda i: np.zeros((64, 64, 3), np.uint8),
                           AudioInfo(rate, 2), lambda s, e: iter([resampled[:, s:min(e, n_samples)]]))
    write_clip(carrier, tmp_path / "voice.mkv", audio=None)
    out = write_clip(lipsync(folder / "face.png", tmp_path / "voice.mkv", fps=30), tmp_path / "talk.mp4")
    info, video, audio = _durations(out)
    assert audio["sample_rate"] == rate and audio["channels"] == 2
    clip = open_video(out)
    assert clip.n_frames == int(np.ceil((87 / 25) * 30))  # the audio's length, rounded up to a frame
    assert abs(float(video["duration"]) - clip.n_frames / 30) < 1e-3
    assert abs(float(audio["duration"]) - clip.n_frames / 30) < 0.03  # AAC frames: within ~one packet


def test_other_faces_are_untouched(tmp_path, media):
    folder, _ = media
    write_image(tmp_path / "pair.png", two_faces(256))
    source = two_faces(256)
    right = lipsync(tmp_path / "pair.png", folder / "speech.wav", fps=FPS, face_index=1, head_motion=0)
    frame = right.frame_at(40)  # mid-syllable
    assert np.array_equal(frame[:, :200], source[:, :200])
    assert np.abs(frame[:, 300:].astype(int) - source[:, 300:]).max() > 40
    left = lipsync(tmp_path / "pair.png", folder / "speech.wav", fps=FPS, face_box=(40, 40, 150, 180), head_motion=0)
    changes = []
    for k in range(20, 70, 5):
        frame = left.frame_at(k)
        assert np.array_equal(frame[:, 312:], source[:, 312:])
        changes.append(np.abs(frame[:, :256].astype(int) - source[:, :256]).max())
    assert max(changes) > 40


def test_still_clip_is_a_photo_and_output_is_deterministic(media, tmp_path):
    folder, _ = media
    short = speech_like(1.2, 16000, seed=5)
    write_wav(tmp_path / "short.wav", short.samples, short.rate)
    photo = draw_face(192)
    held = FunctionClip(VideoInfo(192, 192, Fraction(24), 48), lambda i: photo, name="held")
    first = write_clip(lipsync(held, tmp_path / "short.wav", seed=7), tmp_path / "a.mp4")
    second = write_clip(lipsync(held, tmp_path / "short.wav", seed=7), tmp_path / "b.mp4")
    assert first.read_bytes() == second.read_bytes()
    clip = open_video(first)
    assert clip.n_frames == 30 and clip.video.fps == 25  # a photo: the talking head's own fps, audio length


def test_clear_errors(media, tmp_path, monkeypatch):
    folder, _ = media
    write_image(tmp_path / "blank.png", np.full((128, 128, 3), 90, np.uint8))
    with pytest.raises(MediaError, match="no face found"):
        lipsync(tmp_path / "blank.png", folder / "speech.wav")
    with pytest.raises(ParamError, match=r"face 3 \(from the left\) not found; faces found"):
        lipsync(folder / "face.png", folder / "speech.wav", face_index=3)
    with pytest.raises(MediaError, match="no audio stream"):
        lipsync(folder / "face.png", folder / "face.mp4")
    import shotgraph.backends.mediapipe as mediapipe_face

    monkeypatch.setattr(mediapipe_face.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(BackendUnavailableError, match=r"pip install mediapipe==0\.10\.21"):
        lipsync(folder / "face.png", folder / "speech.wav")




def test_cli_lipsync_then_sync_check(media, tmp_path):
    folder, _ = media
    out = tmp_path / "cli.mp4"
    result = shotgraph("lipsync", folder / "face.png", folder / "speech.wav", "-o", out, "--fps", "25",
                       "--head-motion", "0.5")
    assert result.returncode == 0, result.stderr
    check = shotgraph("sync-check", out, "--json", "--tolerance-ms", "40")
    assert check.returncode == 0, check.stderr
    report = yaml.safe_load(check.stdout)
    assert abs(report["offset_ms"]) <= FRAME_MS and report["correlation"] > 0.8 and report["confident"]
    missing = shotgraph("lipsync", folder / "face.png", tmp_path / "nope.wav", "-o", tmp_path / "x.mp4")
    assert missing.returncode != 0 and "Traceback" not in missing.stderr and "nope.wav" in missing.stderr


def test_sync_check_measures_a_known_delay(media, tmp_path):
    folder, speech = media
    clip = lipsync(folder / "face.png", folder / "speech.wav", fps=FPS, head_motion=0, blinks=False)
    delay = 3  # frames: the video shows each mouth shape 3 frames after its sound
    late = FunctionClip(clip.video, lambda k: clip.frame_at(max(0, k - delay)), clip.audio,
                        lambda s, e: clip.audio_samples(s, e))
    path = write_clip(late, tmp_path / "late.mp4")
    result = shotgraph("sync-check", path, "--json", "--tolerance-ms", "40")
    assert result.returncode == 1  # out of tolerance
    report = yaml.safe_load(result.stdout)
    assert abs(report["offset_frames"] - delay) <= 0.5
    assert abs(report["offset_ms"] - delay * FRAME_MS) <= FRAME_MS / 2


def test_in_a_project_as_source_and_step(media, tmp_path):
    folder, _ = media
    (tmp_path / "face.png").write_bytes((folder / "face.png").read_bytes())
    short = speech_like(1.2, 16000, seed=6)
    write_wav(tmp_path / "speech.wav", short.samples, short.rate)
    project = {
        "shotgraph": 1, "fps": 25, "width": 256, "height": 256,
        "assets": {"portrait": "face.png", "line": "speech.wav"},
        "shots": {
            "talk": {"source": {"op": "lipsync", "face": "portrait", "audio": "line", "head_motion": 0}},
            "held": {"source": {"op": "still", "image": "portrait", "duration": 1},
                     "steps": [{"op": "lipsync", "audio": "line", "blinks": False}]},
        },
        "deliverables": {"a": {"path": "out/talk.mp4", "source": "talk"}, "b": {"path": "out/held.mp4", "source": "held"}},
    }
    (tmp_path / "project.yaml").write_text(yaml.safe_dump(project))
    result = shotgraph("run", tmp_path / "project.yaml")
    assert result.returncode == 0, result.stderr
    for name in ("talk", "held"):
        clip = open_video(tmp_path / "out" / f"{name}.mp4")
        assert clip.n_frames == 30 and clip.audio is not None
