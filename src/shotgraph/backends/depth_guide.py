"""Monocular depth for guide videos, from a Hugging Face transformers depth model.

Depth Anything (V1/V2), DPT / MiDaS, ZoeDepth...: any folder ``AutoModelForDepthEstimation`` loads.
Weights come from a local folder only (``$SHOTGRAPH_MODELS/depth/<org>/<name>`` or ``.../depth/<name>``,
the local Hugging Face cache, or a path), loaded with ``local_files_only=True`` and
``HF_HUB_OFFLINE=1``. :func:`estimate_depth` is the one entry point; the model stays loaded for the
process's lifetime.

Note for the merge: the motion work (animate's depth-aware camera) has its own transformers depth
adapter; both should become one module exposing this function.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import numpy as np

from shotgraph.backends.hf_local import offline, resolve_model
from shotgraph.errors import MissingWeightsError

FAMILY = "depth"
DEFAULT_MODEL = "depth-anything/Depth-Anything-V2-Small-hf"

_LOCK = threading.Lock()
_LOADED: dict[str, tuple[object, object]] = {}


def _load(model: str):
    folder = resolve_model(model, FAMILY, "depth model")
    key = str(folder.resolve())
    with _LOCK:
        if key not in _LOADED:
            from transformers import AutoImageProcessor, AutoModelForDepthEstimation
            from transformers.utils import logging

            logging.set_verbosity_error()
            logging.disable_progress_bar()
            with offline():
                try:
                    processor = AutoImageProcessor.from_pretrained(folder, local_files_only=True)
                    network = AutoModelForDepthEstimation.from_pretrained(folder, local_files_only=True)
                except (OSError, ValueError) as error:
                    raise MissingWeightsError(f"depth model {model!r} in {folder} could not be loaded: {error}") from None
            _LOADED.clear()
            _LOADED[key] = (processor, network.eval())
        return _LOADED[key]


def estimate_depth(frames: Sequence[np.ndarray], model: str = DEFAULT_MODEL, threads: int = 0) -> list[np.ndarray]:
    """Relative inverse depth (larger = nearer, arbitrary scale) for each RGB frame, at its size."""
    import torch
    import torch.nn.functional as F

    if threads > 0:
        torch.set_num_threads(threads)
    processor, network = _load(model)
    inputs = processor(images=[np.ascontiguousarray(f[..., :3]) for f in frames], return_tensors="pt")
    with torch.inference_mode():
        predicted = network(**inputs).predicted_depth  # (n, h, w)
    height, width = frames[0].shape[:2]
    resized = F.interpolate(predicted[:, None].float(), size=(height, width), mode="bicubic", align_corners=False)
    return [d[0].numpy().astype(np.float32) for d in resized]
