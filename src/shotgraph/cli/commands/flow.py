"""``shotgraph flow`` writing flow files, and ``shotgraph warping-error`` measuring flicker.

The generated ``flow`` command encodes the colour-wheel pictures to a video; with ``--format flo``
or ``--format png16`` this version writes the flow files into the ``-o`` folder instead
(atomically: the folder appears complete or not at all).
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Optional

import typer


# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'flow': 'Optical flow of a video: colour-wheel pictures, or .flo / 16-bit PNG files.',
    'warping-error': 'Temporal stability of a video (flow-warped frame differences), as JSON.',
}
REPLACES = ('flow',)  # generated op commands this module's versions take the place of


def register(app: typer.Typer) -> None:
    from shotgraph.cli.opcommands import make_command, validate_params
    from shotgraph.ops import get_op

    spec = get_op("flow")
    generated = make_command(spec)
    fields = set(spec.params.model_fields)

    def flow(**values) -> None:
        if values.get("format") not in ("flo", "png16"):
            return generated(**values)
        from shotgraph.cli.console import console, plain
        from shotgraph.fsutil import atomic_dir
        from shotgraph.media.inputs import input_file
        from shotgraph.media.reader import open_video
        from shotgraph.ops.flow import export_flow
        from shotgraph.ops.registry import check_backends

        params = validate_params(spec, {k: v for k, v in values.items() if k in fields and v is not None})
        check_backends(spec, params)
        clip = open_video(input_file(values["input"]), audio=False)
        with atomic_dir(values["output"]) as folder:
            names = export_flow(clip, folder, params.format, params.backend, params.preset, params.scale,
                                params.weights, params.backward)
        console.print(f"[green]✓[/] {plain(str(values['output']))} [dim]({len(names)} files)[/]")

    flow.__signature__ = inspect.signature(generated)
    flow.__doc__ = (generated.__doc__ or "") + "\n\nWith --format flo or png16, -o is a folder of flow files."
    app.command("flow", help=flow.__doc__)(flow)

    @app.command("warping-error")
    def warping_error(
        video: Path = typer.Argument(..., help="A processed video to measure."),
        source: Optional[Path] = typer.Option(None, "--source", help="The video it was made from (motion is "
                                              "measured on it); same frame count."),
    ) -> None:
        """Temporal stability of a video: the mean difference between each frame and its flow-warped
        predecessor over consistently visible pixels (0-255; lower is steadier). Prints JSON."""
        from shotgraph.media.reader import open_video
        from shotgraph.ops.deflicker import measure_warping_error

        clip = open_video(video, audio=False)
        guide = open_video(source, audio=False) if source else None
        error = measure_warping_error(clip, guide)
        typer.echo(json.dumps({"video": str(video), "frames": clip.n_frames, "warping_error": round(error, 3)}))
