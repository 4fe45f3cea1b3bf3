"""The transformers depth backend, on tiny randomly initialised Depth Anything and DPT models saved here."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from shotgraph.backends.depth import transformers_depth  # noqa: E402
from shotgraph.backends.depth.transformers_depth import estimate_depth, locate_model  # noqa: E402
from shotgraph.errors import MissingWeightsError  # noqa: E402
from shotgraph.ops.animate import animate  # noqa: E402
from tiny_depth import tiny_depth_anything  # noqa: E402


@pytest.fixture(autouse=True)
def fresh_model_cache():
    transformers_depth._LOADED.clear()
    yield
    transformers_depth._LOADED.clear()


@pytest.fixture
def image():
    rng = np.random.default_rng(0)
    picture = np.zeros((60, 90, 3), np.uint8)
    picture[:30] = (90, 140, 220)  # sky
    picture[30:] = (60, 120, 40)  # ground
    picture[20:50, 30:60] = (200, 60, 50)  # an object
    return np.clip(picture + rng.integers(-10, 10, picture.shape), 0, 255).astype(np.uint8)


def test_a_saved_model_loads_from_its_folder_and_matches_the_model_in_memory(tmp_path, image):
    model, processor = tiny_depth_anything(tmp_path / "tiny")
    estimate = estimate_depth(image, tmp_path / "tiny")
    assert estimate.values.shape == image.shape[:2] and not estimate.metric
    assert estimate.values.min() == 0 and estimate.values.max() == pytest.approx(1)
    # the same numbers straight from the model object: loading changed nothing
    from transformers import AutoImageProcessor

    slow = AutoImageProcessor.from_pretrained(tmp_path / "tiny", use_fast=False)  # what the adapter uses
    with torch.no_grad():
        raw = model(**slow(images=image, return_tensors="pt")).predicted_depth
        full = torch.nn.functional.interpolate(raw[:, None], size=image.shape[:2], mode="bicubic", align_corners=False)
    expected = full[0, 0].numpy()
    expected = (expected - expected.min()) / (expected.max() - expected.min())
    assert np.allclose(estimate.values, expected, atol=1e-5)
    assert np.array_equal(estimate_depth(image, tmp_path / "tiny").values, estimate.values)  # deterministic


def test_the_models_folder_is_searched(tmp_path, monkeypatch, image):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    with pytest.raises(MissingWeightsError, match="Depth-Anything-V2-Small-hf"):
        locate_model()
    tiny_depth_anything(tmp_path / "models" / "depth" / "Depth-Anything-V2-Small-hf")
    assert locate_model().name == "Depth-Anything-V2-Small-hf"
    clip = animate(image, duration=0.25, fps=24, mode="3d", translation_x="0:(0), 5:(0.2)", translation_z=0.2)
    frame = clip.frame_at(5)
    assert frame.shape == image.shape and frame.max(axis=2).min() > 20  # rendered, and no black tears


def test_a_folder_without_a_model_is_a_clear_error(tmp_path, image):
    (tmp_path / "empty").mkdir()
    with pytest.raises(MissingWeightsError, match="holds no model_index.json / config.json"):
        estimate_depth(image, tmp_path / "empty")
    with pytest.raises(MissingWeightsError, match="does not exist"):
        estimate_depth(image, tmp_path / "nowhere")


def test_dpt_models_load_too(tmp_path, image):
    from transformers import DPTConfig, DPTForDepthEstimation, DPTImageProcessor

    torch.manual_seed(1)
    config = DPTConfig(hidden_size=16, num_hidden_layers=4, num_attention_heads=2, intermediate_size=32,
                       image_size=32, patch_size=8, neck_hidden_sizes=[8, 8, 16, 16], fusion_hidden_size=16,
                       backbone_out_indices=[0, 1, 2, 3], head_in_index=-1)
    DPTForDepthEstimation(config).eval().save_pretrained(tmp_path / "dpt")
    DPTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(tmp_path / "dpt")
    estimate = estimate_depth(image, tmp_path / "dpt")
    assert estimate.values.shape == image.shape[:2] and np.isfinite(estimate.values).all()
