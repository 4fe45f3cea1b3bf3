"""upscale: real photos degraded like real footage, tiles that do not show, alpha, budgets, the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from fractions import Fraction

import cv2
import numpy as np
import pytest
from cli_runner import shotgraph
from synthetic import indexed_clip

from shotgraph.backends import realesrgan
from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.media import open_video, write_clip
from shotgraph.media.resize import scale_frame
from shotgraph.ops.upscale import Engine, plan_tiles, upscale

data = pytest.importorskip("skimage.data")  # real photos come with scikit-image (the test extra)
structural_similarity = pytest.importorskip("skimage.metrics").structural_similarity

# Photos with edges and structure, the content the video model is made for. On fine natural
# texture (grass, gravel, fur) Lanczos keeps more fidelity; see the README's note.
PHOTOS = ["astronaut", "coffee", "rocket", "coins", "camera", "text"]


def still_clip(image: np.ndarray, n_frames: int = 1):
    image = np.ascontiguousarray(image)
    info = VideoInfo(image.shape[1], image.shape[0], Fraction(24), n_frames, image.shape[2] == 4)
    return FunctionClip(info, lambda _i: image)


def photo(name: str, side: int = 256) -> np.ndarray:
    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    h, w = image.shape[:2]
    height, width = min(h, side) // 4 * 4, min(w, side) // 4 * 4
    y, x = (h - height) // 2, (w - width) // 2
    return np.ascontiguousarray(image[y : y + height, x : x + width, :3])


def degrade(image: np.ndarray, scale: int, quality: int = 50) -> np.ndarray:
    """Area downscale then JPEG: the low-resolution, compressed input upscalers meet in practice."""
    small = scale_frame(image, image.shape[1] // scale, image.shape[0] // scale, "area")
    _, encoded = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.cvtColor(cv2.imdecode(encoded, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    return structural_similarity(a, b, channel_axis=2)


@pytest.mark.parametrize("scale,min_mean_gain", [(2, 0.015), (4, 0.03)])
def test_neural_upscale_beats_lanczos_on_compressed_low_res_photos(scale, min_mean_gain):
    gains = {}
    for name in PHOTOS:
        original = photo(name)
        low = degrade(original, scale)
        neural = next(upscale(still_clip(low), scale).frames())
        lanczos = next(upscale(still_clip(low), scale, model="lanczos").frames())
        assert neural.shape == lanczos.shape == original.shape
        gains[name] = ssim(neural, original) - ssim(lanczos, original)
    assert all(gain > 0 for gain in gains.values()), gains
    assert np.mean(list(gains.values())) >= min_mean_gain, gains


def test_tiled_output_equals_untiled_output():
    low = degrade(photo("astronaut"), 2)  # 128x128
    whole = next(upscale(still_clip(low), 2, tile=0).frames())
    tiled = next(upscale(still_clip(low), 2, tile=40, tile_overlap=16).frames())
    difference = np.abs(whole.astype(int) - tiled)
    assert difference.mean() < 0.05 and difference.max() <= 3, (difference.mean(), difference.max())


def test_same_input_same_bytes_whatever_the_thread_count():
    clip = still_clip(degrade(photo("coffee", 128), 2), 3)
    one = [f.copy() for f in upscale(clip, 2, tile=32, threads=1).frames()]
    two = [f.copy() for f in upscale(clip, 2, tile=32, threads=2).frames()]
    assert all(np.array_equal(a, b) for a, b in zip(one, two))


def test_alpha_is_upscaled_and_kept():
    rgb = photo("coffee", 100)
    yy, xx = np.mgrid[0:100, 0:100]
    disc = np.clip((40 - np.hypot(yy - 50, xx - 45)) * 60 + 128, 0, 255).astype(np.uint8)  # soft-edged disc
    logo = np.dstack([rgb, disc])
    out = next(upscale(still_clip(logo), 2).frames())
    assert out.shape == (200, 200, 4)
    reference = scale_frame(logo, 200, 200, "lanczos")[:, :, 3] > 127
    got = out[:, :, 3] > 127
    assert (got & reference).sum() / (got | reference).sum() > 0.95
    opaque = logo.copy()
    opaque[:, :, 3] = 255
    assert (next(upscale(still_clip(opaque), 2).frames())[:, :, 3] == 255).all()


def test_x4_only_models_reach_other_scales_by_reduction():
    low = degrade(photo("rocket", 96), 4)  # 24x24
    out = next(upscale(still_clip(low), 2, model="realesrgan-x4plus").frames())
    assert out.shape == (48, 48, 3)
    assert ssim(out, scale_frame(low, 48, 48, "lanczos")) > 0.5  # the same picture, not noise


def test_tiles_are_sized_to_the_memory_budget():
    compact = Engine(None, 4, realesrgan.MODELS["realesr-animevideov3-x4"].bytes_per_pixel)
    large = Engine(None, 4, realesrgan.MODELS["realesrgan-x4plus"].bytes_per_pixel)
    assert plan_tiles(compact, 480, 640, None, 16, 2048, threads=2) == (0, 2)  # 480p fits whole, 2 at once
    for engine, memory_mb in [(compact, 256), (large, 2048)]:
        tile, jobs = plan_tiles(engine, 540, 960, None, 16, memory_mb, threads=8)  # 4K out
        assert 0 < tile < 540 and jobs >= 1
        assert jobs * engine.bytes_per_pixel * (tile + 32) ** 2 <= memory_mb * 2**20
    assert plan_tiles(large, 540, 960, 0, 16, 2048, threads=4)[0] == 0  # explicit whole frames
    assert plan_tiles(Engine(None, 2, None), 540, 960, None, 16, 2048, threads=4) == (256, 1)


@pytest.mark.slow
@pytest.mark.slow
def test_4k_output_stays_within_a_small_memory_budget(tmp_path):
    """960x540 -> 3840x2160 with a 256 MB model budget: untiled, this network would need ~1.7 GB."""
    script = """
import resource, sys, numpy as np
from fractions import Fraction
from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.ops.upscale import upscale
frame = np.random.default_rng(0).integers(0, 256, (540, 960, 3), dtype=np.uint8)
clip = FunctionClip(VideoInfo(960, 540, Fraction(24), 1), lambda i: frame)
up = upscale(clip, 4, memory_mb=256)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out = next(up.frames())
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
print(json.dumps({"shape": out.shape, "tile": up.tile, "grown_mb": grown}))
"""
    result = subprocess.run([sys.executable, "-c", "import json\n" + script], capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["shape"] == [2160, 3840, 3] and 0 < report["tile"] < 540
    assert report["grown_mb"] < 256 + 200, report  # the budget + the 4K float accumulator and frames


def test_bad_params_are_one_clear_error():
    clip = indexed_clip(2, audio=False)
    with pytest.raises(ParamError, match="unknown model 'esrgan'.*realesr-animevideov3"):
        upscale(clip, 2, model="esrgan")
    with pytest.raises(ParamError, match="weights"):
        upscale(clip, 2, model="spandrel")
    with pytest.raises(ParamError):
        upscale(clip, 5)


def test_cli_upscales_a_video_and_keeps_its_audio(tmp_path):
    source = write_clip(indexed_clip(4, width=64, height=48), tmp_path / "in.mp4")
    result = shotgraph("upscale", source, "-o", tmp_path / "out.mp4", "--scale", "2")
    assert result.returncode == 0, result.stderr
    out = open_video(tmp_path / "out.mp4")
    assert (out.video.width, out.video.height, out.n_frames) == (128, 96, 4)
    assert out.audio is not None
    probe = shotgraph("probe", tmp_path / "out.mp4")
    assert json.loads(probe.stdout)["audio"]
