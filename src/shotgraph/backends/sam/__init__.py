"""Segment Anything (SAM) through Hugging Face transformers; weights are supplied by the user."""

from __future__ import annotations

from pathlib import Path

from shotgraph.backends.base import Backend
from shotgraph.backends.weights import family_weights, find_weights, installed

FOLDERS = ("sam-vit-base", "sam-vit-large", "sam-vit-huge")
SOURCE = ("https://huggingface.co/facebook/sam-vit-base (the whole model folder: config.json, "
          "model.safetensors, preprocessor_config.json)")


def locate(params) -> list[Path]:
    """The SAM model folder a run loads: its ``weights`` path, else the models folder's."""
    return installed(lambda: find_weights("sam", FOLDERS, SOURCE, getattr(params, "weights", None)))


SAM = Backend(
    "sam", "Segment Anything (transformers SamModel) on prompted frames, flow propagation",
    requires=("torch", "transformers"), extra="sam",
    weights="facebook/sam-vit-base model folder in $SHOTGRAPH_MODELS/sam/ (or weights: PATH)",
    weights_check=lambda: family_weights("sam", [(name, (name,)) for name in FOLDERS], SOURCE),
    locate=locate,
)
