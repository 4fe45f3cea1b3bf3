"""RAFT optical flow from a checkpoint the user provides (``raft-things.pth`` and friends).

Weights: the ``models.zip`` of https://github.com/princeton-vl/RAFT holds ``raft-things.pth``
(general purpose, the default looked for), ``raft-sintel.pth``, ``raft-kitti.pth``,
``raft-chairs.pth`` and ``raft-small.pth``. Put one in ``<models>/raft/`` or pass its path.
Runs on CPU (or CUDA when torch has it); flow is computed at ``scale`` of the frame size, since
the all-pairs correlation volume grows with the fourth power of the resolution.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from shotgraph.backends.base import Backend
from shotgraph.backends.checkpoints import load_strict, read_state_dict, require_torch
from shotgraph.backends.weights import family_weights, find_weights, folder_checkpoint
from shotgraph.flow.estimate import FlowEstimator

RAFT_FILES = ("raft-things.pth", "raft-sintel.pth", "raft-kitti.pth", "raft-chairs.pth", "raft-small.pth")
RAFT_SOURCE = "https://github.com/princeton-vl/RAFT (download models.zip)"
# refinement iterations per preset (the authors evaluate with 12-32)
RAFT_ITERATIONS = {"ultrafast": 6, "fast": 12, "medium": 20, "fine": 32}


RAFT = Backend(
    "raft", "optical flow by RAFT (torch)", requires=("torch",), extra="torch",
    weights=f"raft-things.pth from {RAFT_SOURCE} into <models>/raft/",
    weights_check=lambda: family_weights("raft", [(name.removesuffix(".pth"), (name,)) for name in RAFT_FILES], RAFT_SOURCE),
    locate=folder_checkpoint("raft", RAFT_FILES, RAFT_SOURCE),
)


def _torch():
    return require_torch("raft")


def load_raft(path: Path | str):
    """A RAFT (or RAFT-small, told apart by its keys) model in eval mode, weights from ``path``."""
    _torch()  # a clear error when torch is not installed
    from shotgraph.backends.raft.model import RAFT

    path = Path(path)
    state = read_state_dict(path, "RAFT")
    small = "fnet.layer1.0.conv3.weight" in state  # bottleneck blocks: the small model
    model = RAFT(small=small)
    load_strict(model, state, path, "RAFT")
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    return model


class RaftFlow(FlowEstimator):
    method = "raft"

    def __init__(self, weights: str | Path | None = None, preset: str = "medium", scale: float = 0.5,
                 threads: int = 0, model=None):
        super().__init__(scale)
        torch = _torch()
        if threads > 0:
            torch.set_num_threads(threads)
        self.iterations = RAFT_ITERATIONS.get(preset, 20)
        if model is None:
            model = load_raft(find_weights("raft", RAFT_FILES, RAFT_SOURCE, weights))
        self.model = model
        self.device = next(model.parameters()).device

    def prepare(self, image: np.ndarray):
        import cv2

        torch = _torch()
        size = self.size_for(image)
        rgb = np.ascontiguousarray(image[..., :3])
        if (rgb.shape[1], rgb.shape[0]) != size:
            rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        elif not rgb.flags.writeable:  # clip frames are read-only; torch wants its own
            rgb = rgb.copy()
        return torch.from_numpy(rgb).permute(2, 0, 1)[None].float().to(self.device)

    def estimate(self, a, b) -> np.ndarray:
        torch = _torch()
        import torch.nn.functional as F

        height, width = a.shape[-2:]
        # pad to multiples of 8 by repeating edges, centred (the authors' evaluation padding), and
        # to at least 64 pixels so that the 4-level correlation pyramid has a pixel at every level
        pad_h = max(64, height + (-height) % 8) - height
        pad_w = max(64, width + (-width) % 8) - width
        padding = (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2)
        with torch.inference_mode():
            flow = self.model(F.pad(a, padding, mode="replicate"), F.pad(b, padding, mode="replicate"),
                              iters=self.iterations)
        flow = flow[0, :, padding[2] : padding[2] + height, padding[0] : padding[0] + width]
        return np.ascontiguousarray(flow.permute(1, 2, 0).cpu().numpy().astype(np.float32))
