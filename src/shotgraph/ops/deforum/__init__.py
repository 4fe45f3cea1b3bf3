"""Deforum: animation by feedback img2img, with animate's 2D / 3D camera.

Each diffused frame is the previous one moved by that frame's camera, colour-matched to frame 0,
noised, and re-diffused with the frame's prompt, strength, CFG and seed (:mod:`shotgraph.ops.deforum.loop`).
Every schedule takes Deforum's syntax (:mod:`shotgraph.schedule`); the camera fields are animate's
(:class:`~shotgraph.ops.animate.AnimateParams`), read incrementally by default as Deforum reads them
(``zoom: "0:(1.02)"`` grows 2% a frame). The loop starts from a still (``image``, or a frame of
another shot: ``clip``) or, with only a prompt, from text-to-image.

- **Seeds** (``seed_behavior``): ``iter`` (Deforum's default) adds 1 per diffused frame to the shot's
  seed, ``fixed`` keeps it, ``schedule`` takes ``seed_schedule``'s value at each frame. Every
  diffused frame's seed is logged; noise is drawn on CPU generators, so a seed repeats exactly.
- **Cadence** ``N``: only every ``N``-th frame is diffused; the frames between are the two keyframes
  around them moved by the camera, aligned by optical flow (``cadence_flow``) and blended.
- **Resuming**: diffused keyframes are written as they are made to the node's resume folder (in a
  project: ``<cache>/resume/<node key>/``), so a render killed half way restarts after the last
  keyframe; the finished shot is cached like any node.

This is an op of its own rather than a mode of ``animate`` because it is a different thing to run:
seeded, backed by a diffusion model, every frame depending on the previous output, resumable. It
shares animate's parameters, camera paths and renderers rather than repeating them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import ClassVar

import numpy as np
from pydantic import Field, ValidationInfo, field_validator, model_validator

from shotgraph.backends.depth.transformers_depth import TRANSFORMERS_DEPTH, locate_model
from shotgraph.backends.diffusers.catalog import IMG2IMG
from shotgraph.backends.diffusers.img2img import DEFAULT_MODEL, Img2Img
from shotgraph.clip import Clip, VideoInfo
from shotgraph.colour_match import ColourMatchMode
from shotgraph.errors import ParamError
from shotgraph.media.images import read_image
from shotgraph.motion.camera import Motion
from shotgraph.ops.animate import (AnimateParams, build, camera_path, frame_count, needs_depth_model, output_size,
                                   scene_depth, schedule_values, source_image)
from shotgraph.ops.deforum.loop import DeforumLoop, LoopPlan, SeedBehavior, frame_seeds
from shotgraph.ops.deforum.prompts import PromptSchedule, PromptText
from shotgraph.ops.deforum.store import KeyframeStore
from shotgraph.ops.generate import ModelRuntime, owning
from shotgraph.ops.registry import OpKind, op, python_params, standalone_context
from shotgraph.params import FileRef
from shotgraph.schedule import ScheduleText

VERSION = 1
PROMPT_ONLY_SIZE = 512  # Stable Diffusion 1.x's own size, for loops that start from a prompt
# schedule -> (lowest, highest) allowed value
LIMITS = {"strength": (0.0, 1.0), "cfg": (0.0, 100.0), "noise": (0.0, 10.0), "contrast": (0.0, 10.0)}


class DeforumParams(ModelRuntime, AnimateParams):
    """Animate's camera and framing fields, plus the loop's."""

    op_name: ClassVar[str] = "deforum"

    motion: Motion = Field("incremental", description="incremental: schedules are the change per frame "
                                                       "(Deforum); absolute: the camera's state")
    prompt: PromptText = Field("", description='prompt, or prompts by frame: "0: a forest, 48: a city" '
                                               '("--neg" starts a negative prompt)')
    negative_prompt: str = Field("", max_length=4000, description="what to avoid, every frame")
    model: str = Field(DEFAULT_MODEL, description="diffusers image model: Hub id (looked up in "
                       "$SHOTGRAPH_MODELS/diffusers/<id> or the Hugging Face cache) or folder")
    steps: int = Field(25, ge=1, le=1000, description="denoising steps at strength 1 (img2img runs steps x strength)")
    strength: ScheduleText = Field("0:(0.65)", description="img2img strength per frame: 0 keeps the moved frame, 1 ignores it")
    cfg: ScheduleText = Field("0:(7)", description="classifier-free guidance per frame")
    noise: ScheduleText = Field("0:(0.02)", description="noise added before img2img (std. dev. on the -1..1 scale)")
    contrast: ScheduleText = Field("0:(1)", description="multiplies the moved frame before img2img")
    seed_behavior: SeedBehavior = Field("iter", description="iter: +1 per diffused frame; fixed; schedule: seed_schedule")
    seed_schedule: ScheduleText | None = Field(None, description="with seed_behavior schedule: the seed per frame")
    cadence: int = Field(1, ge=1, le=100, description="diffuse every Nth frame, blend the frames between")
    cadence_flow: bool = Field(True, description="cadence: align the two keyframes by optical flow before blending")
    colour_coherence: ColourMatchMode = Field("lab", description="match each moved frame's colours to the "
                                              "reference: lab (mean/std) | histogram | none")
    colour_reference: FileRef | None = Field(None, description="image whose colours frames keep (default: frame 0)")

    @field_validator("clip")
    @classmethod
    def _one_source(cls, clip, info: ValidationInfo):
        if info.data.get("image") is not None and clip is not None:
            raise ValueError("give image (a still or a video) or clip (a shot to continue from), not both")
        return clip

    @model_validator(mode="after")
    def _loop_settings(self):
        has_still = self.image is not None or self.clip is not None
        if not has_still and PromptSchedule.parse(self.prompt).empty:
            raise ValueError("give a prompt, an image (or clip) to start from, or both")
        if self.depth is not None and not has_still:
            raise ValueError("depth is the depth of the starting still: give image or clip with it")
        if (self.seed_behavior == "schedule") != (self.seed_schedule is not None):
            raise ValueError("seed_schedule goes with seed_behavior: schedule (and that needs a seed_schedule)")
        return self


def loop_plan(params: DeforumParams, n_frames: int, fps: float, seed: int) -> LoopPlan:
    """Every frame's strength, CFG, noise, contrast and seed (each checked, errors name the frame)."""
    values = schedule_values(params, n_frames, fps, LIMITS)
    for name, (lowest, highest) in LIMITS.items():
        bad = (values[name] < lowest) | (values[name] > highest)
        if bad.any():
            frame = int(np.argmax(bad))
            raise ParamError(f"deforum: {name} must be between {lowest:g} and {highest:g}, it is "
                             f"{values[name][frame]:g} at frame {frame}")
    schedule = None
    if params.seed_behavior == "schedule":
        schedule = schedule_values(params, n_frames, fps, ("seed_schedule",))["seed_schedule"]
        if (schedule < 0).any() or (schedule >= 2**63).any():
            frame = int(np.argmax((schedule < 0) | (schedule >= 2**63)))
            raise ParamError(f"deforum: seed_schedule gives {schedule[frame]:g} at frame {frame}; seeds are "
                             f"whole numbers from 0")
    seeds = frame_seeds(params.seed_behavior, seed, n_frames, params.cadence, schedule)
    return LoopPlan(n_frames, params.cadence, values["strength"], values["cfg"], values["noise"], values["contrast"],
                    seeds, PromptSchedule.parse(params.prompt), params.colour_coherence)


def _fingerprint(params: DeforumParams, seed: int, *inputs: np.ndarray | Path | None) -> str:
    """What the loop's keyframes are made from: parameters, seed and the input pixels / files."""
    digest = hashlib.sha256(f"deforum v{VERSION}\n{params.model_dump_json()}\n{seed}".encode())
    for item in inputs:
        if isinstance(item, np.ndarray):
            digest.update(f"{item.shape}".encode() + np.ascontiguousarray(item).tobytes())
        elif item is not None:
            digest.update(Path(item).read_bytes())
        digest.update(b"|")
    return digest.hexdigest()


class DeforumClip(Clip):
    """The loop's frames as a clip (made in order on first read; see :class:`DeforumLoop`)."""

    def __init__(self, loop: DeforumLoop, info: VideoInfo, name: str):
        super().__init__(info, None, name)
        self.loop = loop

    def _frames(self, start, stop):
        return self.loop.frames(start, stop)


def render(params: DeforumParams, seed: int, still: np.ndarray | None, depth_file: Path | None,
           reference: np.ndarray | None, folder: Path, threads: int = 0, log=print, name: str = "deforum") -> DeforumClip:
    """The loop's clip for validated ``params``; keyframes are kept in ``folder`` (resumed from it)."""
    n_frames, rate = frame_count(params)
    plan = loop_plan(params, n_frames, float(rate), seed)  # schedule mistakes before a missing model
    diffuser = Img2Img(params.model, params.load_options(threads), params.steps, params.negative_prompt, log)
    diffuser.locate()  # a missing model is an error now, not at the first frame
    if still is not None:
        animated = build(params, still, depth_file, name)  # animate's camera, framing and 3D scene
        camera, first = animated.camera, np.ascontiguousarray(animated.frame_at(0)[..., :3])
        scene = animated.scene if depth_file is not None else None
    else:
        camera, first, scene = camera_path(params, *output_size(params, PROMPT_ONLY_SIZE, PROMPT_ONLY_SIZE)), None, None
    if scene is not None:  # the still's depth, as each keyframe's camera sees it
        depth_of = lambda _picture, frame: scene.depth_at(frame)  # noqa: E731
    else:  # the depth model, on each keyframe (as Deforum does)
        if params.mode == "3d" and still is None:
            locate_model(params.depth_model)  # missing: say so now, not after frame 0
        depth_of = lambda picture, _frame: scene_depth(params, picture, None)  # noqa: E731
    width, height = camera.framing.out_w, camera.framing.out_h
    log(f"deforum: {n_frames} frames at {width}x{height}, {len(plan.keyframes)} diffused (cadence {params.cadence}), "
        f"{params.mode} camera, seeds {params.seed_behavior} from {seed}")
    store = KeyframeStore(folder, _fingerprint(params, seed, still, reference, depth_file))
    loop = DeforumLoop(plan, camera, diffuser, store, first, depth_of, reference, params.cadence_flow,
                       params.border, params.filter, log)
    return DeforumClip(loop, VideoInfo(width, height, rate, n_frames), name)


def deforum(image: str | Path | np.ndarray | None = None, prompt: str | dict = "", *, seed: int = 0,
            work_dir: str | Path | None = None, log=print, **settings) -> Clip:
    """A Deforum loop: ``deforum("forest.png", "0: a forest, 48: a city", zoom="0:(1.02)", seed=7)``.

    ``image`` is the still to start from (a file or an RGB array; None: start from the prompt);
    ``settings`` are :class:`DeforumParams` fields (duration, fps, schedules, cadence, model...).
    Keyframes are kept in ``work_dir`` (a temporary folder, removed with the clip, when not given);
    a loop run again over the same ``work_dir`` with the same settings resumes from it.
    """
    given = isinstance(image, np.ndarray)
    values = dict(settings, prompt=prompt, image=("<given>" if given else None if image is None else str(image)))
    params = python_params("deforum", values)
    still = image if given else source_image(params, file=image) if image is not None else None
    depth_file = Path(params.depth) if params.depth is not None else None
    reference = read_image(params.colour_reference) if params.colour_reference is not None else None
    ctx = standalone_context("deforum", seed, work_dir, log)
    clip = render(params, seed, still, depth_file, reference, ctx.work_dir / "keyframes", log=log)
    return owning(clip, ctx.work_dir, work_dir is None)


def _uses(params: DeforumParams) -> tuple[str, ...]:
    """img2img on every keyframe; a depth model too for a 3D move without a depth image (on the
    still, or on each keyframe when the loop starts from a prompt)."""
    return (IMG2IMG.name, TRANSFORMERS_DEPTH.name) if needs_depth_model(params) else (IMG2IMG.name,)


def _check_schedules(params: DeforumParams) -> None:
    """Every frame's strength, CFG, noise, contrast and seed in range: reported before a missing model."""
    n_frames, rate = frame_count(params)
    loop_plan(params, n_frames, float(rate), 0)


@op("deforum", version=VERSION, params=DeforumParams, kind=OpKind.SOURCE, backends=(IMG2IMG, TRANSFORMERS_DEPTH),
    seeded=True, uses=_uses, check=_check_schedules, project_defaults={"fps": "fps"}, cli_inputs=("image",),
    summary="Deforum-style animation: each frame the last one moved by a 2D/3D camera and re-diffused (img2img).")
def _run(inputs, params: DeforumParams, ctx):
    if params.clip is not None:
        still, name = source_image(params, clip=ctx.clip(params.clip)), f"deforum({params.clip})"
    elif params.image is not None:
        still, name = source_image(params, file=ctx.file(params.image)), Path(str(params.image)).name
    else:
        still, name = None, "deforum"
    depth_file = ctx.file(params.depth) if params.depth is not None else None
    reference = read_image(ctx.file(params.colour_reference)) if params.colour_reference is not None else None
    folder = ctx.resume_dir if ctx.resume_dir is not None else ctx.work_dir / "keyframes"
    seed = ctx.seed if ctx.seed is not None else 0
    return render(params, seed, still, depth_file, reference, folder, ctx.threads, ctx.log, name)
