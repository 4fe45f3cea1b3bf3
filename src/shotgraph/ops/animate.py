"""Animate: a keyframed camera move over a still (or over a frame of another shot), 2D or 3D.

Every schedule parameter takes Deforum's syntax (see :mod:`shotgraph.schedule`), e.g.
``zoom: "0:(1.0), 48:(1.2)"``. Coordinate conventions are in :mod:`shotgraph.motion`.

- ``mode: 2d``: zoom / angle / translation_x / translation_y about the transform centre
  (``center_x``, ``center_y``); each frame is one affine resampling of the still.
- ``mode: 3d``: a camera moving through the still's depth (translation_x/y/z in scene units,
  rotation_3d_x/y/z in degrees, fov, zoom as a lens zoom); depth comes from ``depth`` (an image),
  else from a transformers depth model (``depth_model``, or one installed under the models folder).

The source is ``image`` (a still, or a video whose ``frame`` is used) or ``clip`` (another shot's
or video asset's ``frame``, the last by default), so a shot can continue where another ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from shotgraph.backends.base import BUILTIN
from shotgraph.backends.depth.transformers_depth import TRANSFORMERS_DEPTH
from shotgraph.clip import Clip, FunctionClip, VideoInfo, frames_for_seconds, parse_fps
from shotgraph.errors import BackendUnavailableError, MissingWeightsError, ParamError
from shotgraph.media.images import IMAGE_SUFFIXES, read_image
from shotgraph.motion.camera import CameraPath, Fit, Framing, Mode, Motion, path_2d, path_3d
from shotgraph.motion.depthmap import DepthFormat, fit_to, read_depth_image, values_to_depth
from shotgraph.motion.render3d import DepthScene
from shotgraph.motion.texture import Border, Filter, MipTexture
from shotgraph.ops.registry import OpKind, op, python_params
from shotgraph.params import ClipRef, FileRef, Fps
from shotgraph.schedule import Interpolation, ScheduleError, ScheduleText, parse_schedule

# schedule field -> its neutral value (what "no move" is)
SCHEDULES = {
    "zoom": 1.0, "angle": 0.0, "translation_x": 0.0, "translation_y": 0.0, "translation_z": 0.0,
    "rotation_3d_x": 0.0, "rotation_3d_y": 0.0, "rotation_3d_z": 0.0, "fov": 40.0,
    "center_x": 0.5, "center_y": 0.5,
}
ONLY_3D = ("translation_z", "rotation_3d_x", "rotation_3d_y", "rotation_3d_z")
ONLY_2D = {"angle": "rotation_3d_z", "center_x": None, "center_y": None}


class AnimateParams(BaseModel):
    """Schedules are Deforum-style text (``"0:(1.0), 30:(1.25)"``) or plain numbers."""

    model_config = ConfigDict(extra="forbid")
    op_name: ClassVar[str] = "animate"  # errors name the op (other ops extend these params)

    image: FileRef | None = Field(None, description="still to animate (a video: its `frame` is used)")
    clip: ClipRef | None = Field(None, validate_default=True,
                                 description="instead of image: a shot or video asset whose `frame` is animated")
    frame: int = Field(-1, description="frame of a video/clip source: 0 the first, -1 the last")
    duration: float = Field(5.0, gt=0, le=24 * 3600, description="seconds")
    fps: Fps | None = Field(None, description="frame rate (default: the project's)")
    width: int | None = Field(None, gt=0, description="output width (default: the source's, made even)")
    height: int | None = Field(None, gt=0, description="output height (default: the source's, made even)")
    fit: Fit = Field("cover", description="at zoom 1 the source covers the frame (cover) or fits inside (contain)")
    mode: Mode = Field("2d", description="2d: flat affine moves; 3d: camera moves through the depth")
    motion: Motion = Field("absolute", description="absolute: schedules are the camera's state; "
                                                   "incremental: change per frame (Deforum)")
    zoom: ScheduleText = Field("1", description="scale (2d), lens zoom (3d); 1 = none")
    angle: ScheduleText = Field("0", description="2d: degrees counter-clockwise")
    translation_x: ScheduleText = Field("0", description="2d: pixels right; 3d: camera right (scene units)")
    translation_y: ScheduleText = Field("0", description="2d: pixels down; 3d: camera down (scene units)")
    translation_z: ScheduleText = Field("0", description="3d: camera forward (scene units)")
    rotation_3d_x: ScheduleText = Field("0", description="3d: tilt, degrees (positive looks up)")
    rotation_3d_y: ScheduleText = Field("0", description="3d: pan, degrees (positive turns right)")
    rotation_3d_z: ScheduleText = Field("0", description="3d: roll, degrees (positive turns the picture counter-clockwise)")
    fov: ScheduleText = Field("40", description="field of view across the shorter side, degrees")
    center_x: ScheduleText = Field("0.5", description="2d: transform centre, fraction of the width")
    center_y: ScheduleText = Field("0.5", description="2d: transform centre, fraction of the height")
    interpolation: Interpolation = Field("linear", description="between keys: linear|cubic|step|ease_in|ease_out|ease_in_out")
    border: Border = Field("replicate", description="outside the still: replicate|reflect|wrap|black")
    filter: Filter = Field("cubic", description="resampling: cubic|linear|lanczos|nearest")
    depth: FileRef | None = Field(None, description="3d: depth image (white near, unless depth_format: depth)")
    depth_format: DepthFormat = Field("disparity", description="disparity (white near) | depth (white far)")
    near: float = Field(1.0, gt=0, description="3d: depth of the nearest depth value, scene units")
    far: float = Field(10.0, gt=0, description="3d: depth of the farthest depth value, scene units")
    depth_model: str | None = Field(None, description="3d without depth: transformers depth model folder")

    @field_validator("clip")
    @classmethod
    def _one_source(cls, clip, info: ValidationInfo):
        if (info.data.get("image") is None) == (clip is None):
            raise ValueError("give either image (a still or a video) or clip (a shot to continue from), not both")
        return clip

    @field_validator("far")
    @classmethod
    def _depth_range(cls, far: float, info: ValidationInfo):
        near = info.data.get("near")
        if near is not None and near >= far:
            raise ValueError(f"must be more than near ({near:g})")
        return far

    @field_validator(*ONLY_3D, *ONLY_2D, "depth", "depth_model")
    @classmethod
    def _fits_mode(cls, value, info: ValidationInfo):
        mode, name = info.data.get("mode"), info.field_name
        if name in ("depth", "depth_model"):
            if value is not None and mode == "2d":
                raise ValueError("depth is used in mode 3d only (set mode: 3d)")
        elif mode == "2d" and name in ONLY_3D and _moves(name, value):
            raise ValueError("moves the camera in 3D: set mode: 3d")
        elif mode == "3d" and name in ONLY_2D and _moves(name, value):
            instead = ONLY_2D[name]
            raise ValueError(f"is a 2d move; in mode 3d use {instead}" if instead else
                             "is a 2d setting (3d moves turn about the camera)")
        return value


def _moves(name: str, text: str) -> bool:
    """Whether a schedule is anything but its neutral constant."""
    return parse_schedule(text).constant() != SCHEDULES[name]


def schedule_values(params: AnimateParams, n_frames: int, fps: float,
                    names: Iterable[str] = tuple(SCHEDULES)) -> dict[str, np.ndarray]:
    """The schedules ``names`` (default: the camera's) evaluated for each frame; errors name the parameter."""
    values = {}
    for name in names:
        try:
            values[name] = parse_schedule(getattr(params, name)).values(n_frames, fps, params.interpolation)
        except ScheduleError as error:
            raise error.named(f"{params.op_name}: {name}") from None
    return values


def output_size(params: AnimateParams, src_w: int, src_h: int) -> tuple[int, int]:
    """The requested size; a missing side keeps the source's aspect, and defaults are made even."""
    def even(value: float) -> int:
        return max(2, int(round(value / 2)) * 2)

    if params.width and params.height:
        return params.width, params.height
    if params.width:
        return params.width, even(params.width * src_h / src_w)
    if params.height:
        return even(params.height * src_w / src_h), params.height
    return max(2, src_w - src_w % 2), max(2, src_h - src_h % 2)


def frame_count(params: AnimateParams) -> tuple[int, Fraction]:
    rate = parse_fps(params.fps if params.fps is not None else 24)
    return max(1, frames_for_seconds(params.duration, rate)), rate


def camera_path(params: AnimateParams, src_w: int, src_h: int) -> CameraPath:
    """Every frame's camera for a source of ``src_w x src_h`` (no pixels needed)."""
    n_frames, rate = frame_count(params)
    out_w, out_h = output_size(params, src_w, src_h)
    framing = Framing(src_w, src_h, out_w, out_h, params.fit)
    v = schedule_values(params, n_frames, float(rate))
    if np.any(v["fov"] <= 0) or np.any(v["fov"] >= 180):
        bad = int(np.argmax((v["fov"] <= 0) | (v["fov"] >= 180)))
        raise ParamError(f"{params.op_name}: fov must be between 0 and 180 degrees, it is {v['fov'][bad]:g} at frame {bad}")
    if np.any(v["zoom"] <= 0):
        bad = int(np.argmax(v["zoom"] <= 0))
        raise ParamError(f"{params.op_name}: zoom must be positive, it is {v['zoom'][bad]:g} at frame {bad}")
    if params.mode == "2d":
        return path_2d(framing, v["zoom"], v["angle"], v["translation_x"], v["translation_y"],
                       v["center_x"], v["center_y"], params.motion, float(v["fov"][0]))
    translation = np.stack([v["translation_x"], v["translation_y"], v["translation_z"]], axis=1)
    rotation = np.stack([v["rotation_3d_x"], v["rotation_3d_y"], v["rotation_3d_z"]], axis=1)
    return path_3d(framing, translation, rotation, v["fov"], v["zoom"], params.motion)


class AnimatedClip(FunctionClip):
    """Frames of a camera path over a still; ``camera`` is the path (for exports), ``scene`` the
    still's :class:`DepthScene` in 3D (else None)."""

    def __init__(self, image: np.ndarray, camera: CameraPath, fps: Fraction, params: AnimateParams,
                 depth: np.ndarray | None = None, name: str = "animate"):
        framing = camera.framing
        info = VideoInfo(framing.out_w, framing.out_h, fps, camera.n_frames, image.shape[2] == 4)
        self.camera = camera
        if camera.mode == "2d":
            texture = MipTexture(image, params.border, params.filter)
            self.scene = None

            def make_frame(index: int) -> np.ndarray:
                return texture.warp(camera.affine[index], framing.out_w, framing.out_h, camera.texture_scale(index))
        else:
            self.scene = DepthScene(image, depth, camera, params.border, params.filter)
            make_frame = self.scene.render
        super().__init__(info, make_frame, name=name)


def pick_frame(clip: Clip, index: int, what: str) -> np.ndarray:
    """Frame ``index`` of ``clip`` (negative counts from the end)."""
    n = clip.n_frames
    position = index + n if index < 0 else index
    if not 0 <= position < n:
        raise ParamError(f"animate: {what} has {n} frames, so frame {index} does not exist")
    return np.array(clip.frame_at(position))


def source_image(params: AnimateParams, file=None, clip=None) -> np.ndarray:
    """The still to animate: the image file, or a frame of the video file / clip."""
    if clip is not None:
        return pick_frame(clip, params.frame, f"clip {params.clip!r}")
    path = Path(file)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        return read_image(path)
    from shotgraph.media.reader import open_video

    return pick_frame(open_video(path, audio=False), params.frame, str(path))


def source_size(params: AnimateParams, file: Path | None = None, clip: Clip | None = None) -> tuple[int, int]:
    """Width and height of the still ``params`` animate (decodes at most one image)."""
    if clip is not None:
        return clip.video.width, clip.video.height
    path = Path(file)
    if path.suffix.lower() in IMAGE_SUFFIXES:
        image = read_image(path)
        return image.shape[1], image.shape[0]
    from shotgraph.media.reader import open_video

    video = open_video(path, audio=False).video
    return video.width, video.height


def depth_description(params: AnimateParams) -> dict | None:
    """How depth was defined, for camera exports (3D only)."""
    if params.mode != "3d":
        return None
    if params.depth is not None:
        return {"source": "image", "image": str(params.depth), "format": params.depth_format,
                "near": params.near, "far": params.far}
    return {"source": "model", "model": params.depth_model or "default", "near": params.near, "far": params.far}


def scene_depth(params: AnimateParams, image: np.ndarray, depth_file: Path | None) -> np.ndarray:
    """Per-pixel scene depth for the still: from the depth image, else a depth model."""
    height, width = image.shape[:2]
    if depth_file is not None:
        values = fit_to(read_depth_image(depth_file), width, height)
        return values_to_depth(values, params.depth_format, params.near, params.far)
    from shotgraph.backends.depth.transformers_depth import estimate_depth

    try:
        estimate = estimate_depth(image, params.depth_model)
    except (MissingWeightsError, BackendUnavailableError) as error:
        raise type(error)(f"{params.op_name}: mode 3d needs depth: give depth (a depth image, white = near), or a "
                          f"depth model: {error}") from None
    if estimate.metric:
        return estimate.values
    return values_to_depth(estimate.values, "disparity", params.near, params.far)


def build(params: AnimateParams, image: np.ndarray, depth_file: Path | None = None, name: str = "animate") -> AnimatedClip:
    """The animated clip of ``image`` for validated ``params``."""
    n_frames, rate = frame_count(params)
    camera = camera_path(params, image.shape[1], image.shape[0])
    depth = scene_depth(params, image, depth_file) if params.mode == "3d" else None
    return AnimatedClip(image, camera, rate, params, depth, name)


def animate(source: np.ndarray | Path | str | Clip, duration: float = 5.0, fps=24,
            depth: np.ndarray | Path | str | None = None, **options) -> AnimatedClip:
    """Animate a still: ``source`` is an RGB(A) array, an image or video file, or a clip (its
    ``frame``, default the last); ``depth`` a depth image file or an array of scene depths; the
    other options are :class:`AnimateParams` fields (schedules as text or numbers)."""
    values = {"duration": duration, "fps": fps, **options}
    if isinstance(source, (str, Path)):
        values["image"] = str(source)
    else:
        values["clip" if isinstance(source, Clip) else "image"] = "<given>"
    if isinstance(depth, (str, Path)):
        values["depth"] = str(depth)
    elif depth is not None:
        values["mode"] = values.get("mode", "3d")
        values["depth"] = "<given>"
    params = python_params("animate", values)
    if isinstance(source, np.ndarray):
        image = source
    elif isinstance(source, Clip):
        image = source_image(params, clip=source)
    else:
        image = source_image(params, file=source)
    if isinstance(depth, np.ndarray):
        camera = camera_path(params, image.shape[1], image.shape[0])
        return AnimatedClip(image, camera, frame_count(params)[1], params, depth.astype(np.float32))
    return build(params, image, Path(depth) if depth is not None else None)


def needs_depth_model(params: AnimateParams) -> bool:
    """A 3D move without a depth image estimates depth with a model."""
    return params.mode == "3d" and params.depth is None


@op("animate", version=1, params=AnimateParams, kind=OpKind.SOURCE,
    summary="Keyframed 2D or depth-aware 3D camera moves over a still or another shot's frame.",
    backends=(BUILTIN, TRANSFORMERS_DEPTH), project_defaults={"fps": "fps"}, cli_inputs=("image",),
    uses=lambda params: (BUILTIN.name, TRANSFORMERS_DEPTH.name) if needs_depth_model(params) else (BUILTIN.name,))
def _run(inputs, params: AnimateParams, ctx):
    if params.clip is not None:
        image = source_image(params, clip=ctx.clip(params.clip))
        name = f"animate({params.clip})"
    else:
        image = source_image(params, file=ctx.file(params.image))
        name = Path(str(params.image)).name
    depth_file = ctx.file(params.depth) if params.depth is not None else None
    return build(params, image, depth_file, name)
