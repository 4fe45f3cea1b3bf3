"""``shotgraph edit EDIT.yaml -o OUT``: render an edit file straight from its sources.

An edit file is the ``edit:`` section of a project on its own, plus optional ``assets:`` (names
for files) and ``deliver:`` (a preset and overrides, as in a project's deliverables)::

    assets: {a: clips/a.mp4, music: music.flac}
    fps: 25
    width: 1920
    height: 1080
    clips:
      - {shot: a, in: 1, out: 4}
      - {shot: clips/b.mp4, transition: {kind: crossfade, duration: 0.5}}
    audio: [{file: music, fade_out: 2}]
    deliver: {preset: youtube-1080p}

Shots and files are asset names or paths relative to the edit file. Frame rate and size default
to the first clip's. Untouched clips of compatible sources are stream-copied (smart render).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shotgraph.errors import ParamError, ProjectError


def load_edit_file(path: Path):
    """``(EditParams, deliver overrides, resolve_clip, resolve_file)`` for an edit file."""
    from pydantic import ValidationError

    from shotgraph.graph.project import pydantic_error
    from shotgraph.graph.yamlfile import load_yaml
    from shotgraph.media.reader import open_video
    from shotgraph.ops.edit import EditParams

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
        if not target.exists() and "%" not in str(target) and "*" not in str(target):
            raise ProjectError(f"{path}: file not found: {target} (for {ref!r})")
        return target

    opened: dict[str, object] = {}

    def resolve_clip(ref: str):
        if ref not in opened:
            opened[ref] = open_video(resolve_file(ref))
        return opened[ref]

    try:
        params = EditParams.model_validate(data)
    except ValidationError as error:
        raise pydantic_error(document, (), error) from None
    if params.fps is None or params.width is None or params.height is None:
        first = next((s.shot for s in params.clips if s.shot is not None), None)
        if first is None and (params.fps is None or params.width is None):
            raise ParamError(f"{path}: give fps, width and height (no clip to take them from)")
        video = resolve_clip(str(first)).video if first is not None else None
        params = params.model_copy(update={"fps": params.fps or video.fps, "width": params.width or video.width,
                                           "height": params.height or video.height})
    return params, deliver, resolve_clip, resolve_file


def register(app: typer.Typer) -> None:
    @app.command()
    def edit(
        edit_file: Path = typer.Argument(..., help="Edit file (YAML): clips, transitions, titles, overlays, audio."),
        output: Path = typer.Option(..., "--output", "-o", help="Output file."),
        preset: Optional[str] = typer.Option(None, "--preset", "-p", help="Delivery preset (overrides the file's)."),
        smart_render: bool = typer.Option(True, "--smart-render/--no-smart-render",
                                          help="Stream-copy untouched clips when their codec matches."),
        validate: str = typer.Option("strict", "--validate", help="strict | warn | off."),
        as_json: bool = typer.Option(False, "--json", help="Print the validation report as JSON."),
    ) -> None:
        """Render an edit: cuts, transitions, speed, freeze frames, titles, overlays, picture-in-picture,
        mixed and ducked audio, loudness, in one streaming pass to a validated file."""
        from shotgraph.commands.deliver import delivery_params, run_delivery
        from shotgraph.ops.edit import edit as build_edit
        from shotgraph.ops.mix import AudioTrack

        if not edit_file.is_file():
            raise ProjectError(f"edit file not found: {edit_file}")
        params, deliver, resolve_clip, resolve_file = load_edit_file(edit_file)
        clips = [resolve_clip(str(s.shot)) if s.shot is not None else None for s in params.clips]
        tracks = [AudioTrack(resolve_file(t.file), t) for t in params.audio]
        cut = build_edit(clips, params, tracks, resolve_clip, resolve_file)
        overrides = {**deliver, "validate": validate}
        deliver_params = delivery_params(output, preset or deliver.get("preset"), overrides)
        plan = None
        if smart_render:
            from shotgraph.finish.smart_render import plan_smart_render

            plan = plan_smart_render(cut, deliver_params)
        run_delivery(cut, output, deliver_params, as_json, plan)
