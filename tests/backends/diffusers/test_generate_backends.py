"""Every diffusers video backend, on tiny random models the test builds: saved with save_pretrained,
loaded back offline from that folder through shotgraph's loader, run for 2 steps on CPU."""

from __future__ import annotations

import socket
from fractions import Fraction

import numpy as np
import pytest

pytest.importorskip("diffusers")
pytest.importorskip("transformers")

import tiny_pipelines  # noqa: E402
from synthetic import index_frame  # noqa: E402

from shotgraph.backends.diffusers import loader  # noqa: E402
from shotgraph.backends.diffusers.img2img import Img2Img  # noqa: E402
from shotgraph.backends.diffusers.video import FAMILIES, DiffusersBackend  # noqa: E402
from shotgraph.clip import FunctionClip, VideoInfo  # noqa: E402
from shotgraph.errors import MissingWeightsError, ParamError  # noqa: E402
from shotgraph.ops.generate import extend, generate  # noqa: E402

# (backend, builder kind, generation size, image input?)
CASES = [
    ("svd", "image", 16, True),
    ("modelscope", "text", 16, False),
    ("animatediff", "text", 16, False),
    ("cogvideox", "text", 16, False),
    ("cogvideox", "image", 16, True),
    ("ltx", "text", 32, False),
    ("ltx", "text", 32, True),  # LTX image-to-video on the same weights (from_pipe)
    ("wan", "text", 16, False),
    ("wan", "image", 16, True),
]
FRAMES = 3  # CogVideoX, Wan (4k+1) and LTX (8k+1) make more and are trimmed


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    """Tiny pipelines saved once per test module; the network is unreachable while they are loaded."""
    root = tmp_path_factory.mktemp("models")
    saved = {}
    for key in {(family, kind) for family, kind, _, _ in CASES} | {("sd", "img2img")}:
        saved[key] = tiny_pipelines.save(*key, root / "-".join(key))
    saved["controlnet"] = tiny_pipelines.save_controlnet(root / "controlnet")
    return saved


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted during an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    yield
    loader.unload()


def still_image(tmp_path, size=(40, 30)):
    from shotgraph.media.images import write_image

    path = tmp_path / "first.png"
    write_image(path, index_frame(3, *size))
    return path


def frames_of(clip):
    return np.stack(list(clip.frames()))


@pytest.mark.parametrize("backend,kind,size,with_image", CASES, ids=lambda v: str(v))
def test_backend_makes_the_frames_asked_for_and_a_seed_repeats(tmp_path, models, backend, kind, size, with_image):
    folder = str(models[(backend, kind)])
    settings = dict(backend=backend, model=folder, image_model=folder, steps=2, frames=FRAMES, width=size,
                    height=size, fps=8, resolution="output", log=lambda _m: None)
    image = still_image(tmp_path) if with_image else None
    prompt = "" if backend == "svd" else "a red ball on the beach"
    first = frames_of(generate(prompt, image, seed=11, **settings))
    again = frames_of(generate(prompt, image, seed=11, **settings))
    other = frames_of(generate(prompt, image, seed=12, **settings))
    assert first.shape == (FRAMES, size, size, 3) and first.dtype == np.uint8
    assert np.array_equal(first, again), "the same seed must give the same frames"
    assert not np.array_equal(first, other), "another seed must give other frames"


def test_output_size_and_native_resolution(tmp_path, models):
    """The model runs at its size multiple (here 32 for LTX) and the result is fitted to the output."""
    clip = generate("a cat", backend="ltx", model=str(models[("ltx", "text")]), steps=2, frames=3, width=50,
                    height=20, fps=8, resolution="output", log=lambda _m: None)
    assert (clip.video.width, clip.video.height, clip.n_frames) == (50, 20, 3)
    assert clip.video.fps == Fraction(8)


def test_long_shot_is_built_from_continued_segments(tmp_path, models):
    messages = []
    folder = str(models[("ltx", "text")])
    clip = generate("a dog runs", backend="ltx", model=folder, steps=2, frames=20, segment_frames=9, width=32,
                    height=32, fps=8, resolution="output", seed=5, log=messages.append)
    frames = frames_of(clip)
    assert frames.shape == (20, 32, 32, 3)
    segments = [m for m in messages if "segment" in m]
    assert len(segments) == 3 and "seed 5" in segments[0] and "seed 6" in segments[1] and "seed 7" in segments[2]
    assert "continuing from frame 8" in segments[1]


def test_extend_continues_a_clip_from_its_last_frame(tmp_path, models):
    source = FunctionClip(VideoInfo(32, 32, Fraction(8), 6), lambda i: index_frame(i, 32, 32))
    longer = extend(source, backend="svd", model=str(models[("svd", "image")]), steps=2, frames=4, seed=1,
                    resolution="output", log=lambda _m: None)
    frames = frames_of(longer)
    assert frames.shape == (10, 32, 32, 3)
    assert all(np.array_equal(frames[i], index_frame(i, 32, 32)) for i in range(6))


def test_memory_savers_run_and_decode_chunking_changes_nothing(models):
    folder = str(models[("animatediff", "text")])
    common = dict(backend="animatediff", model=folder, steps=2, frames=4, width=32, height=32, fps=8,
                  resolution="output", seed=3, log=lambda _m: None)
    whole = frames_of(generate("a cat", decode_chunk=4, **common))
    chunked = frames_of(generate("a cat", decode_chunk=1, vae_slicing=True, **common))
    tiled = frames_of(generate("a cat", vae_tiling=True, **common))
    assert np.abs(whole.astype(int) - chunked.astype(int)).max() <= 1
    assert tiled.shape == whole.shape
    with pytest.raises(ParamError, match="decode_chunk"):
        generate("a cat", **{**common, "backend": "ltx", "model": str(models[("ltx", "text")]), "decode_chunk": 2})


def test_animatediff_follows_a_control_video(tmp_path, models):
    from shotgraph.media import write_clip

    guides = []
    for name, level in (("dark", 0), ("bright", 255)):  # e.g. an empty edge guide, and a full one
        clip = FunctionClip(VideoInfo(32, 32, Fraction(8), 4), lambda i, v=level: np.full((32, 32, 3), v, np.uint8))
        guides.append(str(write_clip(clip, tmp_path / f"guide-{name}.mkv")))
    common = dict(backend="animatediff", model=str(models[("animatediff", "text")]),
                  controlnet=str(models["controlnet"]), steps=2, frames=4, width=32, height=32, fps=8,
                  resolution="output", seed=3, log=lambda _m: None)
    a = frames_of(generate("a dog", control=guides[0], **common))
    b = frames_of(generate("a dog", control=guides[1], **common))
    assert a.shape == (4, 32, 32, 3)
    assert not np.array_equal(a, b), "the control video must steer the result"
    with pytest.raises(ParamError, match="takes no control"):
        generate("a dog", **{**common, "backend": "ltx", "controlnet": None, "model": str(models[("ltx", "text")]),
                             "control": guides[0]})


def test_text_only_backend_cannot_make_long_shots(models):
    with pytest.raises(ParamError, match="image-to-video"):
        generate("a cat", backend="modelscope", model=str(models[("modelscope", "text")]), frames=40,
                 segment_frames=16, width=32, height=32, log=lambda _m: None)


def test_missing_model_names_the_model_and_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    with pytest.raises(MissingWeightsError) as error:
        generate("a cat", backend="wan", frames=5, log=lambda _m: None)
    message = str(error.value)
    assert "Wan-AI/Wan2.1-T2V-1.3B-Diffusers" in message
    assert str(tmp_path / "models" / "diffusers" / "Wan-AI" / "Wan2.1-T2V-1.3B-Diffusers") in message
    with pytest.raises(MissingWeightsError, match="does not exist"):
        generate("a cat", backend="ltx", model=str(tmp_path / "nowhere"), frames=5, log=lambda _m: None)


def test_models_folder_layout_is_found_by_hub_id(tmp_path, monkeypatch, models):
    import shutil

    root = tmp_path / "models"
    shutil.copytree(models[("ltx", "text")], root / "diffusers" / "Lightricks" / "LTX-Video")
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(root))
    clip = generate("a cat", backend="ltx", steps=2, frames=3, width=32, height=32, resolution="output",
                    log=lambda _m: None)
    backend = DiffusersBackend(FAMILIES["ltx"], loader.LoadOptions())
    width, height = backend.native_size(16 / 9)  # resolution: native (the default) runs LTX near 704x480
    assert width % 32 == 0 and height % 32 == 0 and abs(width * height / (704 * 480) - 1) < 0.1
    assert abs(width / height - 16 / 9) < 0.1
    assert clip.n_frames == 3


@pytest.mark.slow
def test_img2img_adapter_for_the_deforum_loop(models):
    img2img = Img2Img(str(models[("sd", "img2img")]), steps=4, log=lambda _m: None)
    frame = index_frame(7, 40, 24)
    out = img2img(frame, "a red ball", strength=0.5, cfg=7.0, seed=9)
    assert out.shape == frame.shape and out.dtype == np.uint8
    assert np.array_equal(out, img2img(frame, "a red ball", strength=0.5, cfg=7.0, seed=9))
    assert not np.array_equal(out, img2img(frame, "a red ball", strength=0.5, cfg=7.0, seed=10))
    assert np.array_equal(img2img(frame, "a red ball", strength=0.0, cfg=7.0, seed=9), frame)
    weak = np.abs(img2img(frame, "x", strength=0.25, cfg=1.0, seed=9).astype(int) - frame).mean()
    strong = np.abs(img2img(frame, "x", strength=1.0, cfg=1.0, seed=9).astype(int) - frame).mean()
    assert weak < strong, (weak, strong)


def test_project_guide_shot_steers_a_generated_shot_and_the_seed_is_recorded(tmp_path, models):
    import json

    from projects import make_project

    from shotgraph.graph.workspace import Workspace

    document = {
        "shotgraph": 1, "fps": 8, "width": 32, "height": 32, "seed": 4,
        "assets": {"footage": "footage.mp4"},
        "shots": {
            "guide": {"source": "footage", "steps": [{"op": "resize", "width": 32, "height": 32, "mode": "crop"},
                                                    {"op": "trim", "duration": "4f"}, {"op": "edges"}]},
            "hero": {"source": {"op": "generate", "backend": "animatediff", "prompt": "a dog runs",
                                "model": str(models[("animatediff", "text")]), "controlnet": str(models["controlnet"]),
                                "control": "guide", "frames": 4, "steps": 2, "resolution": "output"}},
        },
        "deliverables": {"hero": {"path": "out/hero.mp4", "source": "hero"}},
    }
    workspace = Workspace.open(make_project(tmp_path / "proj", document))
    _, manifest = workspace.run(jobs=1)
    record = json.loads(manifest.read_text())
    nodes = record["nodes"] if isinstance(record["nodes"], list) else list(record["nodes"].values())
    hero = next(n for n in nodes if "hero.source" in json.dumps(n))
    assert isinstance(hero["seed"], int)
    from shotgraph.media import open_video

    clip = open_video(tmp_path / "proj" / "out" / "hero.mp4")
    assert (clip.n_frames, clip.video.width, clip.video.height) == (4, 32, 32)
