"""Person matting with mediapipe's selfie segmentation model (ships inside the mediapipe 0.10.21 wheel).

Runs offline on CPU at a few milliseconds a frame. ``general`` is the 256x256 model (people near the
camera), ``landscape`` the faster 144x256 one. The result is a soft person matte per frame.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from shotgraph.backends.base import Backend
from shotgraph.backends.mediapipe import IN_WHEEL
from shotgraph.errors import BackendUnavailableError

SelfieModel = Literal["general", "landscape"]
SELFIE = Backend("selfie", "mediapipe selfie segmentation (person matte), every frame", requires=("mediapipe",),
                 extra="mediapipe", weights=IN_WHEEL)


class SelfieSegmenter:
    def __init__(self, model: SelfieModel = "general"):
        try:
            from mediapipe.python.solutions.selfie_segmentation import SelfieSegmentation
        except ImportError as error:
            raise BackendUnavailableError(
                f"the selfie backend needs mediapipe 0.10.21: pip install 'shotgraph[mediapipe]' ({error})"
            ) from None
        self._model = SelfieSegmentation(model_selection=0 if model == "general" else 1)

    def matte(self, frame: np.ndarray) -> np.ndarray:
        """Person coverage of an RGB frame as uint8 (255 = person)."""
        result = self._model.process(np.ascontiguousarray(frame[..., :3]))
        return np.clip(result.segmentation_mask * 255 + 0.5, 0, 255).astype(np.uint8)

    def close(self) -> None:
        self._model.close()
