"""Per-frame image-to-image on a diffusers image pipeline: the step a Deforum-style loop repeats.

``Img2Img(model).__call__(frame, prompt, strength, cfg, seed)`` re-diffuses one RGB frame: noise is
added to it up to ``strength`` (0 keeps it, 1 ignores it) and removed again under the prompt with
classifier-free guidance ``cfg``. The pipeline class comes from the folder's ``model_index.json``
through ``AutoPipelineForImage2Image`` (Stable Diffusion 1.x/2.x, SDXL, ...); ``text_to_image`` runs
the same weights as text-to-image (a loop's first frame when it starts from a prompt). The seed goes
to a CPU generator, so one seed gives the same frame on any device; per-frame seeds, strengths and
CFG come from the caller's schedules.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from shotgraph.backends.diffusers.loader import FAMILY_DIR, LoadOptions, cpu_generator, load_pipeline
from shotgraph.backends.diffusers.video import fit_frame, to_uint8
from shotgraph.backends.hf_local import resolve_model
from shotgraph.generation.video import Log
from shotgraph.errors import ParamError

DEFAULT_MODEL = "stable-diffusion-v1-5/stable-diffusion-v1-5"
SIZE_MULTIPLE = 8
WHAT = "img2img model"


def _run_size(width: int, height: int) -> tuple[int, int]:
    """The size the model runs at: each side rounded up to the VAE's multiple."""
    return (max(SIZE_MULTIPLE, -(-width // SIZE_MULTIPLE) * SIZE_MULTIPLE),
            max(SIZE_MULTIPLE, -(-height // SIZE_MULTIPLE) * SIZE_MULTIPLE))


@dataclass
class Img2Img:
    """An image-to-image model, loaded on first use and kept (see :func:`load_pipeline`)."""

    model: str = DEFAULT_MODEL
    options: LoadOptions = field(default_factory=LoadOptions)
    steps: int = 25
    negative_prompt: str = ""
    log: Log = print

    def locate(self) -> Path:
        """The model's folder; a :class:`MissingWeightsError` naming the model and where to put it."""
        return resolve_model(self.model, FAMILY_DIR, WHAT)

    def pipeline(self, task: str = "AutoPipelineForImage2Image"):
        return load_pipeline(task, self.model, WHAT, self.options, gpu_dtype="float16", log=self.log)

    def denoises(self, strength: float) -> bool:
        """Whether ``strength`` leaves the pipeline any step to run (diffusers runs
        ``int(steps * strength)`` of them; none would be an error inside the pipeline)."""
        return int(self.steps * strength) >= 1

    def __call__(self, frame: np.ndarray, prompt: str, strength: float, cfg: float, seed: int,
                 negative_prompt: str | None = None) -> np.ndarray:
        """``frame`` (H, W, 3|4 uint8) re-diffused; the result has the input's size, RGB.
        ``negative_prompt`` (when given) replaces the adapter's own for this call."""
        import torch

        if not 0.0 <= strength <= 1.0:
            raise ParamError(f"img2img strength must be in 0..1, got {strength}")
        height, width = frame.shape[:2]
        rgb = np.ascontiguousarray(frame[..., :3])
        if not self.denoises(strength):
            return rgb.copy()  # nothing to denoise: the pipeline would have no steps to run
        run_w, run_h = _run_size(width, height)
        image = torch.from_numpy(np.array(fit_frame(rgb, run_w, run_h))).permute(2, 0, 1)[None].float() / 255.0
        return self._run(self.pipeline(), width, height, image=image, strength=strength, prompt=prompt,
                         cfg=cfg, seed=seed, negative_prompt=negative_prompt)

    def text_to_image(self, prompt: str, width: int, height: int, cfg: float, seed: int,
                      negative_prompt: str | None = None) -> np.ndarray:
        """A new RGB frame of ``width`` x ``height`` from the prompt, on the same weights."""
        run_w, run_h = _run_size(width, height)
        return self._run(self.pipeline("AutoPipelineForText2Image"), width, height, width=run_w, height=run_h,
                         prompt=prompt, cfg=cfg, seed=seed, negative_prompt=negative_prompt)

    def _run(self, pipe, out_w: int, out_h: int, prompt: str, cfg: float, seed: int,
             negative_prompt: str | None, **inputs) -> np.ndarray:
        import torch

        negative = self.negative_prompt if negative_prompt is None else negative_prompt
        with torch.inference_mode():
            out = pipe(prompt=prompt, negative_prompt=negative or None, guidance_scale=cfg,
                       num_inference_steps=self.steps, generator=cpu_generator(seed), output_type="np", **inputs)
        result = to_uint8(out.images)[0]
        return result if result.shape[:2] == (out_h, out_w) else fit_frame(result, out_w, out_h)
