"""Edit files: the ``edit:`` section of a project on its own, rendered by ``shotgraph edit``.

An edit file may also name files (``assets:``), set ``fps`` / ``width`` / ``height`` (default: the
first clip's) and say how to deliver (``deliver:``: a preset and overrides, as in a project's
deliverables)::

    assets: {a: clips/a.mp4, music: music.flac}
    fps: 25
    width: 1920
    height: 1080
    clips:
      - {shot: a, in: 1, out: 4}
      - {shot: clips/b.mp4, transition: {kind: crossfade, duration: 0.5}}
    audio: [{file: music, fade_out: 2}]
    deliver: {preset: youtube-1080p}

Shots and files are asset names or paths relative to the edit file, checked by the rule projects
use (:func:`shotgraph.media.inputs.input_file`).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from shotgraph.errors import MediaError, ParamError, ProjectError
from shotgraph.finish.edit import EditParams
from shotgraph.graph.project import pydantic_error
from shotgraph.graph.yamlfile import load_yaml
from shotgraph.media.inputs import input_file
from shotgraph.media.reader import open_video


def load_edit_file(path: Path):
    """``(EditParams, deliver overrides, resolve_clip, resolve_file)`` for an edit file."""
    document = load_yaml(path)
    data = document.data
    if not isinstance(data, dict):
        raise document.error((), "an edit file is a mapping (clips:, audio:, ...)")
    if "shotgraph" in data:
        raise ProjectError(f"{path} is a project: render it with `shotgraph run {path}`")
    data = dict(data)
    assets = data.pop("assets", {}) or {}
    deliver = data.pop("deliver", {}) or {}
    base = path.resolve().parent

    def resolve_file(ref: str) -> Path:
        target = Path(str(assets.get(ref, ref))).expanduser()
        target = target if target.is_absolute() else base / target
        try:
            return input_file(target)
        except MediaError as error:
            raise ProjectError(f"{path}: {error} (for {ref!r})") from None

    opened: dict[str, object] = {}

    def resolve_clip(ref: str):
        if ref not in opened:
            opened[ref] = open_video(resolve_file(ref))
        return opened[ref]

    try:
        params = EditParams.model_validate(data)
    except ValidationError as error:
        raise pydantic_error(document, (), error, EditParams) from None
    if params.fps is None or params.width is None or params.height is None:
        first = next((s.shot for s in params.clips if s.shot is not None), None)
        if first is None and (params.fps is None or params.width is None):
            raise ParamError(f"{path}: give fps, width and height (no clip to take them from)")
        video = resolve_clip(str(first)).video if first is not None else None
        params = params.model_copy(update={"fps": params.fps or video.fps, "width": params.width or video.width,
                                           "height": params.height or video.height})
    return params, deliver, resolve_clip, resolve_file
