"""SAM image segmentation from a box and clicks, with transformers' ``SamModel`` / ``SamProcessor``.

Weights are a Hugging Face model folder (``config.json``, ``model.safetensors``, the processor's
``preprocessor_config.json``), e.g. ``facebook/sam-vit-base`` downloaded once and placed in
``$SHOTGRAPH_MODELS/sam/sam-vit-base/`` (or passed as ``weights``). Nothing is downloaded here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shotgraph.backends.sam import FOLDERS, SOURCE
from shotgraph.backends.weights import find_weights
from shotgraph.backends.torch_compat import prepare
from shotgraph.errors import BackendUnavailableError, MissingWeightsError
from shotgraph.masks.prompts import Prompt


def _torch_and_transformers():
    try:
        prepare()
        import torch
        from transformers import SamModel, SamProcessor
    except ImportError as error:
        raise BackendUnavailableError(f"the sam backend needs torch and transformers: pip install 'shotgraph[sam]' ({error})") from None
    return torch, SamModel, SamProcessor


class SamSegmenter:
    """A SAM model on the CPU; :meth:`mask` segments what a prompt points at on one frame."""

    def __init__(self, weights: str | Path | None = None):
        folder = find_weights("sam", FOLDERS, SOURCE, weights)
        if not (folder / "config.json").is_file():
            raise MissingWeightsError(f"{folder} is not a SAM model folder (no config.json); download it from {SOURCE}")
        torch, SamModel, SamProcessor = _torch_and_transformers()
        self.torch = torch
        self.model = SamModel.from_pretrained(folder).eval()
        self.processor = SamProcessor.from_pretrained(folder)

    def mask(self, frame: np.ndarray, prompt: Prompt) -> np.ndarray:
        """Soft uint8 mask (255 = object) of ``frame`` for ``prompt``."""
        kwargs = {}
        if prompt.box is not None:
            kwargs["input_boxes"] = [[list(prompt.box)]]
        if prompt.points:
            kwargs["input_points"] = [[[[p.x, p.y] for p in prompt.points]]]
            kwargs["input_labels"] = [[[p.label for p in prompt.points]]]
        inputs = self.processor(images=np.ascontiguousarray(frame[..., :3]), return_tensors="pt", **kwargs)
        # one click is ambiguous (part or whole?): ask for SAM's three answers and keep the one it
        # scores best, as SAM's authors recommend; a box is not ambiguous
        multimask = prompt.box is None and len(prompt.points) == 1
        with self.torch.inference_mode():
            outputs = self.model(**inputs, multimask_output=multimask)
        logits = self.processor.image_processor.post_process_masks(
            outputs.pred_masks, inputs["original_sizes"], inputs["reshaped_input_sizes"], binarize=False
        )[0][0]  # (masks, H, W) for the first image and box
        best = int(outputs.iou_scores[0, 0].argmax()) if multimask else 0
        probability = self.torch.sigmoid(logits[best]).numpy()
        return np.clip(probability * 255 + 0.5, 0, 255).astype(np.uint8)
