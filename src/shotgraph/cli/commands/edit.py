"""``shotgraph edit EDIT.yaml -o OUT``: render an edit file (:mod:`shotgraph.graph.editfile`)
straight from its sources. Untouched clips of compatible sources are stream-copied (smart render).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shotgraph.errors import ProjectError

# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'edit': 'Render an edit file: cuts, transitions, titles, overlays, mixed audio, to a validated file.',
}


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
        from shotgraph.cli.commands.deliver import delivery_params, run_delivery
        from shotgraph.graph.editfile import load_edit_file
        from shotgraph.finish.edit import edit as build_edit
        from shotgraph.finish.mix import AudioTrack

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
            from shotgraph.finish.delivery import resolve_delivery
            from shotgraph.finish.smart_render import plan_smart_render

            plan = plan_smart_render(cut, resolve_delivery(deliver_params))
        run_delivery(cut, output, deliver_params, as_json, plan)
