"""``shotgraph animate``: the generated op command, plus ``--camera`` to export the camera path.

The options come from the op's params model (as for every op); this adds ``--camera FILE``
(``.json``, or ``.csv`` for Blender; repeatable) and drops ``--clip``, which names another shot
and so only means something in a project (on the command line, IMAGE may be a video instead).
"""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Optional

import typer


# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'animate': 'Keyframed 2D or depth-aware 3D camera moves over a still (--camera exports the path).',
}
REPLACES = ('animate',)  # generated op commands this module's versions take the place of


def register(app: typer.Typer) -> None:
    from shotgraph.cli.opcommands import make_command, validate_params
    from shotgraph.ops.registry import get_op

    spec = get_op("animate")
    generated = make_command(spec)
    parameters = [p for p in generated.__signature__.parameters.values() if p.name != "clip"]
    parameters.append(inspect.Parameter(
        "camera", inspect.Parameter.KEYWORD_ONLY, annotation=Optional[list[Path]],
        default=typer.Option(None, "--camera", help="Also write the camera path: .json, or .csv for Blender (repeatable).")))
    field_names = set(spec.params.model_fields)

    def animate(**values) -> None:
        from shotgraph.cli.console import console
        from shotgraph.motion.export import check_camera_file, write_camera
        from shotgraph.ops.animate import camera_path, depth_description, frame_count, source_size

        cameras = values.pop("camera", None) or []
        for path in cameras:
            check_camera_file(path)  # before the render, not after it
        generated(**values, clip=None)
        if not cameras:
            return
        params = validate_params(spec, {k: v for k, v in values.items() if k in field_names and v is not None})
        camera = camera_path(params, *source_size(params, file=Path(values["image"])))
        for path in cameras:
            write_camera(camera, frame_count(params)[1], path, depth_description(params))
            console.print(f"[green]✓[/] {path} [dim](camera, {camera.n_frames} frames)[/]")

    animate.__signature__ = inspect.Signature(parameters)
    app.command("animate", help=generated.__doc__)(animate)
