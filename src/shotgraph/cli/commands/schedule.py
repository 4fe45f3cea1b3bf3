"""``shotgraph schedule``: make schedules from music, and check what a schedule does frame by frame."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Literal, Optional

import typer

from shotgraph.errors import ParamError

# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'schedule': 'Keyframe schedules (Deforum syntax): from audio, and evaluated per frame.',
}


schedule_app = typer.Typer(help="Keyframe schedules (Deforum syntax): from audio, and evaluated per frame.",
                           no_args_is_help=True)

Format = Literal["yaml", "text"]
_PROPERTY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@schedule_app.command("from-audio")
def from_audio(
    audio: Path = typer.Argument(..., help="Audio (or video) file to follow."),
    prop: str = typer.Option("zoom", "--property", "-p", help="The schedule's parameter name (zoom, angle, translation_x, strength, ...)."),
    base: float = typer.Option(1.0, "--base", help="Value between hits."),
    amount: float = typer.Option(0.05, "--amount", help="Added at a hit of full strength."),
    fps: str = typer.Option("24", "--fps", help="Frame rate of the shot the schedule drives."),
    detect: Literal["onsets", "beats"] = typer.Option("onsets", "--detect", help="onsets: every hit; beats: the tracked beat."),
    start: float = typer.Option(0.0, "--start", min=0, help="Where frame 0 is in the audio, seconds (where the shot sits in the edit)."),
    duration: Optional[float] = typer.Option(None, "--duration", min=0, help="Seconds of audio to follow (default: to its end)."),
    decay: float = typer.Option(0.25, "--decay", min=0, help="Seconds for a pulse to fall back to the base value."),
    threshold: float = typer.Option(0.2, "--threshold", min=0, max=1, help="onsets: weakest hit kept, as a fraction of the strongest."),
    min_gap: float = typer.Option(0.1, "--min-gap", min=0, help="onsets: shortest time between hits, seconds."),
    strength: bool = typer.Option(True, "--strength/--no-strength", help="Scale each pulse by its hit's loudness."),
    output_format: Format = typer.Option("yaml", "--format", help="yaml: 'property: \"...\"' to paste into a project; text: the schedule alone."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write to this file instead of printing."),
) -> None:
    """A schedule that pulses on the onsets or beats of an audio file, in editable keyframe syntax."""
    from fractions import Fraction

    from shotgraph.cli.console import console, out
    from shotgraph.clip import frames_for_seconds, parse_fps
    from shotgraph.fsutil import write_bytes_atomic
    from shotgraph.schedule_audio import audio_events, pulse_schedule

    if not _PROPERTY.match(prop):
        raise ParamError(f"--property: {prop!r} is not a parameter name")
    rate: Fraction = parse_fps(fps)
    events, bpm = audio_events(audio, detect, start, duration, threshold, min_gap)
    n_frames = frames_for_seconds(duration, rate) if duration is not None else None
    text = pulse_schedule(events, rate, n_frames, base, amount, decay, strength)
    rendered = f"{prop}: {json.dumps(text)}" if output_format == "yaml" else text
    tempo = f", tempo {bpm:.1f} BPM" if bpm is not None else ""
    console.print(f"[dim]{len(events)} {detect} in {audio.name}{tempo}[/]")
    if output is None:
        out.print(rendered, soft_wrap=True, markup=False, highlight=False)
    else:
        write_bytes_atomic(output, (rendered + "\n").encode())
        console.print(f"[green]✓[/] {output}")


@schedule_app.command("eval")
def evaluate(
    schedule: str = typer.Argument(..., help='A schedule, e.g. "0:(1.0), 30:(1.25), 90:(1.0)".'),
    frames: int = typer.Option(..., "--frames", "-n", min=1, help="How many frames."),
    fps: str = typer.Option("24", "--fps", help="Frame rate (for s and fps in expressions)."),
    interpolation: str = typer.Option("linear", "--interpolation", help="linear|cubic|step|ease_in|ease_out|ease_in_out."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON list instead of frame/value lines."),
) -> None:
    """Print a schedule's value at every frame (to check a schedule before rendering)."""
    from shotgraph.cli.console import out
    from shotgraph.clip import parse_fps
    from shotgraph.schedule import format_number, parse_schedule

    values = parse_schedule(schedule).values(frames, float(parse_fps(fps)), interpolation)
    if as_json:
        out.print(json.dumps([round(float(v), 9) for v in values]), soft_wrap=True)
        return
    for index, value in enumerate(values):
        out.print(f"{index}\t{format_number(value)}", highlight=False)


def register(app: typer.Typer) -> None:
    app.add_typer(schedule_app, name="schedule")
