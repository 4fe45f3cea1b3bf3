"""RIFE 4.x frame interpolation from a checkpoint the user provides (``flownet.pkl``).

Weights: each release of https://github.com/hzwer/Practical-RIFE ships ``train_log/flownet.pkl``
(4.6 is the long-time default of RIFE front-ends; 4.13-4.26 work too; 4.0-4.5 and 4.7-4.12 are
refused with a clear error). Put it in
``<models>/rife/`` (as ``flownet.pkl``) or pass its path. Checkpoints saved from DataParallel
(keys prefixed ``module.``) load as well.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from shotgraph.backends.base import Backend
from shotgraph.backends.checkpoints import load_strict, read_state_dict, require_torch
from shotgraph.backends.weights import family_weights, find_weights, folder_checkpoint
from shotgraph.errors import ParamError
from shotgraph.flow.synthesis import PairSynthesizer

RIFE_FILES = ("flownet.pkl",)
RIFE_SOURCE = "https://github.com/hzwer/Practical-RIFE (a 4.x model's train_log/flownet.pkl)"
TRAINING_ONLY = ("teacher.", "caltime.")  # present in some releases, unused for inference


RIFE = Backend(
    "rife", "RIFE 4.x IFNet (torch) synthesises the frames", requires=("torch",), extra="torch",
    weights=f"flownet.pkl from {RIFE_SOURCE} into <models>/rife/",
    weights_check=lambda: family_weights("rife", [("rife-4.x flownet", RIFE_FILES)], RIFE_SOURCE),
    locate=folder_checkpoint("rife", RIFE_FILES, RIFE_SOURCE),
)


def _torch():
    return require_torch("rife")


def load_rife(path: Path | str):
    """An IFNet in eval mode with the weights of a RIFE 4.x ``flownet.pkl``."""
    _torch()
    from shotgraph.backends.rife.model import IFNet, config_from_state

    path = Path(path)
    state = read_state_dict(path, "RIFE")
    try:
        config = config_from_state(state)
    except ValueError as error:
        raise ParamError(f"{path}: not a RIFE 4.x checkpoint: {error}") from None
    model = IFNet(config)
    load_strict(model, state, path, "RIFE 4.x", ignore_prefixes=TRAINING_ONLY)
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


@dataclass
class RifePair:
    a: np.ndarray
    b: np.ndarray
    img0: object  # padded (1, 3, H, W) tensors in 0..1
    img1: object


class RifeSynthesizer(PairSynthesizer):
    """In-between frames by IFNet at any timestep (RIFE 4.x takes ``t`` as an input)."""

    def __init__(self, weights: str | Path | None = None, scale: float = 1.0, threads: int = 0, model=None):
        torch = _torch()
        if threads > 0:
            torch.set_num_threads(threads)
        if model is None:
            model = load_rife(find_weights("rife", RIFE_FILES, RIFE_SOURCE, weights))
        self.model = model
        self.scale = scale
        self.device = next(model.parameters()).device

    def _tensor(self, frame: np.ndarray, cache, key):
        if cache is not None and key in cache:
            return cache[key]
        torch = _torch()
        import torch.nn.functional as F

        height, width = frame.shape[:2]
        multiple = max(self.model.config.padding_multiple, int(self.model.config.padding_multiple / self.scale))
        padded = (math.ceil(height / multiple) * multiple, math.ceil(width / multiple) * multiple)
        tensor = torch.from_numpy(np.array(frame[..., :3])).permute(2, 0, 1)[None].float() / 255.0
        tensor = F.pad(tensor, (0, padded[1] - width, 0, padded[0] - height)).to(self.device)
        if cache is not None:
            cache[key] = tensor
        return tensor

    def prepare(self, a, b, cache=None, keys=None):
        keys = keys or (None, None)
        return RifePair(a, b, self._tensor(a, cache, keys[0]), self._tensor(b, cache, keys[1]))

    def frame(self, state: RifePair, t: float) -> np.ndarray:
        torch = _torch()
        height, width = state.a.shape[:2]
        with torch.inference_mode():
            out = self.model(state.img0, state.img1, t, self.scale)
        rgb = out[0, :, :height, :width].permute(1, 2, 0).cpu().numpy()
        rgb = np.clip(rgb * 255.0 + 0.5, 0, 255).astype(np.uint8)
        if state.a.shape[2] == 4:  # RIFE sees colour only: alpha is cross-faded
            alpha = (1 - t) * state.a[..., 3].astype(np.float32) + t * state.b[..., 3].astype(np.float32)
            rgb = np.dstack([rgb, np.clip(alpha + 0.5, 0, 255).astype(np.uint8)])
        return rgb
