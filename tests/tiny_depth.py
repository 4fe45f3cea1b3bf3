"""A tiny, randomly initialised Depth Anything model that tests build and save themselves."""

from __future__ import annotations

import torch


def tiny_depth_anything(folder):
    """A 40k-parameter Depth Anything (DINOv2 backbone) with its image processor, saved to ``folder``."""
    from transformers import DepthAnythingConfig, DepthAnythingForDepthEstimation, Dinov2Config, DPTImageProcessor

    torch.manual_seed(0)
    backbone = Dinov2Config(hidden_size=16, num_hidden_layers=2, num_attention_heads=2, intermediate_size=32,
                            image_size=56, patch_size=14, out_features=["stage1", "stage2"], reshape_hidden_states=False)
    config = DepthAnythingConfig(backbone_config=backbone, reassemble_hidden_size=16, patch_size=14,
                                 neck_hidden_sizes=[8, 16], reassemble_factors=[4, 2], fusion_hidden_size=16,
                                 head_hidden_size=8)
    model = DepthAnythingForDepthEstimation(config).eval()
    processor = DPTImageProcessor(size={"height": 56, "width": 56}, keep_aspect_ratio=True, ensure_multiple_of=14)
    model.save_pretrained(folder)
    processor.save_pretrained(folder)
    return model, processor
