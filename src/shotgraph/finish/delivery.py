"""Delivery: encode a clip to a final file from a preset (or explicit settings), then validate it.

A deliverable is a preset (``youtube-1080p``, ``prores-master``, ... see
:mod:`shotgraph.finish.presets`) with any field overridden, or explicit settings alone. The clip
is fitted to the frame size (padded, centre-cropped or reframed on the subject), converted to the
frame rate, its sound normalised to the loudness target under the true-peak limit, and encoded
with the GOP the preset asks for. The encoded file is then probed and checked field by field;
the report is saved beside it (``validation.json``) and, with ``validate: strict`` (the default),
a file that does not hold its spec fails the run instead of being delivered. Projects deliver
through the ``deliver`` op (:mod:`shotgraph.ops.deliver`), ``shotgraph deliver`` calls this directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shotgraph.clip import Clip
from shotgraph.errors import MediaError, ParamError
from shotgraph.finish.presets import Container, Fit, LoudnessTarget, Preset, get_preset, merge_model
from shotgraph.finish.reframe import reframe
from shotgraph.finish.validate import ValidationReport, validate_file
from shotgraph.fsutil import write_bytes_atomic
from shotgraph.media.encode import AudioEncoding, VideoEncoding, container_for
from shotgraph.media.resize import resize
from shotgraph.media.retime import change_fps
from shotgraph.media.writer import write_clip
from shotgraph.params import Fps
from shotgraph.validation import dotted, first_problem

Validate = Literal["strict", "warn", "off"]


class DeliverParams(BaseModel):
    """Unset fields come from the preset (or the defaults when there is none)."""

    container: Container = "mp4"
    preset: str | None = Field(None, description="youtube-1080p, youtube-4k, instagram-reels, tiktok, "
                                                 "x-landscape, prores-master, archive")
    video: VideoEncoding = Field(default_factory=VideoEncoding)
    audio: AudioEncoding = Field(default_factory=AudioEncoding)
    width: int | None = Field(None, ge=-2, description="output size (default: the preset's, else the source's)")
    height: int | None = Field(None, ge=-2)
    fit: Fit | None = Field(None, description="pad | crop | stretch | smart (crop following the subject)")
    fps: Fps | None = None
    gop_seconds: float | None = Field(None, gt=0, description="keyframe interval in seconds")
    loudness: LoudnessTarget | None = Field(None, description="normalise the sound to this target")
    validate_output: Validate = Field("strict", alias="validate",
                                      description="strict: a file that fails its checks fails the run")
    smart_render: bool = Field(True, description="stream-copy the untouched stretches of an edit's source "
                               "files whose encoding matches (the edit rendered here: its cache: false)")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("preset")
    @classmethod
    def _known_preset(cls, name: str | None) -> str | None:
        # checked with the project file (field and line), not after the edit has rendered
        if name is not None:
            try:
                get_preset(name)
            except ParamError as error:
                raise ValueError(str(error)) from None
        return name


def resolve_delivery(params: DeliverParams) -> Preset:
    """The preset with every field the deliverable sets explicitly applied over it."""
    if params.preset is not None:
        base = get_preset(params.preset)
        if "container" in params.model_fields_set and params.container != base.container:
            raise ParamError(f"preset {params.preset} writes .{base.container} files, not .{params.container}: "
                             f"name the output *.{base.container}")
    else:
        base = Preset(description="custom", container=params.container, fit="pad", video=VideoEncoding(),
                      audio=AudioEncoding())
    explicit = {name: getattr(params, name) for name in params.model_fields_set
                if name in Preset.model_fields and name != "container"}
    for name in ("video", "audio"):
        if name in explicit:
            explicit[name] = explicit[name].model_dump(exclude_unset=True)
    return merge_model(base, explicit)


@dataclass
class Delivery:
    """What the encode is given: the resolved spec and the clip fitted to it."""

    spec: Preset
    clip: Clip
    video: VideoEncoding
    gop: int | None
    preset: str | None = None


def prepare(clip: Clip, params: DeliverParams) -> Delivery:
    """Fit, retime and normalise ``clip`` for the deliverable; resolve the encoder settings."""
    spec = resolve_delivery(params)
    if spec.width is not None or spec.height is not None:
        v = clip.video
        if spec.fit in ("smart", "crop") and spec.width and spec.height and spec.width > 0 and spec.height > 0:
            if abs(v.width / v.height - spec.width / spec.height) > 0.01:
                clip = reframe(clip, spec.width / spec.height, spec.width, spec.height,
                               "smart" if spec.fit == "smart" else "center")
            else:
                clip = resize(clip, spec.width, spec.height, mode="stretch")
        else:
            clip = resize(clip, spec.width, spec.height, mode=spec.fit if spec.fit != "smart" else "crop")
    if spec.fps is not None:
        clip = change_fps(clip, spec.fps)
    if spec.loudness is not None and spec.audio.codec != "none":
        from shotgraph.finish.loudness import normalise  # pyloudnorm/scipy: imported when used

        clip = normalise(clip, spec.loudness.integrated, spec.loudness.true_peak)
    video, gop = spec.video, spec.video.gop
    if gop is None and spec.gop_seconds is not None:
        gop = max(1, round(spec.gop_seconds * float(clip.video.fps)))
        video = video.model_copy(update={"gop": gop})
    return Delivery(spec, clip, video, gop, params.preset)


@dataclass
class EncodedFile:
    """A clip encoded to ``media.<container>`` plus its validation report; downstream nodes can
    read the media back as a clip."""

    delivery: Delivery
    params: DeliverParams
    threads: int = 0
    log: Callable[[str], None] | None = None
    report: ValidationReport | None = field(default=None, init=False)

    @property
    def clip(self) -> Clip:
        return self.delivery.clip

    @property
    def clip_file(self) -> str:
        return f"media.{self.params.container}"

    @property
    def total_frames(self) -> int:
        return self.clip.n_frames

    def write(self, folder: Path, on_frame: Callable[[int], None] | None) -> list[str]:
        from shotgraph.finish.smart_render import plan_smart_render

        target = folder / self.clip_file
        # an edit rendered inside this deliverable (the project's edit with cache: false) copies
        # its untouched source stretches; a clip read back from the cache has none to copy
        smart = plan_smart_render(self.delivery.clip, self.delivery.spec) if self.params.smart_render else None
        encode_or_copy(self.delivery, target, on_frame, smart, self.log, self.threads)
        if self.params.validate_output == "off":
            return [self.clip_file]
        self.report = check(self.delivery, target)
        write_bytes_atomic(folder / "validation.json", self.report.to_json().encode())
        if self.params.validate_output == "strict" and not self.report.ok:
            raise MediaError(f"the delivered file does not hold its spec: {self.report.summary()}")
        return [self.clip_file, "validation.json"]


def encode(delivery: Delivery, target: Path, on_frame: Callable[[int], None] | None = None, threads: int = 0) -> Path:
    return write_clip(delivery.clip, target, delivery.video, delivery.spec.audio, on_frame, threads)


def encode_or_copy(delivery: Delivery, target: Path, on_frame: Callable[[int], None] | None = None, smart=None,
                   log: Callable[[str], None] | None = None, threads: int = 0) -> None:
    """Encode ``delivery`` to ``target``, stream-copying the stretches of the ``smart`` plan (a
    :class:`~shotgraph.finish.smart_render.SmartPlan`, or None); if a join turns out unsound the
    whole file is encoded normally instead."""
    from shotgraph.finish.smart_render import SmartRenderUnsound, write_smart

    try:
        if smart is None:
            raise SmartRenderUnsound("no stretch to copy")
        write_smart(delivery.clip, smart, target, delivery.video, delivery.spec.audio, on_frame)
        if log:
            log(f"smart render: {smart.copied_frames} of {delivery.clip.n_frames} frames stream-copied")
    except SmartRenderUnsound as reason:
        if smart is not None and log:
            log(f"smart render not possible ({reason}); encoding every frame")
        encode(delivery, target, on_frame, threads)


def deliver_to_file(delivery: Delivery, output: Path, validate: Validate = "strict",
                    on_frame: Callable[[int], None] | None = None, smart=None,
                    log: Callable[[str], None] | None = None) -> ValidationReport | None:
    """Encode to ``output`` and validate; with ``strict`` a file that fails its checks is not
    put in place (a MediaError says why). The report is saved as ``<output>.validation.json``.

    ``smart`` is a :class:`~shotgraph.finish.smart_render.SmartPlan`: its copy segments are
    stream-copied; if a join turns out unsound the whole file is encoded normally instead."""
    import os

    from shotgraph.fsutil import temp_sibling

    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    temp = temp_sibling(output)
    try:
        encode_or_copy(delivery, temp, on_frame, smart, log)
        report = None if validate == "off" else check(delivery, temp)
        if report is not None:
            report.path = str(output)
            write_bytes_atomic(output.with_name(f"{output.stem}.validation.json"), report.to_json().encode())
            if validate == "strict" and not report.ok:
                raise MediaError(f"{output.name} does not hold its spec, so it was not written: {report.summary()}")
        os.replace(temp, output)
        return report
    finally:
        temp.unlink(missing_ok=True)


def check(delivery: Delivery, target: Path) -> ValidationReport:
    v = delivery.clip.video
    return validate_file(target, delivery.spec, v.n_frames, v.fps, v.width, v.height, delivery.gop, delivery.preset)


# what a file's extension means as the deliver params' container
CONTAINERS = {"mp4": "mp4", "mov": "mov", "matroska": "mkv", "webm": "webm", "mxf": "mxf"}


def delivery_params(output: Path, preset: str | None, overrides: dict,
                    name: Callable[[tuple], str] = dotted) -> DeliverParams:
    """DeliverParams for ``output``: the container from its extension, the preset, the overrides
    (one error naming the field, as ``name`` spells it)."""
    from pydantic import ValidationError

    values = {"container": CONTAINERS.get(container_for(output), "mkv"), "preset": preset}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return DeliverParams.model_validate(values)
    except ValidationError as error:
        raise ParamError(f"deliver: {first_problem(error, DeliverParams, name)}") from None
