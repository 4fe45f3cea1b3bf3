"""Depth from a Hugging Face transformers depth model (Depth Anything, DPT / MiDaS, ZoeDepth...).

Weights are never downloaded: the model is a local folder as written by ``save_pretrained`` (or
as cloned from the Hub), holding ``config.json``, the weights and ``preprocessor_config.json``.
It is looked for in ``$SHOTGRAPH_MODELS/depth/`` (first of :data:`DEFAULT_FOLDERS`) unless a path
is given. Runs on CPU with torch; loaded models are kept for the process's lifetime.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotgraph.backends.weights import find_weights
from shotgraph.errors import MissingWeightsError
from shotgraph.ops.registry import Backend

FAMILY = "depth"
DEFAULT_FOLDERS = ("Depth-Anything-V2-Small-hf", "depth-anything-small-hf", "dpt-hybrid-midas", "dpt-large")
SOURCE = ("https://huggingface.co/depth-anything/Depth-Anything-V2-Small-hf (the whole folder: "
          "config.json, model.safetensors, preprocessor_config.json)")

BACKEND = Backend(
    "transformers-depth",
    "Depth Anything / DPT depth estimated from the still (transformers, CPU)",
    requires=("torch", "transformers"),
    extra="depth",
    weights=f"a transformers depth model folder in $SHOTGRAPH_MODELS/{FAMILY}/, e.g. {SOURCE}",
)


@dataclass(frozen=True)
class DepthEstimate:
    """``values`` (H, W) float32 at the image's size; ``metric``: values are depths in metres,
    else relative inverse depth normalised to 0 (farthest) .. 1 (nearest)."""

    values: np.ndarray
    metric: bool


_MODELS: dict[str, tuple[object, object, bool]] = {}
_LOCK = threading.Lock()


def locate_model(explicit: str | Path | None = None) -> Path:
    """The model folder to use: ``explicit`` or the first installed default; else a clear error."""
    folder = find_weights(FAMILY, DEFAULT_FOLDERS, SOURCE, explicit)
    if not (folder / "config.json").is_file():
        raise MissingWeightsError(f"{folder} is not a transformers model folder (no config.json); "
                                  f"download one from {SOURCE}")
    return folder


def _load(folder: Path):
    key = str(folder.resolve())
    with _LOCK:
        if key not in _MODELS:
            BACKEND.ensure()
            import torch  # noqa: F401  (the extra's presence was checked above)
            from transformers import AutoImageProcessor, AutoModelForDepthEstimation

            try:
                processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True)
                model = AutoModelForDepthEstimation.from_pretrained(folder, local_files_only=True).eval()
            except (OSError, ValueError, KeyError) as error:
                raise MissingWeightsError(f"cannot load the depth model in {folder}: {error}") from None
            metric = getattr(model.config, "depth_estimation_type", "relative") == "metric" or \
                model.config.model_type == "zoedepth"
            _MODELS[key] = (processor, model, metric)
        return _MODELS[key]


def estimate_depth(image: np.ndarray, model_folder: str | Path | None = None) -> DepthEstimate:
    """The depth of an RGB(A) uint8 image, at the image's size."""
    import torch
    import torch.nn.functional as F

    processor, model, metric = _load(locate_model(model_folder))
    rgb = np.ascontiguousarray(image[..., :3])
    inputs = processor(images=rgb, return_tensors="pt")
    with torch.inference_mode():
        predicted = model(**inputs).predicted_depth  # (1, h, w)
        # bicubic back to the image's size, as the models' own post-processing does
        full = F.interpolate(predicted[:, None].float(), size=rgb.shape[:2], mode="bicubic", align_corners=False)
    values = full[0, 0].numpy().astype(np.float32)
    if metric:
        return DepthEstimate(np.maximum(values, 1e-3), True)
    from shotgraph.motion.depthmap import normalise_disparity

    return DepthEstimate(normalise_disparity(values), False)
