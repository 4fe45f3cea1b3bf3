"""Generate: base shots from a prompt and/or an image, with diffusers models or hosted services.

``generate`` is a source: text-to-video, image-to-video, or guided by a control video (depth,
edges, pose guides from :mod:`shotgraph.ops.guides`). ``extend`` is a filter: it continues its input
clip from the last frame. Shots longer than a model's clip are built segment by segment with the
colour drift corrected at each join (:mod:`shotgraph.generation.longshot`).

Backends: ``svd`` (Stable Video Diffusion, image-to-video), ``cogvideox``, ``ltx``, ``wan`` (text-
and image-to-video), ``animatediff`` (text-to-video, ControlNet guides), ``modelscope`` (text-to-
video), all on diffusers with weights from local folders only, and ``runway`` / ``luma`` (your API
key). Default: ``wan`` for a prompt, ``svd`` for an image.

The seed is explicit (the project's derived seed, or ``--seed``), logged for every segment, and
drawn on a CPU generator so it means the same noise on every device. The model runs at its own best
size (``resolution: native``, at the output's aspect ratio) and is scaled to the output size, or at
the output size itself (``resolution: output``).
"""

from __future__ import annotations

import shutil
import weakref
from fractions import Fraction
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.backends.diffusers.catalog import VIDEO_FAMILIES
from shotgraph.backends.diffusers.loader import DType, Device, LoadOptions, Offload
from shotgraph.backends.hosted import LUMA, RUNWAY
from shotgraph.clip import Clip, ConcatClip, frames_for_seconds
from shotgraph.colour_match import ColourMatchMode
from shotgraph.errors import ParamError
from shotgraph.generation.longshot import generate_shot
from shotgraph.generation.video import VideoBackend, VideoRequest
from shotgraph.media.images import read_image
from shotgraph.media.resize import resize
from shotgraph.ops.registry import OpContext, OpKind, backend_names, op, python_params, standalone_context
from shotgraph.params import ClipRef, FileRef, Fps

BACKENDS = (*VIDEO_FAMILIES, RUNWAY, LUMA)
BackendName = backend_names(BACKENDS)
HOSTED = (RUNWAY.name, LUMA.name)


class ModelRuntime(BaseModel):
    """Where and how a diffusers model runs: device, precision and the memory savers."""

    model_config = ConfigDict(extra="forbid")

    device: Device = "auto"
    dtype: DType = Field("auto", description="auto: float32 on CPU, the family's half precision on GPU")
    cpu_offload: Offload = Field("none", description="keep weights in RAM, move each model (model) or layer "
                                 "(sequential) to the GPU only while it runs")
    vae_tiling: bool = Field(False, description="decode in tiles (less memory for large frames)")
    vae_slicing: bool = Field(False, description="decode one sample at a time")

    def load_options(self, threads: int = 0, components: tuple[tuple[str, str], ...] = ()) -> LoadOptions:
        return LoadOptions(device=self.device, dtype=self.dtype, cpu_offload=self.cpu_offload,
                           vae_tiling=self.vae_tiling, vae_slicing=self.vae_slicing, threads=threads,
                           components=components)


class GenerationSettings(ModelRuntime):
    """What ``generate`` and ``extend`` share: the backend, the prompt, the model and how to run it."""

    backend: BackendName | None = Field(None, description="wan | svd | cogvideox | ltx | animatediff | modelscope | "
                                        "runway | luma (default: wan for a prompt, svd for an image)")
    prompt: str = Field("", max_length=4000, description="what to show")
    negative_prompt: str = Field("", max_length=4000, description="what to avoid (diffusers backends)")
    model: str | None = Field(None, description="diffusers: Hub id or local folder of the weights; "
                              "hosted: the service's model (runway gen4.5, luma ray-2)")
    image_model: str | None = Field(None, description="weights for image-to-video when the family has separate "
                                    "ones (cogvideox, wan): used for image shots and continuations")
    motion_adapter: str | None = Field(None, description="animatediff: motion adapter Hub id or folder")
    controlnet: str | None = Field(None, description="animatediff: ControlNet Hub id or folder (for control)")
    control: ClipRef | None = Field(None, description="a guide video (depth / edges / pose) steering the motion")
    control_scale: float = Field(1.0, ge=0, le=2, description="how strongly the guide steers")
    steps: int | None = Field(None, ge=1, le=1000, description="denoising steps (default: the family's)")
    guidance: float | None = Field(None, ge=0, le=100, description="classifier-free guidance (default: the family's)")
    motion: int | None = Field(None, ge=1, le=255, description="svd: motion amount (motion bucket id, default 127)")
    segment_frames: int | None = Field(None, ge=2, le=10000,
                                       description="frames per model call (default: the model's clip length)")
    colour_match: ColourMatchMode = Field("lab", description="colour-drift correction at segment joins: "
                                          "lab (mean/std) | histogram | none")
    resolution: Literal["native", "output"] = Field(
        "native", description="native: the model's own size at the output aspect, then scaled; output: at the output size")
    decode_chunk: int | None = Field(None, ge=1, le=1000, description="svd / animatediff: frames decoded at once")
    image_url: str | None = Field(None, description="hosted: the first frame as a public https URL (luma needs this)")
    api_key_env: str | None = Field(None, description="hosted: the environment variable holding your API key "
                                    "(default RUNWAYML_API_SECRET / LUMAAI_API_KEY); never the key itself")
    timeout: float = Field(900, gt=0, le=24 * 3600, description="hosted: seconds to wait for a task")

    @model_validator(mode="after")
    def _check(self):
        if self.image_url is not None and not self.image_url.startswith(("https://", "http://")):
            raise ValueError("image_url must be an http(s) URL")
        return self


class Length(BaseModel):
    duration: float | None = Field(None, gt=0, le=3600, description="seconds")
    frames: int | None = Field(None, ge=1, le=1_000_000, description="frame count (instead of duration)")

    def frame_count(self, fps: Fraction, default: int) -> int:
        if self.frames is not None:
            return self.frames
        return max(1, frames_for_seconds(self.duration, fps)) if self.duration is not None else default

    @model_validator(mode="after")
    def _one_length(self):
        if self.duration is not None and self.frames is not None:
            raise ValueError("give duration or frames, not both")
        return self


class GenerateParams(GenerationSettings, Length):
    image: FileRef | None = Field(None, description="first frame to animate (image-to-video)")
    width: int | None = Field(None, ge=16, le=8192, description="output width (default: the project's)")
    height: int | None = Field(None, ge=16, le=8192, description="output height (default: the project's)")
    fps: Fps | None = Field(None, description="frame rate (default: the project's)")

    @model_validator(mode="after")
    def _something_to_generate(self):
        if not self.prompt.strip() and self.image is None and self.image_url is None:
            raise ValueError("give a prompt, an image, or both")
        return self


class ExtendParams(GenerationSettings, Length):
    @model_validator(mode="after")
    def _some_length(self):
        if self.duration is None and self.frames is None:
            raise ValueError("say how much to add: duration or frames")
        return self


def backend_name(settings: GenerationSettings, has_image: bool) -> str:
    """The backend ``settings`` choose: theirs, else ``svd`` for an image and ``wan`` for a prompt."""
    return settings.backend or ("svd" if has_image else "wan")


def make_backend(settings: GenerationSettings, has_image: bool, threads: int = 0) -> VideoBackend:
    """The backend object for ``settings`` (the registry has checked its dependencies are installed)."""
    name = backend_name(settings, has_image)
    if name not in ("animatediff",) and (settings.motion_adapter or settings.controlnet):
        raise ParamError(f"motion_adapter / controlnet are animatediff settings; backend is {name}")
    if name in HOSTED:
        from shotgraph.backends.hosted.luma import LumaBackend
        from shotgraph.backends.hosted.runway import RunwayBackend

        cls = RunwayBackend if name == "runway" else LumaBackend
        return cls(model=settings.model, api_key_env=settings.api_key_env, image_url=settings.image_url,
                   timeout=settings.timeout)
    if settings.image_url:
        raise ParamError("image_url is for hosted backends; give diffusers backends a local image")
    from shotgraph.backends.diffusers.video import FAMILIES, DiffusersBackend

    family = FAMILIES[name]
    if settings.decode_chunk is not None and not family.decode_chunk:
        raise ParamError(f"decode_chunk: {name} decodes with its VAE in one go; use vae_tiling / vae_slicing")
    components = tuple((key, value) for key, value in
                       (("motion_adapter", settings.motion_adapter), ("controlnet", settings.controlnet)) if value)
    return DiffusersBackend(family, settings.load_options(threads, components), settings.model, settings.image_model)


def _base_request(settings: GenerationSettings, backend: VideoBackend, out_w: int, out_h: int, fps: Fraction,
                  seed: int, image=None) -> VideoRequest:
    if settings.resolution == "native":
        width, height = backend.native_size(out_w / out_h)
    else:
        width, height = out_w, out_h
    return VideoRequest(prompt=settings.prompt, negative_prompt=settings.negative_prompt, width=width,
                        height=height, num_frames=0, seed=seed, fps=fps, steps=settings.steps,
                        guidance=settings.guidance, image=image, control_scale=settings.control_scale,
                        decode_chunk=settings.decode_chunk, motion=settings.motion)


def _run_shot(settings: GenerationSettings, backend: VideoBackend, base: VideoRequest, total: int, ctx: OpContext,
              continue_from: Clip | None = None) -> Clip:
    control = ctx.clip(settings.control) if settings.control else None
    if control is not None and "control" not in backend.modes:
        raise ParamError(f"{backend.name} takes no control video; use animatediff (with a controlnet)")
    segment = settings.segment_frames or backend.segment_frames(base.fps)
    return generate_shot(backend, base, total, segment, ctx.work_dir, ctx.log, settings.colour_match,
                         control, continue_from)


def generate_shot_from_params(params: GenerateParams, ctx: OpContext) -> Clip:
    """The op's work: a new shot from validated params; ``ctx`` gives the seed, files and scratch space."""
    image = read_image(ctx.file(params.image)) if params.image else None
    backend = make_backend(params, image is not None, ctx.threads)
    fps = params.fps or Fraction(24)
    seed = ctx.seed if ctx.seed is not None else 0
    if image is not None and params.width is None and params.height is None:
        out_w, out_h = image.shape[1], image.shape[0]
    else:
        out_w, out_h = params.width or 1280, params.height or 720
    base = _base_request(params, backend, out_w, out_h, fps, seed, image)
    total = params.frame_count(fps, backend.segment_frames(fps))
    ctx.log(f"generate: {backend.name}, {total} frames at {base.width}x{base.height} -> {out_w}x{out_h}, seed {seed}")
    return resize(_run_shot(params, backend, base, total, ctx), out_w, out_h, mode="crop")


def owning(clip: Clip, folder: Path, temporary: bool) -> Clip:
    """``clip``, removing the temporary ``folder`` its frames are read from once it is gone."""
    if temporary:  # the segments live there until the clip is gone
        weakref.finalize(clip, shutil.rmtree, folder, True)
    return clip


def generate(prompt: str = "", image: str | Path | None = None, *, seed: int = 0, work_dir: str | Path | None = None,
             log=print, **settings) -> Clip:
    """Generate a shot: ``generate("a red fox in snow", backend="ltx", duration=4, seed=7)``.

    ``settings`` are :class:`GenerateParams` fields (backend, model, width, height, fps, duration,
    frames, steps, memory savers...), checked here, once. The clip reads its frames from files in
    ``work_dir`` (a temporary folder, removed with the clip, when not given).
    """
    params = python_params("generate", dict(settings, prompt=prompt, image=None if image is None else str(image)))
    ctx = standalone_context("generate", seed, work_dir, log)
    return owning(generate_shot_from_params(params, ctx), ctx.work_dir, work_dir is None)


def extend_from_params(clip: Clip, params: ExtendParams, ctx: OpContext) -> Clip:
    """The op's work: ``clip`` followed by the frames generated from its last frame."""
    if clip.video.alpha:
        raise ParamError(f"extend: {clip.name} has an alpha channel; generated frames have none")
    if clip.n_frames == 0:
        raise ParamError(f"extend: {clip.name} has no frames to continue")
    backend = make_backend(params, True, ctx.threads)
    info = clip.video
    seed = ctx.seed if ctx.seed is not None else 0
    base = _base_request(params, backend, info.width, info.height, info.fps, seed)
    total = params.frame_count(info.fps, 0)
    ctx.log(f"extend: {backend.name}, {total} frames after {clip.n_frames}, seed {seed}")
    added = resize(_run_shot(params, backend, base, total, ctx, continue_from=clip), info.width, info.height,
                   mode="crop")
    return ConcatClip([clip, added], name=clip.name)


def extend(clip: Clip, *, seed: int = 0, work_dir: str | Path | None = None, log=print, **settings) -> Clip:
    """``clip`` continued from its last frame: ``extend(clip, backend="svd", duration=3)``.

    ``settings`` are :class:`ExtendParams` fields (checked here, once); the added frames are
    colour-matched to ``clip``.
    """
    params = python_params("extend", settings)
    ctx = standalone_context("extend", seed, work_dir, log)
    return owning(extend_from_params(clip, params, ctx), ctx.work_dir, work_dir is None)


@op("generate", version=1, params=GenerateParams, kind=OpKind.SOURCE, backends=BACKENDS, seeded=True,
    uses=lambda params: (backend_name(params, params.image is not None),),
    summary="Generate a shot from a prompt and/or image (diffusers models or hosted services).",
    project_defaults={"fps": "fps", "width": "width", "height": "height"})
def _run_generate(inputs, params: GenerateParams, ctx):
    return generate_shot_from_params(params, ctx)


@op("extend", version=1, params=ExtendParams, kind=OpKind.FILTER, backends=BACKENDS, seeded=True,
    uses=lambda params: (backend_name(params, True),),
    summary="Continue a clip from its last frame with an image-to-video model (colour-matched).")
def _run_extend(inputs, params: ExtendParams, ctx):
    return extend_from_params(inputs[0], params, ctx)
