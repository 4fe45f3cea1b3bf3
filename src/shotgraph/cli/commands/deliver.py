"""``shotgraph deliver``, ``shotgraph presets`` and ``shotgraph validate``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Optional

import typer

from shotgraph.errors import ParamError

# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'deliver': 'Encode a file for a platform (preset), normalise its loudness and validate it.',
    'presets': 'List the delivery presets and what each sets.',
    'validate': 'Check a file against a delivery preset: codec, size, rate, colour, GOP, loudness...',
}


def _option(loc: tuple) -> str:
    """A DeliverParams field as the ``deliver`` command's option."""
    from shotgraph.cli.opcommands import option_name

    return {("video", "crf"): "--crf", ("loudness", "integrated"): "--loudness"}.get(tuple(loc[:2]), option_name(loc))


def delivery_params(output: Path, preset: str | None, overrides: dict):
    """The deliver params for ``output`` from the command line (errors name the options)."""
    from shotgraph.finish.delivery import delivery_params as params_for

    return params_for(output, preset, overrides, _option)


def run_delivery(clip, output: Path, params, as_json: bool = False, smart=None) -> None:
    """Prepare, encode (with progress), validate and report; exit 1 when strict checks fail."""
    from shotgraph.cli.console import console, out, plain, progress
    from shotgraph.finish.delivery import deliver_to_file, prepare

    delivery = prepare(clip, params)
    with progress() as display:
        task = display.add(output.name, delivery.clip.n_frames)
        report = deliver_to_file(delivery, output, params.validate_output, task.update, smart, display.note)
    v = delivery.clip.video
    console.print(f"[green]✓[/] {plain(str(output))} [dim]({v.n_frames} frames, {v.width}x{v.height} @ {float(v.fps):g} fps)[/]")
    if report is not None:
        if as_json:
            out.print_json(report.to_json())
        else:
            out.print(report.table())
        if not report.ok:
            raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    @app.command()
    def deliver(
        input: Path = typer.Argument(..., help="Video to deliver."),
        output: Path = typer.Option(..., "--output", "-o", help="Output file (.mp4, .mov, .mkv ...)."),
        preset: Optional[str] = typer.Option(None, "--preset", "-p", help="Delivery preset (see `shotgraph presets`)."),
        fit: Optional[str] = typer.Option(None, "--fit", help="pad | crop | stretch | smart (reframe on the subject)."),
        width: Optional[int] = typer.Option(None, "--width"),
        height: Optional[int] = typer.Option(None, "--height"),
        fps: Optional[str] = typer.Option(None, "--fps"),
        crf: Optional[float] = typer.Option(None, "--crf", help="Override the preset's quality."),
        loudness: Optional[float] = typer.Option(None, "--loudness", help="Target integrated loudness, LUFS."),
        validate: str = typer.Option("strict", "--validate", help="strict | warn | off."),
        as_json: bool = typer.Option(False, "--json", help="Print the validation report as JSON."),
    ) -> None:
        """Encode a video for a platform or archive from a preset, then check the file against it."""
        from shotgraph.media.reader import open_video

        overrides = {"fit": fit, "width": width, "height": height, "fps": fps, "validate": validate,
                     "video": {"crf": crf} if crf is not None else None,
                     "loudness": {"integrated": loudness} if loudness is not None else None}
        params = delivery_params(output, preset, overrides)
        run_delivery(open_video(input), output, params, as_json)

    @app.command()
    def presets(as_json: bool = typer.Option(False, "--json", help="Print the presets as JSON.")) -> None:
        """List the delivery presets and what each sets."""
        import json

        from rich.table import Column, Table

        from shotgraph.cli.console import out
        from shotgraph.finish.presets import PRESETS

        if as_json:
            out.print_json(json.dumps({name: p.model_dump(mode="json") for name, p in PRESETS.items()}))
            return
        table = Table(Column("preset", no_wrap=True), "file", "size", "fps", "video", "gop", "audio", "loudness")
        for name, p in PRESETS.items():
            video = f"{p.video.codec} {p.video.profile or ''} {p.video.pix_fmt or ''}".strip()
            if p.video.crf is not None:
                video += f" crf {p.video.crf:g}"
            if p.video.maxrate:
                video += f" <= {p.video.maxrate}"
            audio = f"{p.audio.codec} {p.audio.bitrate or ''} {p.audio.sample_rate or ''}".replace("  ", " ")
            loud = f"{p.loudness.integrated:g} LUFS, {p.loudness.true_peak:g} dBTP" if p.loudness else "as mixed"
            table.add_row(name, f".{p.container}", f"{p.width}x{p.height} {p.fit}" if p.width else "source",
                          str(p.fps) if p.fps else "source", video,
                          f"{p.gop_seconds:g}s" if p.gop_seconds else ("intra" if p.video.gop == 1 or p.video.codec == "prores" else "-"),
                          audio, loud)
        out.print(table)

    @app.command("validate")
    def validate_command(
        file: Path = typer.Argument(..., help="A delivered file."),
        preset: str = typer.Option(..., "--preset", "-p", help="The preset it should hold."),
        as_json: bool = typer.Option(False, "--json"),
    ) -> None:
        """Check a file against a delivery preset: codec, profile, size, rate, colour tags, GOP,
        bitrate, audio format, loudness and true peak."""
        from shotgraph.cli.console import out
        from shotgraph.finish.presets import get_preset
        from shotgraph.finish.validate import validate_file
        from shotgraph.media.probe import probe

        spec = get_preset(preset)
        info = probe(file)["video"] or {}
        fps = spec.fps or Fraction((info.get("fps") or {}).get("fraction", "24"))
        width, height = spec.width or info.get("width"), spec.height or info.get("height")
        gop = round(spec.gop_seconds * float(fps)) if spec.gop_seconds else spec.video.gop
        report = validate_file(file, spec, None, fps, width, height, gop, preset)
        out.print_json(report.to_json()) if as_json else out.print(report.table())
        if not report.ok:
            raise typer.Exit(1)
