"""Per-frame image-to-image on a diffusers image pipeline: the step a Deforum-style loop repeats.

``Img2Img(model).__call__(frame, prompt, strength, cfg, seed)`` re-diffuses one RGB frame: noise is
added to it up to ``strength`` (0 keeps it, 1 ignores it) and removed again under the prompt with
classifier-free guidance ``cfg``. The pipeline class comes from the folder's ``model_index.json``
through ``AutoPipelineForImage2Image`` (Stable Diffusion 1.x/2.x, SDXL, ...). The seed goes to a CPU
generator, so one seed gives the same frame on any device; per-frame seeds, strengths and CFG come
from the caller's schedules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from shotgraph.backends.diffusers.loader import LoadOptions, cpu_generator, load_pipeline
from shotgraph.backends.diffusers.video import fit_frame, to_uint8
from shotgraph.backends.video import Log
from shotgraph.errors import ParamError

DEFAULT_MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"
SIZE_MULTIPLE = 8


@dataclass
class Img2Img:
    """An image-to-image model, loaded on first use and kept (see :func:`load_pipeline`)."""

    model: str = DEFAULT_MODEL
    options: LoadOptions = field(default_factory=LoadOptions)
    steps: int = 25
    negative_prompt: str = ""
    log: Log = print

    def pipeline(self):
        return load_pipeline("AutoPipelineForImage2Image", self.model, "img2img model", self.options,
                             gpu_dtype="float16", log=self.log)

    def __call__(self, frame: np.ndarray, prompt: str, strength: float, cfg: float, seed: int) -> np.ndarray:
        """``frame`` (H, W, 3|4 uint8) re-diffused; the result has the input's size, RGB."""
        import torch

        if not 0.0 <= strength <= 1.0:
            raise ParamError(f"img2img strength must be in 0..1, got {strength}")
        height, width = frame.shape[:2]
        rgb = np.ascontiguousarray(frame[..., :3])
        if strength == 0.0 or math.ceil(self.steps * strength) == 0:
            return rgb.copy()  # nothing to denoise: the pipeline would have no steps to run
        run_w = max(SIZE_MULTIPLE, -(-width // SIZE_MULTIPLE) * SIZE_MULTIPLE)
        run_h = max(SIZE_MULTIPLE, -(-height // SIZE_MULTIPLE) * SIZE_MULTIPLE)
        image = torch.from_numpy(fit_frame(rgb, run_w, run_h)).permute(2, 0, 1)[None].float() / 255.0
        pipe = self.pipeline()
        with torch.inference_mode():
            out = pipe(prompt=prompt, negative_prompt=self.negative_prompt or None, image=image,
                       strength=strength, guidance_scale=cfg, num_inference_steps=self.steps,
                       generator=cpu_generator(seed), output_type="np")
        result = to_uint8(out.images)[0]
        return result if result.shape[:2] == (height, width) else fit_frame(result, width, height)
