"""One CLI command per op, generated from the op's params model.

``shotgraph resize IN -o OUT --width 1280 --mode crop`` runs the same op the project file reaches,
streaming straight from decoder to encoder (no cache, no intermediate files). Filters take one
input clip; a source op's file inputs (``cli_inputs``) become positional arguments. Every params
field becomes ``--field-name``; the registry validates the values (:func:`shotgraph.ops.registry.validate`,
errors naming the option as written), so the CLI and the project file accept and reject exactly
the same things, and checks the backend is installed before any work.
"""

from __future__ import annotations

import inspect
import shutil
import types
import typing
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal, Optional, get_args, get_origin

import typer
from pydantic import BaseModel

from shotgraph.clip import Clip
from shotgraph.errors import ParamError
from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.ops.registry import OpKind, OpSpec, run_op, standalone_context, validate
from shotgraph.validation import Loc

# Project-level settings some ops default to; outside a project these are the defaults.
CLI_PROJECT_DEFAULTS = {"fps": Fraction(24), "width": 1920, "height": 1080}


def _option(name: str, annotation: Any, *flags: str, **kwargs) -> inspect.Parameter:
    default = typer.Option(kwargs.pop("default", None), *flags, **kwargs)
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default)


VideoCodec = VideoEncoding.model_fields["codec"].annotation
AudioCodec = AudioEncoding.model_fields["codec"].annotation
ENCODE_OPTIONS = [
    _option("vcodec", VideoCodec, "--vcodec", default="h264", help="Output video codec."),
    _option("crf", Optional[float], "--crf", help="Constant quality (lower is better; codec default if unset)."),
    _option("encoder_preset", Optional[str], "--encoder-preset", help="Encoder speed preset (x264: ultrafast..veryslow)."),
    _option("bitrate", Optional[str], "--bitrate", help="Target video bitrate such as 8M (instead of --crf)."),
    _option("pix_fmt", Optional[str], "--pix-fmt", help="Output pixel format (default per codec, e.g. yuv420p)."),
    _option("acodec", AudioCodec, "--acodec", default="aac", help="Output audio codec ('none' drops audio)."),
    _option("audio_bitrate", Optional[str], "--audio-bitrate", help="Audio bitrate such as 192k."),
]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """Strip Optional / Annotated; return (inner type, is_list)."""
    while True:
        origin = get_origin(annotation)
        if origin is typing.Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return str, False  # e.g. float | str (times): pass text, pydantic decides
            annotation = args[0]
        elif origin in (list, tuple):
            inner, _ = _unwrap(get_args(annotation)[0])
            return inner, True
        else:
            return annotation, False


def _cli_type(annotation: Any) -> Any | None:
    """The annotation typer should parse a params field with; None for nested settings."""
    inner, is_list = _unwrap(annotation)
    if (isinstance(inner, type) and issubclass(inner, BaseModel)) or inner is dict or get_origin(inner) is dict:
        return None  # nested settings: project file only
    if not (get_origin(inner) is Literal or inner in (bool, int, float)):
        inner = str  # refs, fractions, times, colours: text that pydantic validates
    return Optional[list[inner]] if is_list else Optional[inner]


def _field_options(model: type[BaseModel], skip: set[str]) -> list[inspect.Parameter]:
    options = []
    for name, field in model.model_fields.items():
        annotation = _cli_type(field.annotation)
        if name in skip or annotation is None:
            continue
        flag = "--" + name.replace("_", "-")
        default = None if field.is_required() else field.get_default(call_default_factory=True)
        help_text = (field.description or "") + (f" [default: {default}]" if default not in (None, [], ()) else "")
        if get_args(annotation)[0] is bool:
            options.append(_option(name, annotation, f"{flag}/--no-{flag[2:]}", help=help_text))
        else:
            options.append(_option(name, annotation, flag, help=help_text))
    return options


ENCODING_FLAGS = {"vcodec": "codec", "crf": "crf", "encoder_preset": "preset", "bitrate": "bitrate", "pix_fmt": "pix_fmt"}
AUDIO_FLAGS = {"acodec": "codec", "audio_bitrate": "bitrate"}


def option_name(loc: Loc, renames: dict[str, str] | None = None, positional: tuple[str, ...] = ()) -> str:
    """A params field's location as the user typed it: ``("crf",)`` -> ``--crf``, a positional
    argument in capitals (``MASK``); ``renames`` maps an option to a differently named field."""
    if not loc:
        return ""
    head = str(loc[0])
    flags = {field: option for option, field in (renames or {}).items()}
    text = head.upper() if head in positional else "--" + flags.get(head, head).replace("_", "-")
    for part in loc[1:]:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def _encodings(values: dict) -> tuple[VideoEncoding, AudioEncoding]:
    from shotgraph.validation import first_problem
    from pydantic import ValidationError

    for model, flags in ((VideoEncoding, ENCODING_FLAGS), (AudioEncoding, AUDIO_FLAGS)):
        try:
            model.model_validate({field: values[flag] for flag, field in flags.items()})
        except ValidationError as error:
            raise ParamError(f"encoding: {first_problem(error, model, lambda loc: option_name(loc, flags))}") from None
    video = VideoEncoding(**{field: values[flag] for flag, field in ENCODING_FLAGS.items()})
    audio = AudioEncoding(**{field: values[flag] for flag, field in AUDIO_FLAGS.items()})
    return video, audio


def validate_params(spec: OpSpec, values: dict) -> BaseModel:
    """``values`` (from the command line) as ``spec``'s params: one error naming the option; the
    files they name are checked here too (as a project checks its files when it is loaded), so a
    missing or wrong file is reported before a missing backend or any work."""
    from shotgraph.errors import MediaError
    from shotgraph.graph.hashing import iter_refs
    from shotgraph.media.inputs import input_file
    from shotgraph.params import FileRef

    name = lambda loc: option_name(loc, positional=spec.cli_inputs)  # noqa: E731
    params = validate(spec, values, name, CLI_PROJECT_DEFAULTS)
    for loc, ref in iter_refs(params):
        if isinstance(ref, FileRef):
            try:
                input_file(ref)
            except MediaError as error:
                raise MediaError(f"{spec.name}: {name(loc)}: {error}") from None
    return params


def run_op_to_file(spec: OpSpec, inputs: list[Clip], params: BaseModel, output: Path,
                   video: VideoEncoding, audio: AudioEncoding, seed: int | None = None) -> Path:
    """Run an op outside any project and encode its result straight to ``output``, with progress."""
    from shotgraph.cli.console import console, plain, progress
    from shotgraph.media.writer import write_clip

    ctx = standalone_context(spec.name, seed)
    try:
        result = run_op(spec, inputs, params, ctx)
        if not isinstance(result, Clip):
            raise ParamError(f"{spec.name} produces files, not a clip; use it in a project")
        with progress() as display:
            task = display.add(spec.name, result.n_frames)
            write_clip(result, output, video, audio, task.update)
        console.print(f"[green]✓[/] {plain(str(output))} [dim]({result.n_frames} frames, {result.video.width}x"
                      f"{result.video.height} @ {float(result.video.fps):g} fps)[/]")
        return output
    finally:
        shutil.rmtree(ctx.work_dir, ignore_errors=True)


def make_command(spec: OpSpec) -> Callable[..., None]:
    """A typer command function for ``spec``: its signature is built from the params model."""
    model = spec.params
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters: list[inspect.Parameter] = []
    if spec.kind == OpKind.FILTER:
        parameters.append(inspect.Parameter("input", positional, annotation=Path,
                                            default=typer.Argument(..., help="Input video or image sequence.")))
    for name in spec.cli_inputs:
        field = model.model_fields[name]
        annotation = _cli_type(field.annotation)
        required = field.is_required()  # an optional input (a prompt may stand in for it) may be left out
        parameters.append(inspect.Parameter(name, positional, annotation=get_args(annotation)[0] if required else annotation,
                                            default=typer.Argument(... if required else None, help=field.description)))
    parameters.append(_option("output", Path, "--output", "-o", default=...,
                              help="Output video file, or a folder / frame_%05d.png pattern for PNG frames."))
    parameters += _field_options(model, set(spec.cli_inputs))
    if spec.seeded:
        parameters.append(_option("seed", int, "--seed", default=0, min=0, max=2**63 - 1, help="Random seed."))
    parameters += ENCODE_OPTIONS
    field_names = set(model.model_fields)

    def command(**values) -> None:
        from shotgraph.media.inputs import input_file
        from shotgraph.media.reader import open_video

        params = {k: v for k, v in values.items() if k in field_names and v is not None and v != []}
        validated = validate_params(spec, params)
        inputs = [open_video(input_file(values["input"]))] if spec.kind == OpKind.FILTER else []
        video, audio = _encodings(values)
        run_op_to_file(spec, inputs, validated, values["output"], video, audio, values.get("seed"))

    command.__signature__ = inspect.Signature(parameters)
    command.__name__ = spec.name.replace("-", "_")
    backends = ", ".join(b.name for b in spec.backends)
    command.__doc__ = f"{spec.summary}\n\n(op {spec.name!r} v{spec.version}, {spec.kind.value}; backends: {backends})"
    return command
