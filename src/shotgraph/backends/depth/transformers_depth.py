"""Depth from a Hugging Face transformers depth model (Depth Anything, DPT / MiDaS, ZoeDepth...).

One adapter for every user of monocular depth: animate's 3D camera (:func:`estimate_depth`, one
still) and depth guide videos (:func:`predict_depth`, batches of frames).

Weights are never downloaded. A model is a Hub id or a folder (as written by ``save_pretrained`` or
cloned from the Hub: ``config.json``, the weights, ``preprocessor_config.json``), found by
:func:`shotgraph.backends.hf_local.resolve_model`: the folder itself,
``$SHOTGRAPH_MODELS/depth/<org>/<name>`` (or ``.../depth/<name>``), or the local Hugging Face
cache. Runs on CPU with torch; the last loaded model is kept for the process's lifetime.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotgraph.backends.base import Backend
from shotgraph.backends.hf_local import offline, resolve_model
from shotgraph.backends.torch_compat import prepare
from shotgraph.backends.weights import installed
from shotgraph.errors import MissingWeightsError

FAMILY = "depth"
DEFAULT_MODEL = "depth-anything/Depth-Anything-V2-Small-hf"

def locate(params) -> list[Path]:
    """The depth model a call with ``params`` loads: its ``depth_model`` (animate, deforum) or
    ``model`` (the depth op), else the default."""
    model = getattr(params, "depth_model", None) if hasattr(params, "depth_model") else getattr(params, "model", None)
    return installed(lambda: locate_model(model))


TRANSFORMERS_DEPTH = Backend(
    "transformers-depth",
    "Depth Anything / DPT depth estimated per image (transformers, CPU)",
    requires=("torch", "transformers"),
    extra="depth",
    weights=f"a transformers depth model in $SHOTGRAPH_MODELS/{FAMILY}/<org>/<name> or the HF cache, "
            f"e.g. https://huggingface.co/{DEFAULT_MODEL}",
    locate=locate,
)


@dataclass(frozen=True)
class DepthEstimate:
    """``values`` (H, W) float32 at the image's size; ``metric``: values are depths in metres,
    else relative inverse depth normalised to 0 (farthest) .. 1 (nearest)."""

    values: np.ndarray
    metric: bool


_LOCK = threading.Lock()
_LOADED: dict[str, tuple[object, object, bool]] = {}


def locate_model(model: str | Path | None = None) -> Path:
    """The model folder for ``model`` (a Hub id or path; default Depth Anything V2 Small)."""
    return resolve_model(str(model or DEFAULT_MODEL), FAMILY, "depth model")


def _load(folder: Path):
    key = str(folder.resolve())
    with _LOCK:
        if key not in _LOADED:
            TRANSFORMERS_DEPTH.ensure()  # also reached from Python calls outside any op
            prepare()
            from transformers import AutoImageProcessor, AutoModelForDepthEstimation
            from transformers.utils import logging

            logging.set_verbosity_error()
            logging.disable_progress_bar()
            with offline():
                try:
                    # use_fast=False: the fast processors need torchvision, which does not import
                    # beside the CPU torch wheel; the Pillow/NumPy ones give the same inputs.
                    processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True, use_fast=False)
                    model = AutoModelForDepthEstimation.from_pretrained(folder, local_files_only=True).eval()
                except (OSError, ValueError, KeyError) as error:
                    raise MissingWeightsError(f"cannot load the depth model in {folder}: {error}") from None
            metric = (getattr(model.config, "depth_estimation_type", "relative") == "metric"
                      or model.config.model_type == "zoedepth")
            _LOADED.clear()  # one model at a time: they are large
            _LOADED[key] = (processor, model, metric)
        return _LOADED[key]


def predict_depth(frames: Sequence[np.ndarray], model: str | Path | None = None,
                  threads: int = 0) -> tuple[list[np.ndarray], bool]:
    """The model's raw prediction for each RGB(A) frame, bicubically resized to the frame's size
    (as the models' own post-processing does), and whether it is metric depth (else relative
    inverse depth: larger = nearer, arbitrary scale)."""
    import torch
    import torch.nn.functional as F

    if threads > 0:
        torch.set_num_threads(threads)
    processor, network, metric = _load(locate_model(model))
    inputs = processor(images=[np.ascontiguousarray(f[..., :3]) for f in frames], return_tensors="pt")
    with torch.inference_mode():
        predicted = network(**inputs).predicted_depth  # (n, h, w)
    height, width = frames[0].shape[:2]
    resized = F.interpolate(predicted[:, None].float(), size=(height, width), mode="bicubic", align_corners=False)
    return [d[0].numpy().astype(np.float32) for d in resized], metric


def estimate_depth(image: np.ndarray, model: str | Path | None = None) -> DepthEstimate:
    """The depth of one RGB(A) uint8 image, at the image's size."""
    (values,), metric = predict_depth([image], model)
    if metric:
        return DepthEstimate(np.maximum(values, 1e-3), True)
    from shotgraph.motion.depthmap import normalise_disparity

    return DepthEstimate(normalise_disparity(values), False)
