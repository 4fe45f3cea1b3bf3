"""SAM 2 video propagation with the ``sam2`` package's video predictor, streaming the shot.

Checkpoints are the official ``.pt`` files (``sam2.1_hiera_tiny.pt`` ...), placed in
``$SHOTGRAPH_MODELS/sam2/`` or passed as ``weights``; the architecture comes from the config shipped
in the ``sam2`` package. Nothing is downloaded here.

Two things differ from calling the predictor on a folder of JPEGs as its README does, both to keep
memory bounded on long shots: frames are read from the clip on demand (``sam2`` would load the whole
video as float tensors up front), and per-frame tracking outputs older than the model's memory
window are dropped as the walk goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from unittest import mock

import numpy as np
from PIL import Image

from shotgraph.backends.sam2 import MODELS, SOURCE
from shotgraph.backends.weights import find_weights
from shotgraph.backends.torch_compat import prepare
from shotgraph.clip import Clip
from shotgraph.errors import BackendUnavailableError
from shotgraph.masks.frames import REVERSE_CHUNK
from shotgraph.masks.prompts import Prompt
from shotgraph.masks.store import MaskStore

# sam2's own input normalisation (ImageNet statistics), as in sam2.utils.misc.load_video_frames
MEAN = np.array([0.485, 0.456, 0.406], np.float32)[:, None, None]
STD = np.array([0.229, 0.224, 0.225], np.float32)[:, None, None]
OBJECT_ID = 1


class ClipFrames:
    """The clip's frames as sam2 wants them (normalised CHW float tensors, square ``image_size``),
    read in chunks around the requested index, forwards or backwards, never the whole shot."""

    def __init__(self, clip: Clip, image_size: int, torch):
        self.clip, self.size, self.torch = clip, image_size, torch
        self.cache: dict[int, np.ndarray] = {}
        self.last = -1

    def __len__(self) -> int:
        return self.clip.n_frames

    def _load(self, index: int) -> None:
        backwards = index < self.last
        start = max(0, index - REVERSE_CHUNK + 1) if backwards else index
        stop = index + 1 if backwards else min(self.clip.n_frames, index + REVERSE_CHUNK)
        self.cache = {}
        for at, frame in enumerate(self.clip.frames(start, stop), start):
            resized = Image.fromarray(np.ascontiguousarray(frame[..., :3])).resize((self.size, self.size))
            self.cache[at] = np.asarray(resized)

    def __getitem__(self, index: int):
        if index not in self.cache:
            self._load(index)
        self.last = index
        chw = self.cache[index].transpose(2, 0, 1).astype(np.float32) / 255.0
        return self.torch.from_numpy((chw - MEAN) / STD)


class Sam2VideoTracker:
    def __init__(self, model: str = "tiny", weights: str | Path | None = None, overrides: Sequence[str] = ()):
        config, filename = MODELS[model]
        checkpoint = find_weights("sam2", (filename,), SOURCE.format(file=filename), weights)
        try:
            prepare()
            import torch
            from sam2.build_sam import build_sam2_video_predictor
        except ImportError as error:
            raise BackendUnavailableError(
                f"the sam2 backend needs torch and the sam2 package: see README (Segmentation) ({error})"
            ) from None
        self.torch = torch
        self.predictor = build_sam2_video_predictor(config, str(checkpoint), device="cpu",
                                                    hydra_overrides_extra=list(overrides))

    def _init_state(self, frames: ClipFrames, height: int, width: int) -> dict:
        import sam2.sam2_video_predictor as module

        # sam2's init_state reads the whole video through load_video_frames; hand it our lazy frames
        def load_video_frames(**_kwargs):
            return frames, height, width

        with mock.patch.object(module, "load_video_frames", load_video_frames):
            return self.predictor.init_state(video_path="<clip>", offload_video_to_cpu=True, offload_state_to_cpu=True)

    def _forget_old_frames(self, state: dict, current: int, reverse: bool) -> None:
        """Drop tracking outputs the model can no longer attend to (beyond its memory window)."""
        p = self.predictor
        window = max(p.num_maskmem * p.memory_temporal_stride_for_eval, p.max_obj_ptrs_in_encoder) + 1
        for outputs in state["output_dict_per_obj"].values():
            stale = [i for i in outputs["non_cond_frame_outputs"]
                     if (i - current if reverse else current - i) > window]
            for index in stale:
                del outputs["non_cond_frame_outputs"][index]

    def track(self, clip: Clip, prompts: list[Prompt], store: MaskStore,
              on_frame: Callable[[int, int], None] | None = None) -> MaskStore:
        """Soft masks for every frame of ``clip`` from ``prompts`` (on one or several frames)."""
        torch = self.torch
        frames = ClipFrames(clip, self.predictor.image_size, torch)
        done, total = set(), clip.n_frames
        import sam2.sam2_video_predictor as module

        # no tqdm bar on the user's terminal: shotgraph reports progress itself
        with torch.inference_mode(), mock.patch.object(module, "tqdm", lambda iterable, **_kw: iterable):
            state = self._init_state(frames, clip.video.height, clip.video.width)
            for prompt in prompts:
                points = np.array([[p.x, p.y] for p in prompt.points], np.float32) if prompt.points else None
                labels = np.array([p.label for p in prompt.points], np.int32) if prompt.points else None
                self.predictor.add_new_points_or_box(state, frame_idx=prompt.frame, obj_id=OBJECT_ID,
                                                     points=points, labels=labels,
                                                     box=np.array(prompt.box, np.float32) if prompt.box else None)
            for reverse in (False, True):
                for index, _ids, logits in self.predictor.propagate_in_video(state, reverse=reverse):
                    probability = torch.sigmoid(logits[0, 0]).float().numpy()
                    store.put(index, np.clip(probability * 255 + 0.5, 0, 255).astype(np.uint8))
                    done.add(index)
                    if on_frame:
                        on_frame(len(done), total)
                    self._forget_old_frames(state, index, reverse)
        return store
