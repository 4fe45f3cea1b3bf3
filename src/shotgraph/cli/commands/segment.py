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

# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'segment': 'Mask an object from a box/clicks/colour through the whole shot: mask, matte, cut-out.',
}
REPLACES = ('segment',)  # generated op commands this module's versions take the place of


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
    from shotgraph.cli.opcommands import ENCODE_OPTIONS, _encodings, _field_options, _option, validate_params
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
        from shotgraph.cli.console import console, plain, progress
        from shotgraph.media.inputs import input_file
        from shotgraph.media.reader import open_video
        from shotgraph.media.writer import write_clip
        from shotgraph.ops.registry import check_backends
        from shotgraph.ops.segment import Segmentation

        params = validate_params(spec, {k: v for k, v in values.items() if k in fields and v is not None and v != []})
        check_backends(spec, params)
        video, audio = _encodings(values)
        outputs = [("mask", values["output"], video)]
        if values["matte"] is not None:
            outputs.append(("matte", values["matte"], video))
        if values["cutout"] is not None:
            outputs.append(("cutout", values["cutout"], cutout_encoding(values["cutout"])))
        clip = open_video(input_file(values["input"]))
        work_dir = Path(tempfile.mkdtemp(prefix="shotgraph-segment-"))
        try:
            segmentation = Segmentation(clip, params, work_dir)
            with progress() as display:
                task = display.add("segment", clip.n_frames)
                segmentation.compute(lambda done, _total: task.update(done))
                for kind, path, encoding in outputs:
                    write_clip(segmentation.output(kind), path, encoding, audio, display.add(f"write {kind}", clip.n_frames).update)
            for kind, path, _ in outputs:
                console.print(f"[green]✓[/] {kind}: {plain(str(path))}")
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)

    segment.__signature__ = inspect.Signature(parameters)
    segment.__doc__ = (f"{spec.summary}\n\nWrites the mask to -o, and the matte and RGBA cut-out with --matte / --cutout. "
                       "Prompts on several frames (x0,y0,x1,y1@frame) re-anchor the propagation.")
    app.command("segment", help=segment.__doc__)(segment)
