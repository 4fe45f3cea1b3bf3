"""Reading and writing: frame-exact round trips, image sequences, audio sync, atomic writes, errors."""

from __future__ import annotations

import json
from fractions import Fraction

import numpy as np
import pytest
from synthetic import click_positions, index_frame, indexed_clip, read_index

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
from shotgraph.errors import MediaError
from shotgraph.media import AudioEncoding, VideoEncoding, open_video, read_image, write_clip, write_image
from shotgraph.media.probe import probe


def test_h264_round_trip_keeps_frame_count_order_and_duration(tmp_path):
    clip = indexed_clip(n_frames=50, fps=Fraction(30000, 1001))
    path = write_clip(clip, tmp_path / "out.mp4")
    back = open_video(path)
    assert back.video.fps == Fraction(30000, 1001)
    assert back.n_frames == 50
    assert [read_index(f) for f in back.frames()] == list(range(50))
    info = probe(path)
    assert info["video"]["frames"] == 50
    assert abs(info["video"]["duration"] - 50 * 1001 / 30000) < 1e-3
    assert info["audio"][0]["sample_rate"] == 48000


def test_lossless_intermediate_is_bit_exact(tmp_path):
    clip = indexed_clip(n_frames=10)
    path = write_clip(clip, tmp_path / "clip.nut", VideoEncoding(codec="x264rgb"), AudioEncoding(codec="pcm_f32le"))
    back = open_video(path)
    for i, frame in enumerate(back.frames()):
        assert np.array_equal(frame, index_frame(i))
    original = np.concatenate(list(clip.audio_samples()), axis=1)
    decoded = np.concatenate(list(back.audio_samples()), axis=1)
    assert np.array_equal(original, decoded)


def test_aac_audio_is_aligned_with_video(tmp_path):
    """A click on frame 24 of a 48-frame clip comes back at frame 24's time (AAC priming handled)."""
    rate, fps = 48000, Fraction(24)

    def audio(start, stop):
        block = np.zeros((2, stop - start), np.float32)
        at = rate * 24 // 24 - start
        if 0 <= at < stop - start:
            block[:, at : at + 480] = 0.8
        yield block

    clip = FunctionClip(VideoInfo(64, 64, fps, 48), lambda i: np.zeros((64, 64, 3), np.uint8),
                        AudioInfo(rate, 2), audio)
    back = open_video(write_clip(clip, tmp_path / "click.mp4"))
    samples = np.concatenate(list(back.audio_samples()), axis=1)
    assert samples.shape[1] == back.n_samples == 2 * rate
    (click,) = click_positions(samples)
    assert abs(click - rate) <= rate // 1000  # within 1 ms


def test_png_sequence_round_trip_is_exact(tmp_path):
    clip = indexed_clip(n_frames=5, audio=False)
    write_clip(clip, tmp_path / "frames")
    assert sorted(p.name for p in (tmp_path / "frames").iterdir()) == [f"{i:06d}.png" for i in range(5)]
    back = open_video(tmp_path / "frames", fps=12)
    assert back.video.fps == 12 and back.n_frames == 5
    assert all(np.array_equal(f, index_frame(i)) for i, f in enumerate(back.frames()))


def test_png_pattern_output_keeps_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    write_clip(indexed_clip(n_frames=3, audio=False), tmp_path / "shot_%04d.png")
    assert (tmp_path / "notes.txt").read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.glob("shot_*.png")) == ["shot_0000.png", "shot_0001.png", "shot_0002.png"]
    assert open_video(tmp_path / "shot_%04d.png").n_frames == 3


def test_sequence_folder_output_refuses_a_folder_with_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("precious")
    with pytest.raises(MediaError, match="other than images"):
        write_clip(indexed_clip(n_frames=2, audio=False), tmp_path)


def test_rgba_still_keeps_alpha_through_ffv1(tmp_path):
    image = np.zeros((32, 48, 4), np.uint8)
    image[..., 0] = 200
    image[:, :24, 3] = 255
    write_image(tmp_path / "logo.png", image)
    assert np.array_equal(read_image(tmp_path / "logo.png"), image)
    clip = FunctionClip(VideoInfo(48, 32, Fraction(24), 3, alpha=True), lambda i: image)
    back = open_video(write_clip(clip, tmp_path / "alpha.mkv", VideoEncoding(codec="ffv1")))
    assert back.video.alpha
    assert np.array_equal(back.frame_at(1), image)


def test_failed_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    dest = tmp_path / "out.mp4"
    write_clip(indexed_clip(n_frames=5), dest)
    good = dest.read_bytes()

    def broken(index):
        if index == 3:
            raise RuntimeError("renderer crashed")
        return index_frame(index)

    with pytest.raises(RuntimeError, match="renderer crashed"):
        write_clip(FunctionClip(VideoInfo(320, 240, Fraction(24), 10), broken), dest)
    assert dest.read_bytes() == good
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"]  # no temp leftovers


def test_odd_size_for_yuv420_is_a_clear_error(tmp_path):
    clip = FunctionClip(VideoInfo(321, 240, Fraction(24), 2), lambda i: np.zeros((240, 321, 3), np.uint8))
    with pytest.raises(MediaError, match="321x240 has an odd side"):
        write_clip(clip, tmp_path / "odd.mp4")
    write_clip(clip, tmp_path / "odd.mkv", VideoEncoding(codec="h264", pix_fmt="yuv444p"))  # allowed


def test_codec_container_mismatch_is_a_clear_error(tmp_path):
    with pytest.raises(MediaError, match="prores video cannot go in a .mp4"):
        write_clip(indexed_clip(2), tmp_path / "x.mp4", VideoEncoding(codec="prores"))


@pytest.mark.parametrize("content,match", [
    (None, "file not found"),
    (b"", "cannot read"),
    (b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)) * 20, "cannot|corrupt|no video"),
    (b"this is not a video at all, just text\n" * 50, "cannot read|corrupt"),
])
def test_bad_inputs_raise_one_clear_media_error(tmp_path, content, match):
    path = tmp_path / "input.mp4"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(MediaError, match=match) as error:
        open_video(path)
    assert str(path) in str(error.value)


def test_truncated_video_reads_what_survives_or_names_the_damage(tmp_path):
    for suffix in (".mkv", ".mp4"):
        full = write_clip(indexed_clip(n_frames=60), tmp_path / f"full{suffix}", VideoEncoding(crf=10, gop=12))
        data = full.read_bytes()
        cut = tmp_path / f"cut{suffix}"
        cut.write_bytes(data[: len(data) // 2])
        try:
            clip = open_video(cut)
            frames = [read_index(f) for f in clip.frames()]
        except MediaError as error:
            assert str(cut) in str(error) and "damaged" in str(error)
        else:
            assert 0 < len(frames) < 60 and frames == list(range(len(frames)))


def test_probe_output_is_json_with_the_documented_fields(tmp_path):
    info = probe(write_clip(indexed_clip(12), tmp_path / "p.mp4"))
    json.dumps(info)
    for field in ("duration", "format", "video", "audio", "size_bytes"):
        assert field in info
    for field in ("fps", "frames", "width", "height", "codec", "pix_fmt", "colour", "variable_frame_rate"):
        assert field in info["video"]
    assert info["video"]["codec"] == "h264" and info["video"]["pix_fmt"] == "yuv420p"
    assert info["audio"][0]["channels"] == 2


@pytest.mark.parametrize("codec,suffix,audio", [
    ("h264", "mp4", "aac"), ("h265", "mp4", "aac"), ("av1", "mp4", "aac"), ("vp9", "webm", "opus"),
    ("prores", "mov", "pcm_s16le"), ("ffv1", "mkv", "flac"),
])
def test_every_delivery_codec_writes_the_same_bytes_twice(tmp_path, codec, suffix, audio):
    """Determinism: same frames and settings give the same file, for every video codec we deliver."""
    import hashlib

    clip = indexed_clip(24)
    digests = set()
    for attempt in range(2):
        path = write_clip(clip, tmp_path / f"{attempt}.{suffix}", VideoEncoding(codec=codec), AudioEncoding(codec=audio))
        digests.add(hashlib.sha256(path.read_bytes()).hexdigest())
    assert len(digests) == 1
    assert open_video(path).n_frames == 24
