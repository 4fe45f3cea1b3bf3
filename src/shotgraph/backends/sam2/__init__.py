"""SAM 2 (the ``sam2`` package): video object segmentation with a memory of past frames."""

from __future__ import annotations

from pathlib import Path

from shotgraph.backends.base import Backend
from shotgraph.backends.weights import family_weights, find_weights, installed

MODELS = {
    "tiny": ("configs/sam2.1/sam2.1_hiera_t.yaml", "sam2.1_hiera_tiny.pt"),
    "small": ("configs/sam2.1/sam2.1_hiera_s.yaml", "sam2.1_hiera_small.pt"),
    "base_plus": ("configs/sam2.1/sam2.1_hiera_b+.yaml", "sam2.1_hiera_base_plus.pt"),
    "large": ("configs/sam2.1/sam2.1_hiera_l.yaml", "sam2.1_hiera_large.pt"),
}
SOURCE = "https://github.com/facebookresearch/sam2#download-checkpoints (https://dl.fbaipublicfiles.com/segment_anything_2/092824/{file})"


def locate(params) -> list[Path]:
    """The checkpoint a run loads: its ``weights`` path, else the models folder's for ``sam2_model``."""
    filename = MODELS[getattr(params, "sam2_model", "tiny")][1]
    return installed(lambda: find_weights("sam2", (filename,), SOURCE.format(file=filename),
                                          getattr(params, "weights", None)))


SAM2 = Backend(
    "sam2", "SAM 2 video predictor: prompted frames and propagation", requires=("torch", "sam2"),
    extra="sam", weights="sam2.1_hiera_tiny.pt (or small/base_plus/large) in $SHOTGRAPH_MODELS/sam2/",
    weights_check=lambda: family_weights("sam2", [(f"sam2.1-{size}", (file,)) for size, (_, file) in MODELS.items()],
                                         SOURCE.format(file="...")),
    locate=locate,
)
