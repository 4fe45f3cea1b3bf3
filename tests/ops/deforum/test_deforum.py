"""The Deforum loop on a tiny Stable Diffusion img2img model the tests build (nothing downloaded).

The model (``tiny_pipelines.sd_img2img_drift``) keeps the picture through its VAE and shifts its
colours a little on every pass, as real models drift, so colour coherence has something to fix.
"""

from __future__ import annotations

import json
import math
import socket
from itertools import islice

import numpy as np
import pytest

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

import cv2  # noqa: E402
from backends.diffusers import tiny_pipelines  # noqa: E402
from projects import make_project  # noqa: E402
from scenes import disc_centroids, disc_still, red_centroid, two_plane_scene, write_depth_png  # noqa: E402

from shotgraph.backends.diffusers import loader  # noqa: E402
from shotgraph.backends.diffusers.img2img import Img2Img  # noqa: E402
from shotgraph.errors import MissingWeightsError, ParamError  # noqa: E402
from shotgraph.graph.workspace import Workspace  # noqa: E402
from shotgraph.media import open_video, write_image  # noqa: E402
from shotgraph.ops.animate import animate  # noqa: E402
from shotgraph.ops.deforum import deforum  # noqa: E402


def quiet(_message: str) -> None:
    pass


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models") / "sd-drift"
    tiny_pipelines.save("sd", "drift", folder)
    yield str(folder)
    loader.unload()


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)


class Calls(list):
    """Every model call: (kind, seed, prompt, negative prompt, strength, output); ``fail_after``
    makes the next call past that many fail, as a killed render would stop."""

    fail_after: int | None = None

    def add(self, *record):
        if self.fail_after is not None and len(self) >= self.fail_after:
            raise KeyboardInterrupt("render stopped")
        self.append(record)


@pytest.fixture
def calls(monkeypatch):
    record = Calls()
    image_to_image, text_to_image = Img2Img.__call__, Img2Img.text_to_image

    def counted_img2img(self, frame, prompt, strength, cfg, seed, negative_prompt=None):
        record.add("img2img", seed, prompt, negative_prompt, strength)
        out = image_to_image(self, frame, prompt, strength, cfg, seed, negative_prompt)
        record[-1] += (out,)
        return out

    def counted_text(self, prompt, width, height, cfg, seed, negative_prompt=None):
        record.add("text", seed, prompt, negative_prompt, 1.0)
        out = text_to_image(self, prompt, width, height, cfg, seed, negative_prompt)
        record[-1] += (out,)
        return out

    monkeypatch.setattr(Img2Img, "__call__", counted_img2img)
    monkeypatch.setattr(Img2Img, "text_to_image", counted_text)
    return record


@pytest.fixture(scope="module")
def still():
    return disc_still(64, 48, radius=5)[0]


def frames_of(clip) -> np.ndarray:
    return np.stack(list(clip.frames()))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return 10 * math.log10(255**2 / max(mse, 1e-12))


@pytest.mark.slow
def test_frames_have_the_asked_count_and_size_and_a_seed_repeats(model, still):
    common = dict(model=model, steps=10, strength="0:(0.3)", fps=8, duration=1.25, zoom="0:(1.03)",
                  angle="0:(1)", log=quiet)
    first = frames_of(deforum(still, "a red ball", seed=11, **common))
    assert first.shape == (10, 48, 64, 3) and first.dtype == np.uint8
    assert np.array_equal(first, frames_of(deforum(still, "a red ball", seed=11, **common)))
    other = frames_of(deforum(still, "a red ball", seed=12, **common))
    assert all(not np.array_equal(a, b) for a, b in zip(first, other))


@pytest.mark.parametrize("cadence", [1, 3])
def test_strength_zero_without_motion_keeps_the_input(model, still, cadence):
    frames = frames_of(deforum(still, "a red ball", model=model, strength=0, fps=8, duration=1, cadence=cadence,
                               log=quiet))
    assert len(frames) == 8
    assert np.abs(frames.astype(int) - still).max() <= (0 if cadence == 1 else 1)


@pytest.mark.parametrize("n_frames,cadence", [(9, 1), (9, 3), (10, 3), (11, 4), (7, 8)])
def test_cadence_diffuses_every_nth_frame_exactly(model, still, calls, n_frames, cadence):
    frames = frames_of(deforum(still, "a red ball", model=model, steps=10, strength="0:(0.2)", fps=8,
                               duration=n_frames / 8, cadence=cadence, zoom="0:(1.02)", seed=20, log=quiet))
    assert len(frames) == n_frames
    assert len(calls) == math.ceil(n_frames / cadence)
    assert [seed for _, seed, *_ in calls] == list(range(20, 20 + len(calls)))  # iter: +1 per diffusion
    for index, call in enumerate(calls):  # keyframes are the model's output as it is
        assert np.array_equal(frames[index * cadence], call[-1])


def test_frames_between_keyframes_blend_them(model, still, calls):
    frames = frames_of(deforum(still, "a red ball", model=model, steps=10, strength="0:(0.3)", fps=8, duration=1.25,
                               cadence=4, cadence_flow=False, log=quiet))
    keys = {0: calls[0][-1], 4: calls[1][-1], 8: calls[2][-1]}
    for frame in range(10):
        before = frame - frame % 4
        if frame < 8:
            weight = (frame - before) / 4
            expected = keys[before] * (1 - weight) + keys[before + 4] * weight
        else:  # after the last keyframe, with no camera move: the last keyframe
            expected = keys[8]
        assert np.abs(frames[frame] - expected).max() <= 1.0


def lab_drift(frames: np.ndarray) -> np.ndarray:
    """Distance of each frame's mean CIELAB colour from frame 0's."""
    means = np.array([cv2.cvtColor(f, cv2.COLOR_RGB2LAB).reshape(-1, 3).astype(float).mean(0) for f in frames])
    return np.linalg.norm(means - means[0], axis=1)


@pytest.mark.slow
def test_colour_coherence_stops_the_colour_drift(model, still):
    """The model tints every pass (less red, more blue): without coherence the tint compounds frame
    after frame; matched to frame 0 before each pass, only one pass's worth remains."""
    common = dict(model=model, steps=10, strength="0:(0.1)", noise=0, fps=8, duration=1.5, seed=3, log=quiet)
    off = lab_drift(frames_of(deforum(still, "a red ball", colour_coherence="none", **common)))
    assert off[-1] > 30 and np.all(np.diff(off[1:]) > 0)  # compounding
    for mode in ("lab", "histogram"):
        on = lab_drift(frames_of(deforum(still, "a red ball", colour_coherence=mode, **common)))
        assert on.max() < 10 and off[-1] > 4 * on[-1], (mode, on, off)


@pytest.mark.slow
def test_seed_behaviours_and_prompt_schedule(model, still, calls):
    messages = []
    common = dict(model=model, steps=10, strength="0:(0.2)", fps=8, duration=0.75, log=messages.append)
    frames_of(deforum(still, "0: a red ball, 4: a blue sky --neg city", seed=5, **common))
    assert [seed for _, seed, *_ in calls] == [5, 6, 7, 8, 9, 10]
    assert [(prompt, negative) for _, _, prompt, negative, *_ in calls] == \
        [("a red ball", None)] * 4 + [("a blue sky", "city")] * 2
    assert [m for m in messages if m.startswith("deforum: frame 4:")] == \
        ["deforum: frame 4: seed 9, strength 0.2, cfg 7, noise 0.02, prompt 'a blue sky'"]
    calls.clear()
    frames_of(deforum(still, "a red ball", seed=5, seed_behavior="fixed", **common))
    assert [seed for _, seed, *_ in calls] == [5] * 6
    calls.clear()
    frames_of(deforum(still, "a red ball", seed=5, seed_behavior="schedule", seed_schedule="0:(100), 3:(7)", **common))
    assert [seed for _, seed, *_ in calls] == [100, 69, 38, 7, 7, 7]


def test_without_diffusion_the_loop_moves_the_picture_as_animate_does(model, tmp_path):
    """Strength 0, no colour matching: each frame is the last one moved by the camera, so after 8
    frames of feedback the picture sits where animate (one move from the still) puts it."""
    image, _ = disc_still(128, 72, radius=7)
    moves = dict(zoom="0:(1.03)", angle="0:(1.5)", translation_x="0:(1)")
    common = dict(model=model, strength=0, colour_coherence="none", fps=8, duration=1, log=quiet)
    loop = frames_of(deforum(image, "a red ball", **common, **moves))
    direct = frames_of(animate(image, duration=1, fps=8, motion="incremental", **moves))
    assert np.abs(disc_centroids(loop[7]) - disc_centroids(direct[7])).max() < 0.5
    assert psnr(loop[7], direct[7]) > 27  # what 7 resamplings cost, against 16 dB for the unmoved frame
    assert psnr(loop[0], direct[7]) < 17

    image, disparity, _ = two_plane_scene(160, 90, box=(62, 30, 98, 60))
    depth = write_depth_png(tmp_path / "depth.png", disparity)
    moves = dict(mode="3d", translation_x="0:(0.04)", rotation_3d_y="0:(-0.3)", translation_z="0:(0.03)")
    loop = frames_of(deforum(image, "a red ball", depth=str(depth), **common, **moves))
    direct = frames_of(animate(image, duration=1, fps=8, depth=depth, motion="incremental", **moves))
    assert np.abs(red_centroid(direct[7]) - red_centroid(direct[0])).max() > 5  # the box moved...
    for frame in (3, 7):  # ...and the loop moved it as far (a thresholded centroid: half-pixel steps)
        assert np.abs(red_centroid(loop[frame]) - red_centroid(direct[frame])).max() <= 0.5
    assert psnr(loop[7], direct[7]) > 25 > psnr(loop[0], direct[7]) + 5


def test_3d_from_a_prompt_estimates_each_keyframes_depth(model, tmp_path, calls, monkeypatch):
    from tiny_depth import tiny_depth_anything

    from shotgraph.backends.depth import transformers_depth

    tiny_depth_anything(tmp_path / "depth-model")
    estimated = []
    predict = transformers_depth.predict_depth
    monkeypatch.setattr(transformers_depth, "predict_depth",
                        lambda frames, *a, **k: estimated.append(len(frames)) or predict(frames, *a, **k))
    frames = frames_of(deforum(None, "a red ball", model=model, steps=10, strength="0:(0.2)", width=40, height=32,
                               fps=8, duration=0.75, cadence=2, mode="3d", translation_z="0:(0.05)",
                               depth_model=str(tmp_path / "depth-model"), log=quiet))
    assert frames.shape == (6, 32, 40, 3)
    assert [kind for kind, *_ in calls] == ["text", "img2img", "img2img"]  # frame 0 from the prompt
    assert len(estimated) == 3  # one depth estimate per keyframe
    transformers_depth._LOADED.clear()


@pytest.mark.slow
def test_an_interrupted_render_resumes_after_its_last_keyframe(model, still, calls, tmp_path):
    settings = dict(model=model, steps=10, strength="0:(0.2)", fps=8, duration=1.25, cadence=2, zoom="0:(1.02)",
                    seed=4, log=quiet)
    whole = frames_of(deforum(still, "a red ball", **settings))
    work = tmp_path / "work"
    list(islice(deforum(still, "a red ball", work_dir=work, **settings).frames(), 5))  # stopped after frame 4
    calls.clear()
    messages = []
    resumed = frames_of(deforum(still, "a red ball", work_dir=work, **{**settings, "log": messages.append}))
    assert len(calls) == 2  # keyframes 6 and 8; 0, 2 and 4 were read back
    assert "deforum: resuming after keyframe 4 (3 of 5 keyframes already made)" in messages
    assert np.array_equal(resumed, whole)
    calls.clear()
    frames_of(deforum(still, "a red ball", work_dir=work, **{**settings, "seed": 5}))
    assert len(calls) == 5  # other settings: the folder's keyframes are not theirs, all are made again


def project(tmp_path, model, still) -> Workspace:
    folder = tmp_path / "proj"
    document = {
        "shotgraph": 1, "fps": 8, "width": 64, "height": 48, "seed": 4,
        "assets": {"start": "start.png"},
        "shots": {"dream": {"source": {
            "op": "deforum", "image": "start", "prompt": {0: "a red ball", 4: "a blue sky"}, "model": model,
            "steps": 10, "strength": "0:(0.2)", "duration": 1.25, "cadence": 2, "zoom": "0:(1.02)"}}},
        "deliverables": {"dream": {"path": "out/dream.mp4", "source": "dream"}},
    }
    make_project(folder, document)
    write_image(folder / "start.png", still)
    return Workspace.open(folder / "project.yaml")


def test_in_a_project_a_killed_render_resumes_and_the_result_is_cached(model, still, calls, tmp_path):
    workspace = project(tmp_path, model, still)
    calls.fail_after = 3
    with pytest.raises(BaseException, match="render stopped|interrupted"):
        workspace.run(jobs=1)
    key = workspace.graph.key(workspace.graph.shot_outputs["dream"])
    resume = workspace.cache.resume_path(key)
    assert sorted(p.name for p in resume.glob("key-*.png")) == ["key-000000.png", "key-000002.png", "key-000004.png"]

    calls.clear()
    calls.fail_after = None
    _, manifest = project(tmp_path, model, still).run(jobs=1)
    assert len(calls) == 2 and not resume.exists()  # two keyframes left to make; done, the folder goes
    clip = open_video(tmp_path / "proj" / "out" / "dream.mp4")
    assert (clip.n_frames, clip.video.width, clip.video.height) == (10, 64, 48)
    record = json.loads(manifest.read_text())
    nodes = record["nodes"] if isinstance(record["nodes"], list) else list(record["nodes"].values())
    assert any(n.get("seed") is not None and "dream" in json.dumps(n) for n in nodes)

    calls.clear()
    project(tmp_path, model, still).run(jobs=1)
    assert calls == []  # cached


def test_parameter_mistakes_are_clear(model, still):
    common = dict(model=model, fps=8, duration=1, log=quiet)
    with pytest.raises(ParamError, match="strength must be between 0 and 1, it is 1.25 at frame 3"):
        deforum(still, "x", strength="0:(0.5), 4:(1.5)", **common)
    with pytest.raises(ParamError, match="seed_schedule goes with seed_behavior: schedule"):
        deforum(still, "x", seed_schedule="0:(3)", **common)
    with pytest.raises(ParamError, match="give a prompt, an image"):
        deforum(None, "", **common)
    with pytest.raises(ParamError, match="prompt: frame 2 has two prompts"):
        deforum(still, "2: a, 2: b", **common)
    with pytest.raises(ParamError, match=r"zoom: character 8: unknown name 'x'"):
        deforum(still, "a", zoom="0:(1 + x)", **common)


def test_a_missing_model_names_the_model_and_the_folder(tmp_path, monkeypatch, still):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(MissingWeightsError) as error:
        deforum(still, "a red ball", duration=1, log=quiet)
    message = str(error.value)
    folder = tmp_path / "models" / "diffusers" / "stable-diffusion-v1-5" / "stable-diffusion-v1-5"
    assert "'stable-diffusion-v1-5/stable-diffusion-v1-5' is not installed" in message and str(folder) in message


@pytest.mark.slow
def test_command_line_from_an_image_and_from_a_prompt(model, still, tmp_path):
    from cli_runner import shotgraph as run

    write_image(tmp_path / "start.png", still)

    def shotgraph(*args, **env):
        return run("deforum", *args, cwd=tmp_path, env=env)

    done = shotgraph("start.png", "-o", "out.mp4", "--prompt", "0: a red ball, 2: a blue sky", "--model", model,
                     "--steps", "10", "--strength", "0:(0.2)", "--duration", "0.5", "--fps", "8", "--cadence", "2",
                     "--seed", "3")
    assert done.returncode == 0, done.stderr
    clip = open_video(tmp_path / "out.mp4")
    assert (clip.n_frames, clip.video.width, clip.video.height) == (4, 64, 48)
    missing = shotgraph("--prompt", "a cat", "-o", "cat.mp4", SHOTGRAPH_MODELS=str(tmp_path / "none"),
                        HF_HUB_CACHE=str(tmp_path / "hf"))
    text = missing.stdout + missing.stderr
    assert missing.returncode != 0 and "Traceback" not in text
    assert "stable-diffusion-v1-5/stable-diffusion-v1-5" in text and str(tmp_path / "none") in text


def test_memory_does_not_grow_with_the_shots_length(model, still):
    """Frames stream out one at a time; only the keyframes around the current frame are held."""
    import tracemalloc

    def peak(seconds: float) -> int:
        clip = deforum(still, "a red ball", model=model, strength=0, fps=8, duration=seconds, cadence=2,
                       zoom="0:(1.01)", log=quiet)
        tracemalloc.start()
        for _ in clip.frames():
            pass
        used = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return used

    short, long = peak(1), peak(8)  # 8 and 64 frames
    assert long < 1.5 * short, (short, long)
