"""``shotgraph segment IN -o MASK [--cutout CUT.mov] [--matte MATTE.mp4] --box x0,y0,x1,y1 | --point x,y[:label]``.

Hand-written (it replaces the generated command) because one segmentation feeds up to three files:
the masks are computed once, then the mask, the matte and the RGBA cut-out are written from them.
"""

from __future__ import annotations

import inspect
import shutil
import tempfile
from pathlib import Path
from typing import Optional

import typer

from shotgraph.errors import MediaError

CUTOUT_HELP = "Also write the RGBA cut-out: .mov (ProRes 4444), .mkv (FFV1), .webm (VP9) or a folder / %05d.png pattern."
MATTE_HELP = "Also write the soft matte (grey: white = object), encoded like the mask."


def cutout_encoding(path: Path):
    """How an RGBA cut-out is stored, by where it goes: only formats that keep alpha are allowed."""
    from shotgraph.media.encode import VideoEncoding
    from shotgraph.media.images import is_image_sequence

    if is_image_sequence(path) or path.suffix == "":
        return None  # PNG frames with alpha
    codecs = {".mov": VideoEncoding(codec="prores", profile="4444"), ".mkv": VideoEncoding(codec="ffv1"),
              ".webm": VideoEncoding(codec="vp9")}
    if path.suffix.lower() not in codecs:
        raise MediaError(f"{path}: a cut-out needs alpha; use .mov (ProRes 4444), .mkv (FFV1), .webm (VP9) "
                         "or a folder of PNG frames")
    return codecs[path.suffix.lower()]


def register(app: typer.Typer) -> None:
    from shotgraph.cli_ops import ENCODE_OPTIONS, _encodings, _field_options, _option, validate_params
    from shotgraph.ops.registry import get_op

    spec = get_op("segment")
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    parameters = [
        inspect.Parameter("input", positional, annotation=Path, default=typer.Argument(..., help="Input video or image sequence.")),
        _option("output", Path, "--output", "-o", default=..., help="The mask: a video file, or a folder / %05d.png pattern."),
        _option("cutout", Optional[Path], "--cutout", help=CUTOUT_HELP),
        _option("matte", Optional[Path], "--matte", help=MATTE_HELP),
        *_field_options(spec.params, {"output"}),
        *ENCODE_OPTIONS,
    ]
    fields = set(spec.params.model_fields) - {"output"}

    def segment(**values) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        from shotgraph.cli import console
        from shotgraph.media.reader import open_video
        from shotgraph.media.writer import write_clip
        from shotgraph.ops.segment import Segmentation

        params = validate_params(spec, {k: v for k, v in values.items() if k in fields and v is not None and v != []})
        video, audio = _encodings(values)
        outputs = [("mask", values["output"], video)]
        if values["matte"] is not None:
            outputs.append(("matte", values["matte"], video))
        if values["cutout"] is not None:
            outputs.append(("cutout", values["cutout"], cutout_encoding(values["cutout"])))
        clip = open_video(values["input"])
        work_dir = Path(tempfile.mkdtemp(prefix="shotgraph-segment-"))
        try:
            segmentation = Segmentation(clip, params, work_dir)
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                          console=console, transient=True, disable=not console.is_terminal) as progress:
                task = progress.add_task("segment", total=clip.n_frames)
                segmentation.compute(lambda done, _total: progress.update(task, completed=done))
                for kind, path, encoding in outputs:
                    task = progress.add_task(f"write {kind}", total=clip.n_frames)
                    write_clip(segmentation.output(kind), path, encoding, audio,
                               lambda done, t=task: progress.update(t, completed=done))
            for kind, path, _ in outputs:
                console.print(f"[green]✓[/] {kind}: {path}")
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)

    segment.__signature__ = inspect.Signature(parameters)
    segment.__doc__ = (f"{spec.summary}\n\nWrites the mask to -o, and the matte and RGBA cut-out with --matte / --cutout. "
                       "Prompts on several frames (x0,y0,x1,y1@frame) re-anchor the propagation.")
    app.command("segment", help=segment.__doc__)(segment)
