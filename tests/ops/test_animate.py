"""animate in 2D: the realised camera measured from rendered video, against the schedules."""

from __future__ import annotations

import hashlib
import math

import cv2
import numpy as np
import pytest
import yaml
from projects import make_project
from scenes import disc_centroids, disc_still, fit_similarity

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import ParamError, ProjectError
from shotgraph.graph.workspace import Workspace
from shotgraph.media import VideoEncoding, open_video, write_clip, write_image
from shotgraph.ops import get_op
from shotgraph.ops.animate import animate


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255**2 / max(mse, 1e-12))


def test_realised_scale_angle_and_shift_follow_the_schedules(tmp_path):
    """Render to H.264, decode, find the six discs in every frame, fit a similarity: scale, angle
    and position match the schedules (evaluated here independently) within 0.5% / 0.2 deg / 0.5 px."""
    image, centres = disc_still(640, 360)
    clip = animate(image, duration=2, fps=24, width=320, height=180,
                   zoom="0:(1), 47:(1.6)", angle="0:(0), 47:(12)",
                   translation_x="0:(0), 47:(40)", translation_y="0:(0), 47:(-20)")
    video = open_video(write_clip(clip, tmp_path / "move.mp4", VideoEncoding(crf=16, preset="veryfast")))
    assert video.n_frames == 48
    base = 0.5  # 640x360 covering 320x180
    for k, frame in enumerate(video.frames()):
        scale, angle, matrix = fit_similarity(centres, disc_centroids(frame))
        u = k / 47
        assert scale == pytest.approx(base * (1 + 0.6 * u), rel=0.005), k
        assert angle == pytest.approx(12 * u, abs=0.2), k
        centre = matrix[:, :2] @ np.array([319.5, 179.5]) + matrix[:, 2]
        assert np.allclose(centre, [159.5 + 40 * u, 89.5 - 20 * u], atol=0.5), (k, centre)


def test_incremental_motion_composes_deforum_steps_exactly():
    """Deforum's meaning: zoom 1.01 per frame is 1.01**k after k frames, composed, not resampled."""
    image, centres = disc_still(320, 180, radius=10)
    clip = animate(image, duration=2, fps=24, motion="incremental", zoom="0:(1.01)", angle="0:(0.25)")
    for k, frame in zip(range(0, 48, 12), [clip.frame_at(k) for k in range(0, 48, 12)]):
        scale, angle, _ = fit_similarity(centres, disc_centroids(frame))
        assert scale == pytest.approx(1.01**k, rel=0.004) and angle == pytest.approx(0.25 * k, abs=0.2)


def test_a_long_zoom_has_no_accumulated_blur():
    """Ten seconds of zooming: the last frame is as sharp as one resampling of the still, where
    chaining 239 warps (Deforum's way) loses most of the detail."""
    rng = np.random.default_rng(1)
    still = cv2.GaussianBlur(rng.integers(0, 255, (360, 640, 3)).astype(np.uint8), (0, 0), 0.8)
    clip = animate(still, duration=10, fps=24, width=320, height=180, zoom="0:(1), 239:(2)")
    last = None
    for last in clip.frames():  # stream all 240 frames
        pass
    assert clip.n_frames == 240
    # the reference: the centre quarter of the still, resampled once to the output size
    reference = cv2.resize(still[90:270, 160:480], (320, 180), interpolation=cv2.INTER_CUBIC)
    assert psnr(last[4:-4, 4:-4], reference[4:-4, 4:-4]) > 40
    chained = still
    step = 2 ** (1 / 239)
    for _ in range(239):
        chained = cv2.warpAffine(chained, cv2.getRotationMatrix2D((319.5, 179.5), 0, step), (640, 360),
                                 flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    chained = cv2.resize(chained[90:270, 160:480], (320, 180), interpolation=cv2.INTER_CUBIC)
    sharpness = lambda f: cv2.Laplacian(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY), cv2.CV_64F)[8:-8, 8:-8].var()  # noqa: E731
    assert sharpness(last) > 0.9 * sharpness(reference)
    assert sharpness(chained) < 0.5 * sharpness(reference)  # what the test would catch
    assert psnr(chained[4:-4, 4:-4], reference[4:-4, 4:-4]) < 30


def test_zooming_out_does_not_alias():
    """Fine stripes at zoom 0.25: the mip levels average them to grey instead of moire."""
    stripes = np.zeros((360, 640, 3), np.uint8)
    stripes[:, ::2] = 255
    frame = animate(stripes, duration=0.5, fps=24, zoom=0.25, border="black").frame_at(0)
    inside = frame[150:210, 260:380]  # within the shrunken still
    assert abs(inside.mean() - 127.5) < 6 and inside.std() < 10


def _quadrants(width=320, height=180) -> np.ndarray:
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2, : width // 2] = (200, 40, 40)
    image[: height // 2, width // 2 :] = (40, 200, 40)
    image[height // 2 :, : width // 2] = (40, 40, 200)
    image[height // 2 :, width // 2 :] = (200, 200, 40)
    image[:, :8] = (255, 255, 255)  # a white left edge: replicate smears it, reflect does not
    return image


@pytest.mark.parametrize("border,expected", [
    ("black", (0, 0, 0)),
    ("replicate", (255, 255, 255)),
    ("reflect", (200, 40, 40)),
    ("wrap", (40, 200, 40)),
])
def test_border_modes_fill_what_lies_outside_the_still(border, expected):
    frame = animate(_quadrants(), duration=0.25, fps=24, zoom=0.5, border=border).frame_at(0)
    # output (20, 60) sees source (-100, 30): left of the still, in its top half
    assert np.abs(frame[60, 20].astype(int) - expected).max() <= 3, frame[60, 20]


def test_output_size_and_fit():
    image, _ = disc_still(640, 360)
    square = animate(image, duration=0.25, fps=24, width=180, height=180)  # cover: the centre 360x360
    assert (square.video.width, square.video.height) == (180, 180)
    reference = cv2.resize(image[:, 140:500], (180, 180), interpolation=cv2.INTER_AREA)
    assert psnr(square.frame_at(0), reference) > 30
    letterbox = animate(image, duration=0.25, fps=24, width=180, height=180, fit="contain", border="black")
    frame = letterbox.frame_at(0)
    assert frame[:38].max() == 0 and frame[-38:].max() == 0 and frame[60:120].mean() > 100  # 180x101 inside
    odd = animate(image[:101, :201], duration=0.25, fps=24)
    assert (odd.video.width, odd.video.height) == (200, 100)  # 4:2:0 video needs even sides


def test_alpha_is_kept_and_black_border_is_transparent():
    image = np.zeros((100, 160, 4), np.uint8)
    image[..., :3], image[..., 3] = 180, 255
    frame = animate(image, duration=0.25, fps=24, zoom=0.5, border="black").frame_at(0)
    assert frame.shape[2] == 4 and frame[0, 0, 3] == 0 and frame[50, 80, 3] == 255


def test_same_params_same_bytes(tmp_path):
    image, _ = disc_still(320, 180, radius=10)
    digests = []
    for name in ("a.mp4", "b.mp4"):
        clip = animate(image, duration=1, fps=24, zoom="0:(1), 23:(1.3)", angle="0:(0), 23:(5)")
        digests.append(hashlib.sha256(write_clip(clip, tmp_path / name).read_bytes()).hexdigest())
    assert digests[0] == digests[1]


def test_errors_name_the_parameter():
    image, _ = disc_still(160, 90, radius=5)
    with pytest.raises(ParamError, match="rotation_3d_y.*mode: 3d"):
        animate(image, rotation_3d_y="0:(0), 10:(5)")
    with pytest.raises(ParamError, match="angle.*rotation_3d_z"):
        animate(image, mode="3d", angle=5, depth=np.ones((90, 160), np.float32))
    with pytest.raises(ParamError, match="zoom must be positive, it is -0.5 at frame 0"):
        animate(image, zoom="0:(-0.5)")
    with pytest.raises(ParamError, match=r"zoom: character 10: unknown name 'x'"):
        animate(image, duration=1, zoom="0:(1.0 + x)")


def test_registered_with_cli_inputs_and_project_fps():
    spec = get_op("animate")
    assert spec.kind.value == "source" and spec.cli_inputs == ("image",)
    assert spec.project_defaults == {"fps": "fps"}
    assert {b.name for b in spec.backends} == {"builtin", "transformers-depth"}


def _project(tmp_path, shots: dict) -> Workspace:
    path = make_project(tmp_path / "proj")
    document = yaml.safe_load(path.read_text())
    document["shots"].update(shots)
    document.pop("edit")
    document["deliverables"] = {}
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return Workspace.open(path)


def _cached(workspace: Workspace, shot: str):
    key = workspace.graph.key(workspace.graph.shot_outputs[shot])
    return open_video(workspace.cache.entry_path(key) / workspace.cache.meta(key)["clip_file"])


def test_a_shot_continues_from_another_shots_last_frame(tmp_path):
    """Shots chain: 'b' animates from the last frame of 'footage' (not its first), in a project."""
    workspace = _project(tmp_path, {
        "move": {"source": {"op": "animate", "image": "card", "duration": 0.5, "zoom": "0:(1), 11:(1.5)"}},
        "next": {"source": {"op": "animate", "clip": "move", "duration": 0.5, "angle": "0:(0), 11:(10)"}},
        "first": {"source": {"op": "animate", "clip": "b", "frame": 0, "duration": 0.25}},
    })
    workspace.run(["next", "first"])
    move, after = _cached(workspace, "move"), _cached(workspace, "next")
    assert move.n_frames == after.n_frames == 12 and after.video.fps == 24
    assert psnr(move.frame_at(11), after.frame_at(0)) > 45  # the move picks up exactly where it ended
    assert psnr(move.frame_at(11), after.frame_at(11)) < 30  # and then turns
    footage_first = _cached(workspace, "b").frame_at(0)
    assert psnr(footage_first, _cached(workspace, "first").frame_at(0)) > 45


def test_project_errors_name_file_line_and_field(tmp_path):
    path = make_project(tmp_path / "bad")
    document = yaml.safe_load(path.read_text())
    document["shots"]["a"]["source"] = {"op": "animate", "image": "card", "zoom": "0:(1), 10:(2 +)"}
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    with pytest.raises(ProjectError) as caught:
        Workspace.open(path)
    message = str(caught.value)
    assert "project.yaml:" in message and "shots.a.source.zoom: character 15" in message


def test_animates_a_frame_of_a_video_file(tmp_path):
    frames = [np.full((90, 160, 3), v, np.uint8) for v in (30, 90, 150)]
    video = write_clip(FunctionClip(VideoInfo(160, 90, 24, 3), lambda i: frames[i]), tmp_path / "v.mkv",
                       VideoEncoding(codec="ffv1"))
    assert abs(int(animate(video, duration=0.25, fps=24).frame_at(0)[40, 80, 0]) - 150) <= 2  # the last frame
    assert abs(int(animate(video, duration=0.25, fps=24, frame=0).frame_at(0)[40, 80, 0]) - 30) <= 2
    with pytest.raises(ParamError, match="frame 5 does not exist"):
        animate(video, frame=5)
    write_image(tmp_path / "s.png", frames[1])
    assert animate(tmp_path / "s.png", duration=0.25, fps=24).frame_at(0)[0, 0, 0] == 90
