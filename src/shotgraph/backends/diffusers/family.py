"""What a diffusers video model family is: its default models, pipeline classes and constraints.

Each family module (``svd.py``, ``cogvideox.py``, ...) defines one :class:`VideoFamily`: the Hub
ids it uses by default for each mode, the diffusers pipeline class per mode, the frame-count and
size rules its VAE and transformer impose, good default steps / guidance, and ``call_kwargs``,
which turns a :class:`VideoRequest` into that pipeline's call arguments. Everything that loads
weights or runs torch lives in :mod:`.loader` and :mod:`.video`; this module imports neither.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from shotgraph.generation.video import Mode, VideoRequest

__all__ = ["Component", "Mode", "VideoFamily", "VideoRequest", "common_kwargs", "pil"]


@dataclass(frozen=True)
class Component:
    """A model loaded from its own folder and handed to the pipeline (a motion adapter, a ControlNet)."""

    name: str  # the pipeline's component name, also the generate param that overrides its model
    cls: str  # diffusers class name
    model: str  # default Hub id
    modes: tuple[str, ...]  # the modes that need it


@dataclass(frozen=True)
class VideoFamily:
    name: str
    summary: str
    models: dict[str, str]  # mode -> default Hub id
    pipelines: dict[str, str]  # mode -> diffusers pipeline class name
    segment_frames: int  # the clip length the model was trained for
    frame_step: int  # num_frames must be 1 + k * frame_step (1: any count)
    size_multiple: int  # width and height must be multiples of this
    default_size: tuple[int, int]  # (width, height)
    steps: int
    guidance: float
    call_kwargs: Callable[[VideoRequest, object], dict]  # (request, pipeline) -> call arguments
    gpu_dtype: str = "bfloat16"
    decode_chunk: bool = False  # the pipeline takes decode_chunk_size
    takes_text: bool = True  # False: the prompt means nothing to it (SVD)
    components: tuple[Component, ...] = ()
    configure: Callable[[object], None] | None = None  # adjust a freshly loaded pipeline
    native_size: Callable[[object], tuple[int, int] | None] | None = None  # a pipeline fixed to one size

    @property
    def modes(self) -> tuple[str, ...]:
        return tuple(self.pipelines)

    def frames_for(self, wanted: int) -> int:
        """The smallest frame count this family can generate that is at least ``wanted``."""
        if self.frame_step <= 1:
            return max(1, wanted)
        k = max(0, -(-(wanted - 1) // self.frame_step))
        return 1 + k * self.frame_step

    def size_for(self, width: int, height: int) -> tuple[int, int]:
        """``width`` x ``height`` rounded up to the family's size multiple."""
        m = self.size_multiple
        return -(-width // m) * m, -(-height // m) * m


def common_kwargs(request: VideoRequest, image: bool = False) -> dict:
    """The call arguments the text-driven video pipelines share (and ``image``, when asked and given)."""
    kwargs = {
        "prompt": request.prompt,
        "negative_prompt": request.negative_prompt or None,
        "height": request.height,
        "width": request.width,
        "num_frames": request.num_frames,
        "num_inference_steps": request.steps,
        "guidance_scale": request.guidance,
    }
    if image and request.image is not None:
        kwargs["image"] = pil(request.image)
    return kwargs


def pil(frame: np.ndarray):
    """A PIL image from an RGB uint8 array (what pipelines' image inputs take)."""
    from PIL import Image

    return Image.fromarray(np.ascontiguousarray(frame[..., :3]))
