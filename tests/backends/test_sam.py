"""SAM through transformers: real loading and inference code, on a tiny random model the test builds
and saves as a model folder (no download)."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from segmentation_shots import SyntheticShot  # noqa: E402

from shotgraph.backends.sam.image import SamSegmenter  # noqa: E402
from shotgraph.errors import MissingWeightsError  # noqa: E402
from shotgraph.masks.prompts import Point, Prompt  # noqa: E402
from shotgraph.ops.segment import segment  # noqa: E402


@pytest.fixture(scope="module")
def tiny_sam(tmp_path_factory):
    from transformers import SamConfig, SamImageProcessor, SamModel, SamProcessor
    from transformers.models.sam.configuration_sam import SamMaskDecoderConfig, SamPromptEncoderConfig, SamVisionConfig

    torch.manual_seed(0)
    vision = SamVisionConfig(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                             image_size=64, patch_size=8, output_channels=16, window_size=4, global_attn_indexes=[1],
                             mlp_dim=64, num_pos_feats=8)
    prompt = SamPromptEncoderConfig(hidden_size=16, image_size=64, patch_size=8, mask_input_channels=4)
    decoder = SamMaskDecoderConfig(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, mlp_dim=32,
                                   iou_head_hidden_dim=16)
    config = SamConfig(vision_config=vision.to_dict(), prompt_encoder_config=prompt.to_dict(),
                       mask_decoder_config=decoder.to_dict())
    folder = tmp_path_factory.mktemp("models") / "sam" / "sam-vit-base"
    SamModel(config).eval().save_pretrained(folder)
    SamProcessor(SamImageProcessor(size={"longest_edge": 64}, pad_size={"height": 64, "width": 64},
                                   mask_size={"longest_edge": 16})).save_pretrained(folder)
    return folder


def test_missing_weights_name_what_to_download(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path))
    with pytest.raises(MissingWeightsError, match=r"sam-vit-base.*huggingface.co/facebook/sam-vit-base.*sam/"):
        SamSegmenter()
    (tmp_path / "not-a-model").mkdir()
    with pytest.raises(MissingWeightsError, match="no config.json"):
        SamSegmenter(tmp_path / "not-a-model")


def test_tiny_model_loads_from_the_models_folder_and_answers_prompts(tiny_sam, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tiny_sam.parent.parent))
    segmenter = SamSegmenter()  # found by the models-folder convention
    frame = SyntheticShot(width=160, height=120, n_frames=1).frame(0)
    by_box = segmenter.mask(frame, Prompt(box=(20, 30, 120, 100)))
    assert by_box.shape == (120, 160) and by_box.dtype == np.uint8
    assert np.array_equal(by_box, segmenter.mask(frame, Prompt(box=(20, 30, 120, 100))))  # deterministic
    by_click = segmenter.mask(frame, Prompt(points=[Point(x=60, y=50)]))  # single click: best of three
    by_other_box = segmenter.mask(frame, Prompt(box=(0, 0, 40, 40), points=[Point(x=10, y=10, label=0)]))
    assert not np.array_equal(by_box, by_click) and not np.array_equal(by_box, by_other_box)


def test_segment_op_with_the_sam_backend_propagates_from_the_prompted_frame(tiny_sam, tmp_path):
    shot = SyntheticShot(width=160, height=120, n_frames=4)
    masks = segment(shot.clip(), backend="sam", weights=str(tiny_sam), box=["20,30,120,100@1"], work_dir=tmp_path)
    frames = list(masks.frames())
    assert len(frames) == 4 and all(f.shape == (120, 160, 3) for f in frames)
    assert all(set(np.unique(f)) <= {0, 255} for f in frames)
