"""``shotgraph conform export|import``: the edit to and from NLEs (OTIO, EDL, FCP XML, FCPXML)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'conform': 'Exchange the edit with NLEs: OpenTimelineIO, CMX 3600 EDL, FCP 7 XML, FCPXML.',
}


conform_app = typer.Typer(help="Exchange the edit with NLEs: OpenTimelineIO, CMX 3600 EDL, FCP 7 XML, FCPXML.",
                          no_args_is_help=True)


@conform_app.command("export")
def export(
    project: Path = typer.Argument(..., help="The project file."),
    outputs: list[Path] = typer.Option(..., "--output", "-o", help="cut.otio, cut.edl, cut.xml, cut.fcpxml (repeatable)."),
    media: str = typer.Option("prores", "--media", help="prores (.mov, default) | h264 (.mp4 proxies) | cache (reference cache files)."),
    media_dir: Optional[Path] = typer.Option(None, "--media-dir", help="Where shot media go (default: media/ beside the first output)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1),
) -> None:
    """Render the edit's shots to media files and write the cut as timelines that reference them,
    each clip carrying its shotgraph shot, node key and seeds."""
    from shotgraph.cli.console import console, progress
    from shotgraph.graph.conform import export_project_edit

    timeline = export_project_edit(project, outputs, media, media_dir, jobs, progress())
    clips = len(list(timeline.find_clips()))
    for output in outputs:
        console.print(f"[green]✓[/] {output} ({clips} clips)")


@conform_app.command("import")
def import_(
    timeline: Path = typer.Argument(..., help="A cut: .otio, .edl, .xml or .fcpxml."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write the edit section as YAML here."),
    rate: Optional[float] = typer.Option(None, "--rate", help="EDL frame rate (EDLs do not say; default 24)."),
) -> None:
    """Turn an NLE cut into an ``edit:`` section (shots by their shotgraph metadata, else clip or reel name)."""
    import yaml

    from shotgraph.cli.console import console, out
    from shotgraph.finish.conform import read_timeline, timeline_to_edit
    from shotgraph.fsutil import write_bytes_atomic

    edit = timeline_to_edit(read_timeline(timeline, rate))
    text = yaml.safe_dump({"edit": edit}, sort_keys=False)
    if output is None:
        out.print(text, markup=False)
    else:
        write_bytes_atomic(output, text.encode())
        console.print(f"[green]✓[/] {output}: {len(edit['clips'])} clips")


def register(app: typer.Typer) -> None:
    app.add_typer(conform_app, name="conform")
