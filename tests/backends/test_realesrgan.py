"""The Real-ESRGAN ncnn models are found inside the installed wheel and run on CPU."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shotgraph.backends import realesrgan
from shotgraph.backends.tiling import to_uint8

REPO = Path(__file__).resolve().parents[2]


def test_every_model_is_found_inside_the_installed_wheel_not_the_repo():
    folder = realesrgan.models_folder()
    assert folder is not None and folder.name == "models" and folder.parent.name == realesrgan.PACKAGE
    assert REPO not in folder.parents or ".venv" in folder.parts  # an installed package, never a copy in src/
    rows = realesrgan.weights_check()
    assert [r.model for r in rows] == list(realesrgan.MODELS)
    assert all(r.present for r in rows)
    assert not list((REPO / "src").rglob("*.bin")) and not list((REPO / "src").rglob("*.param"))


def test_ncnn_upscales_on_cpu_with_the_declared_scale_and_keeps_flat_colour():
    for name, expected_scale in [("realesr-animevideov3-x2", 2), ("realesr-animevideov3-x3", 3),
                                 ("realesr-animevideov3-x4", 4)]:
        net = realesrgan.load(name, 1)
        flat = np.full((20, 24, 3), (200, 120, 40), np.uint8)
        out = net(flat)
        assert out.shape == (20 * expected_scale, 24 * expected_scale, 3) and out.dtype == np.float32
        # garbage (a freed input buffer) would not reproduce a flat colour; the GAN adds faint grain
        error = to_uint8(out)[4:-4, 4:-4].astype(int) - (200, 120, 40)
        assert np.abs(error.reshape(-1, 3).mean(axis=0)).max() < 5 and np.abs(error).max() <= 10


def test_ncnn_is_deterministic_across_thread_counts(rng):
    image = rng.integers(0, 256, (30, 40, 3), dtype=np.uint8)
    one = realesrgan.load("realesr-animevideov3-x2", 1)(image)
    two = realesrgan.load("realesr-animevideov3-x2", 2)(image)
    assert np.array_equal(one, two)
    assert np.array_equal(one, realesrgan.load("realesr-animevideov3-x2", 1)(image.copy()))
