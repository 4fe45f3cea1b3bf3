"""``shotgraph shots IN``: find the cuts in a video and seed an edit from them."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer


# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'shots': 'Detect shots (scene cuts); list them, or write a project that edits them.',
}


def register(app: typer.Typer) -> None:
    @app.command()
    def shots(
        input: Path = typer.Argument(..., help="A video to split into shots."),
        output: Optional[Path] = typer.Option(None, "--output", "-o",
                                              help="Write a runnable project (one shot per cut, an edit of them all)."),
        detector: str = typer.Option("content", "--detector", help="content | adaptive (PySceneDetect)."),
        threshold: Optional[float] = typer.Option(None, "--threshold", min=0, help="Cut sensitivity (content: 27, adaptive: 3)."),
        min_length: float = typer.Option(0.5, "--min-length", min=0, help="Shortest shot, seconds."),
        name: str = typer.Option("shot", "--name", help="Shot name prefix."),
        as_json: bool = typer.Option(False, "--json", help="Print the shots as JSON."),
    ) -> None:
        """Detect shots (scene cuts) with PySceneDetect; list them, or write a project that edits them."""
        import json

        import yaml
        from rich.table import Table

        from shotgraph.cli.console import console, out
        from shotgraph.errors import ParamError
        from shotgraph.finish.shots import shots_project
        from shotgraph.scenes import detect_shots
        from shotgraph.fsutil import write_bytes_atomic
        from shotgraph.media.reader import open_video

        if detector not in ("content", "adaptive"):
            raise ParamError(f"--detector {detector!r}: use content or adaptive")
        clip = open_video(input)
        found = detect_shots(clip, detector, threshold, min_length)
        fps = float(clip.video.fps)
        rows = [{"shot": f"{name}{i:03d}", "start_frame": s.start, "end_frame": s.end, "start": round(s.start / fps, 3),
                 "end": round(s.end / fps, 3), "frames": s.frames} for i, s in enumerate(found, 1)]
        if as_json:
            out.print_json(json.dumps(rows))
        else:
            table = Table("shot", "start", "end", "frames", title=f"{len(found)} shots in {input.name}")
            for row in rows:
                table.add_row(row["shot"], f"{row['start']:.3f}s ({row['start_frame']})",
                              f"{row['end']:.3f}s ({row['end_frame']})", str(row["frames"]))
            out.print(table)
        if output is not None:
            project = shots_project(input, found, clip, name, relative_to=output.parent)
            write_bytes_atomic(output, yaml.safe_dump(project, sort_keys=False).encode())
            console.print(f"[green]✓[/] {output}: {len(found)} shots and an edit; `shotgraph run {output}` renders it")
