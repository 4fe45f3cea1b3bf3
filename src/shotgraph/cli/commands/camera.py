"""``shotgraph camera``: export an animate shot's camera path (JSON, Blender CSV), and the Blender script.

``shotgraph animate ... --camera cam.json --camera cam.csv`` writes the same files while rendering
(see :mod:`shotgraph.cli.commands.animate`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from shotgraph.errors import ProjectError

# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'camera': 'Camera paths of animate shots, for 3D artists (JSON, Blender CSV).',
}


camera_app = typer.Typer(help="Camera paths of animate shots, for 3D artists (JSON, Blender CSV).",
                         no_args_is_help=True)

OutputsOpt = typer.Option(..., "--output", "-o", help="Camera file: .json, or .csv for Blender (repeatable).")


@camera_app.command("export")
def export(
    project: Path = typer.Argument(..., help="The project file."),
    shot: str = typer.Argument(..., help="A shot whose source is animate."),
    outputs: list[Path] = OutputsOpt,
    cache_dir: Optional[Path] = typer.Option(None, "--cache-dir", help="Cache folder (as for run)."),
) -> None:
    """Write the per-frame camera of an animate shot (a shot it continues from is rendered first)."""
    from shotgraph.cli.console import console, progress
    from shotgraph.graph.workspace import Workspace
    from shotgraph.media.reader import open_video
    from shotgraph.motion.export import check_camera_file, write_camera
    from shotgraph.ops.animate import camera_path, depth_description, frame_count, source_size

    for path in outputs:
        check_camera_file(path)  # before rendering a shot this one continues from
    workspace = Workspace.open(project, cache_dir)
    graph = workspace.graph
    if shot not in graph.shot_outputs:
        known = ", ".join(sorted(graph.shot_outputs)) or "none"
        raise ProjectError(f"{project}: no shot named {shot!r} (shots: {known})")
    node = graph.nodes[f"shots.{shot}.source"]
    if node.op.name != "animate":
        raise ProjectError(f"{project}: shot {shot!r} starts with {node.op.name}, not animate: it has no camera path")
    params = node.params
    if params.clip is not None:
        upstream = node.refs[str(params.clip)]
        workspace.run([upstream], progress=progress())
        key = graph.key(upstream)
        clip = open_video(workspace.cache.entry_path(key) / workspace.cache.meta(key)["clip_file"], audio=False)
        size = source_size(params, clip=clip)
    else:
        size = source_size(params, file=node.files[str(params.image)])
    camera = camera_path(params, *size)
    rate = frame_count(params)[1]
    for path in outputs:
        write_camera(camera, rate, path, depth_description(params))
        console.print(f"[green]✓[/] {path} [dim]({camera.n_frames} frames, {camera.mode})[/]")


@camera_app.command("blender-script")
def blender_script(
    output: Path = typer.Option(Path("import_camera.py"), "--output", "-o", help="Where to write the script."),
) -> None:
    """Write a Blender script that keys the scene camera from a camera CSV."""
    from shotgraph.cli.console import console
    from shotgraph.fsutil import write_bytes_atomic
    from shotgraph.motion.export import BLENDER_SCRIPT

    write_bytes_atomic(output, BLENDER_SCRIPT.encode())
    console.print(f"[green]✓[/] {output}  (in Blender: blender scene.blend --python {output} -- camera.csv)")


def register(app: typer.Typer) -> None:
    app.add_typer(camera_app, name="camera")
