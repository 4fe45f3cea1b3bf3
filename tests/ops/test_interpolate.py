"""Interpolation: quality on known motion, any time position, cuts, duplicates, audio, CLI, project."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
from motion_sequences import motion_clip, motion_frame, psnr, texture
from synthetic import indexed_clip, samples_at, tone

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.ops import get_op
from shotgraph.ops.interpolate import interpolate, keyframes, plan_retime
from shotgraph.scenes import FrameAnalysis, analyse_frames

W, H = 192, 128


def held_out_psnr(kind: str, backend: str = "dis") -> tuple[float, float]:
    """Drop every other frame of a known-motion sequence, interpolate x2; mean PSNR of the
    regenerated frames, and of a plain cross-fade, against the true frames."""
    half = motion_clip(kind, 6, step=2.0, fps=Fraction(12))
    out = interpolate(half, factor=2, backend=backend)
    assert out.n_frames == 12 and out.video.fps == 24
    frames = list(out.frames())
    tex = texture(W + 128, H + 128, 0)
    ours, fade = [], []
    for i in range(1, 10, 2):
        truth = motion_frame(kind, i, tex=tex)
        ours.append(psnr(frames[i], truth))
        blend = (half.frame_at(i // 2).astype(np.float32) + half.frame_at(i // 2 + 1)) / 2
        fade.append(psnr(np.round(blend).astype(np.uint8), truth))
    for i in range(0, 12, 2):  # the kept frames pass through untouched
        assert np.array_equal(frames[i], half.frame_at(min(i // 2, 5)))
    return float(np.mean(ours)), float(np.mean(fade))


@pytest.mark.parametrize("kind,bound", [("pan", 36.0), ("zoom", 38.0), ("rotate", 38.0), ("sprites", 31.0)])
def test_dropped_frames_come_back_with_high_psnr(kind, bound):
    ours, fade = held_out_psnr(kind)
    assert ours > bound, ours
    assert ours > fade + 6, (ours, fade)  # motion compensation, not a cross-fade


def test_farneback_backend_interpolates_too():
    ours, fade = held_out_psnr("sprites", "farneback")
    assert ours > 31 and ours > fade + 6


def test_24_to_60_places_frames_at_fractional_times():
    tex = texture(W + 128, H + 128, 0)
    source = motion_clip("pan", 8, step=1.0, fps=Fraction(24))
    out = interpolate(source, fps=60)
    assert out.video.fps == 60 and out.n_frames == 20
    plan = out.plan()
    assert sorted(set(np.round(plan.t[plan.t > 0], 6))) == [0.2, 0.4, 0.6, 0.8]
    frames = list(out.frames())
    for k in range(0, 17):  # output frame k is at source time 0.4 k
        score = psnr(frames[k], motion_frame("pan", 0.4 * k, tex=tex))
        assert score > 36, (k, score)


def test_factor_3_and_4_fill_every_position():
    tex = texture(W + 128, H + 128, 0)
    for factor in (3, 4):
        source = motion_clip("rotate", 4, step=float(factor), fps=Fraction(8))
        frames = list(interpolate(source, factor=factor).frames())
        assert len(frames) == 4 * factor
        scores = [psnr(frames[k], motion_frame("rotate", k, tex=tex)) for k in range(3 * factor + 1)]
        assert min(scores) > 31, scores  # up to 8 degrees of rotation between real frames


def two_shot_clip(cut_at: int = 5, n: int = 10) -> FunctionClip:
    """A pan over one texture, then (from ``cut_at``) a pan over another: a hard cut."""
    first, second = texture(W + 128, H + 128, 1), texture(W + 128, H + 128, 2)

    def make(i: int) -> np.ndarray:
        return motion_frame("pan", i, tex=first if i < cut_at else second)

    return FunctionClip(VideoInfo(W, H, Fraction(12), n), make, name="two-shots")


def test_scene_cuts_are_detected_and_never_interpolated_across():
    clip = two_shot_clip(cut_at=5)
    assert analyse_frames(clip).cuts == (5,)
    out = interpolate(clip, factor=2)
    frames = list(out.frames())
    # output 9 sits half-way between source 4 (shot 1) and 5 (shot 2): it repeats a real frame
    assert any(np.array_equal(frames[9], clip.frame_at(i)) for i in (4, 5))
    # elsewhere the in-betweens are real interpolations (not copies)
    assert not any(np.array_equal(frames[7], clip.frame_at(i)) for i in range(10))
    assert out.plan().cut.sum() == 1


def test_a_fast_pan_that_fools_the_cut_detector_is_still_interpolated():
    half = motion_clip("pan", 6, step=2.0, fps=Fraction(12))  # 6 px per frame over fine texture
    out = interpolate(half, factor=2)
    plan = out.plan()
    frames = list(out.frames())
    assert plan.cut.any()  # PySceneDetect flags these ...
    assert not np.array_equal(frames[3], frames[2]) and not np.array_equal(frames[3], frames[4])  # ... flow does not


def test_cut_detection_can_be_disabled():
    out = interpolate(two_shot_clip(), factor=2, scene_threshold=0)
    assert out.plan().analysis.cuts == () and not out.plan().cut.any()


def on_twos_clip(n_drawings: int = 6) -> FunctionClip:
    """Animation on twos: each drawing (a pan step of 4 px) held for two frames."""
    tex = texture(W + 128, H + 128, 0)
    return FunctionClip(VideoInfo(W, H, Fraction(24), 2 * n_drawings),
                        lambda i: motion_frame("pan", 2.0 * (i // 2), tex=tex), name="twos")


def test_duplicates_are_detected_and_motion_is_retimed_over_real_frames():
    clip = on_twos_clip()
    analysis = analyse_frames(clip)
    assert analysis.duplicates.tolist() == [False, True] * 6
    out = interpolate(clip, factor=2)
    frames = list(out.frames())
    tex = texture(W + 128, H + 128, 0)
    # drawing k (at source frame 2k) shows pan position 2k; with dedupe the motion is spread
    # evenly: output frame j (source time j/2) shows position j/2
    for j in range(0, 20):
        score = psnr(frames[j], motion_frame("pan", j / 2, tex=tex))
        assert score > 34, (j, score)
    # without dedupe the held frames stay held (the stutter the user wanted gone)
    plain = list(interpolate(clip, factor=2, dedupe=False).frames())
    assert np.array_equal(plain[1], plain[0]) and np.array_equal(plain[2], plain[0])


def test_long_holds_are_pauses_not_slow_motion():
    analysis = FrameAnalysis((), np.array([False] + [True] * 7 + [False, False]))
    keys = keyframes(10, analysis, dedupe=True, max_hold=4)
    assert keys == [(0, 0), (7, 7), (8, 8), (9, 9)]  # still until frame 7, then move
    plan = plan_retime(10, Fraction(24), Fraction(48), 20, analysis, dedupe=True, max_hold=4)
    assert not plan.t[:14].any()  # the pause: real frames only
    assert plan.t[15] == 0.5 and (plan.a[15], plan.b[15]) == (7, 8)


def test_audio_passes_through_in_sync_and_duration_is_kept():
    rate = 48000
    info = VideoInfo(W, H, Fraction(24), 12)
    tex = texture(W + 128, H + 128, 0)
    clip = FunctionClip(info, lambda i: motion_frame("pan", i, tex=tex), AudioInfo(rate, 2),
                        lambda s, e: iter([tone(s, e, rate)]))
    out = interpolate(clip, fps=60)
    assert out.n_frames == 30 and out.video.duration == clip.video.duration
    assert out.n_samples == clip.n_samples == samples_at(12, Fraction(24), rate)
    audio = np.concatenate(list(out.audio_samples()), axis=1)
    assert np.allclose(audio, tone(0, clip.n_samples, rate))


def test_frames_can_be_read_from_any_start_and_match_a_full_render():
    clip = motion_clip("sprites", 6, step=2.0, fps=Fraction(12))
    out = interpolate(clip, factor=2)
    full = list(out.frames())
    part = list(out.frames(5, 9))
    assert all(np.array_equal(x, y) for x, y in zip(part, full[5:9]))


def test_parameters_are_validated():
    clip = indexed_clip(4, audio=False)
    with pytest.raises(ParamError, match="either factor"):
        interpolate(clip)
    with pytest.raises(ParamError, match="either factor"):
        interpolate(clip, factor=2, fps=60)
    with pytest.raises(ParamError, match="not above"):
        interpolate(clip, fps=12)
    with pytest.raises(ParamError):
        interpolate(clip, factor=1)


def test_the_op_is_registered_with_its_backends():
    spec = get_op("interpolate")
    assert [b.name for b in spec.backends] == ["dis", "farneback", "raft", "rife"]
    assert spec.backend("rife").weights and spec.backend("raft").requires == ("torch",)


def test_same_input_gives_identical_frames():
    clip = motion_clip("sprites", 6, step=2.0, fps=Fraction(12))
    first = list(interpolate(clip, factor=2).frames())
    second = list(interpolate(clip, factor=2).frames())
    assert all(np.array_equal(x, y) for x, y in zip(first, second, strict=True))


def test_memory_does_not_grow_with_length():
    import tracemalloc

    def peak(n: int) -> int:
        clip = motion_clip("pan", n, step=0.5, width=96, height=64, fps=Fraction(12))
        out = interpolate(clip, factor=2)
        out.plan()  # the analysis pass is not what is measured here
        tracemalloc.start()
        for _ in out.frames():
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    short, long = peak(20), peak(120)
    assert long < 1.5 * short, (short, long)  # 6x the frames, about the same peak


def test_frames_with_alpha_keep_their_alpha():
    tex = texture(W + 128, H + 128, 0)

    def rgba(i: int) -> np.ndarray:
        frame = motion_frame("sprites", 2.0 * i, tex=tex)
        alpha = np.full((H, W, 1), 255, np.uint8)
        alpha[:, : W // 2] = 128
        return np.concatenate([frame, alpha], axis=2)

    clip = FunctionClip(VideoInfo(W, H, Fraction(12), 4, alpha=True), rgba)
    frames = list(interpolate(clip, factor=2).frames())
    assert frames[1].shape == (H, W, 4)
    assert np.abs(frames[1][:, 10:80, 3].astype(int) - 128).max() <= 1
    assert np.abs(frames[1][:, 110:180, 3].astype(int) - 255).max() <= 1
