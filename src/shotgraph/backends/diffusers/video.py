"""Generating one video segment with a diffusers family: pick the pipeline and weights for the
request's mode, fit the inputs to a size the model accepts, run it with a CPU-seeded generator, and
return exactly the frames asked for at the size asked for."""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from pathlib import Path

import numpy as np

from shotgraph.backends.diffusers import animatediff, cogvideox, ltx, modelscope, svd, wan
from shotgraph.backends.diffusers.family import VideoFamily
from shotgraph.backends.diffusers.loader import LoadOptions, cpu_generator, load_pipeline
from shotgraph.generation.video import Log, VideoRequest, array_clip, size_for_area
from shotgraph.clip import Clip
from shotgraph.errors import ParamError

FAMILIES: dict[str, VideoFamily] = {
    family.name: family
    for family in (svd.FAMILY, cogvideox.FAMILY, ltx.FAMILY, wan.FAMILY, animatediff.FAMILY, modelscope.FAMILY)
}


def model_for(family: VideoFamily, mode: str, model: str | None, image_model: str | None) -> str:
    """The weights for ``mode``: ``image_model`` for image-to-video, ``model`` for the rest (and for
    image-to-video too when the family uses one set of weights for everything, like SVD and LTX)."""
    if mode not in family.pipelines:
        raise ParamError(f"{family.name} cannot do {mode}-to-video; it does {', '.join(family.modes)}")
    if mode == "image":
        if image_model:
            return image_model
        shared = "text" not in family.models or family.models["image"] == family.models["text"]
        return model if (model and shared) else family.models["image"]
    return model or family.models[mode]


def fit_frame(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """RGB ``frame`` scaled and centre-cropped to fill ``width`` x ``height`` (alpha dropped)."""
    from shotgraph.media.resize import resize_frame

    rgb = frame[..., :3]
    if rgb.shape[:2] == (height, width):
        return rgb
    return resize_frame(np.ascontiguousarray(rgb), width, height, mode="crop")


def to_uint8(frames) -> np.ndarray:
    """Pipeline ``output_type="np"`` frames (floats in 0..1, batch first) as (n, H, W, 3) uint8."""
    array = np.asarray(frames[0] if isinstance(frames, list) or np.ndim(frames) == 5 else frames)
    return (np.clip(array, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)


def generate_frames(family: VideoFamily, request: VideoRequest, options: LoadOptions, model: str | None = None,
                    image_model: str | None = None, log: Log = print) -> np.ndarray:
    """``request.num_frames`` RGB uint8 frames of ``request.width`` x ``request.height``.

    The model runs at the nearest size it accepts (rounded up to its multiple, or its one native
    size) and the smallest frame count it accepts that covers the request; the result is
    centre-cropped / scaled back and trimmed.
    """
    import torch

    mode = request.mode
    weights = model_for(family, mode, model, image_model)
    pipe = load_pipeline(family.pipelines[mode], weights, f"{family.name} {mode}-to-video model",
                         options, family.gpu_dtype, family.configure, log,
                         tuple(c for c in family.components if mode in c.modes))
    native = family.native_size(pipe) if family.native_size else None
    width, height = native or family.size_for(request.width, request.height)
    count = family.frames_for(request.num_frames)
    control = None
    if request.control is not None:
        control = [fit_frame(frame, width, height) for frame in request.control]
        control += control[-1:] * (count - len(control))  # the model may need a few more frames
    run = replace(request, width=width, height=height, num_frames=count, control=control,
                  image=None if request.image is None else fit_frame(request.image, width, height),
                  steps=request.steps or family.steps,
                  guidance=family.guidance if request.guidance is None else request.guidance)
    with torch.inference_mode():
        output = pipe(**family.call_kwargs(run, pipe), generator=cpu_generator(request.seed), output_type="np")
    frames = to_uint8(output.frames)[: request.num_frames]
    if len(frames) < request.num_frames:
        raise RuntimeError(f"{family.name} made {len(frames)} frames, {request.num_frames} were asked for")
    if (width, height) == (request.width, request.height):
        return frames
    return np.stack([fit_frame(frame, request.width, request.height) for frame in frames])


@dataclass
class DiffusersBackend:
    """A diffusers family as a :class:`~shotgraph.generation.video.VideoBackend`."""

    family: VideoFamily
    options: LoadOptions
    model: str | None = None
    image_model: str | None = None

    @property
    def name(self) -> str:
        return self.family.name

    @property
    def modes(self) -> tuple[str, ...]:
        return self.family.modes

    @property
    def takes_text(self) -> bool:
        return self.family.takes_text

    def segment_frames(self, fps: Fraction) -> int:
        return self.family.segment_frames

    def native_size(self, aspect: float) -> tuple[int, int]:
        width, height = self.family.default_size
        return size_for_area(width * height, aspect, self.family.size_multiple)

    def generate(self, request: VideoRequest, work_dir: Path, log: Log) -> Clip:
        frames = generate_frames(self.family, request, self.options, self.model, self.image_model, log)
        path = work_dir / f"segment-{len(list(work_dir.glob('segment-*.npy')))}.npy"
        np.save(path, frames)  # on disk, not in memory, until the clip is written out
        del frames
        return array_clip(path, request.fps, f"{self.name} segment")
