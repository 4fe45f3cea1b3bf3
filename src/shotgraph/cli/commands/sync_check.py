"""``shotgraph sync-check OUT``: how far a talking-face video's mouth is from its audio, in ms."""

from __future__ import annotations

import json
from pathlib import Path

import typer


# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'sync-check': 'Audio-visual offset of a talking-face video, in ms.',
}


def register(app: typer.Typer) -> None:
    @app.command("sync-check")
    def sync_check(
        video: Path = typer.Argument(..., help="A video with a speaking face and its audio."),
        face: int = typer.Option(0, "--face", min=0, help="Which face, counting from the left."),
        max_offset_ms: float = typer.Option(500.0, "--max-offset-ms", min=1, help="Search offsets up to this far."),
        tolerance_ms: float | None = typer.Option(None, "--tolerance-ms", min=0,
                                                  help="Exit with status 1 when |offset| is larger than this."),
        as_json: bool = typer.Option(False, "--json", help="Print the measurement as JSON."),
    ) -> None:
        """Estimate the audio-visual offset by cross-correlating mouth opening with speech energy.

        A positive offset means the mouth moves after the sound (the video lags the audio).
        Needs MediaPipe: pip install 'shotgraph[faces]'.
        """
        from shotgraph.backends.mediapipe.face import MESH, FaceLandmarker
        from shotgraph.cli.console import out
        from shotgraph.lipsync.sync import measure_sync
        from shotgraph.media.inputs import input_file
        from shotgraph.media.reader import open_video

        MESH.ensure()
        report = measure_sync(open_video(input_file(video)), FaceLandmarker, face, max_offset_ms)
        if as_json:
            out.print_json(json.dumps(report.as_dict()))
        else:
            frame_ms = 1000 / report.fps
            verdict = "in sync" if abs(report.offset_ms) <= frame_ms else (
                "video late" if report.offset_ms > 0 else "video early")
            out.print(f"offset {report.offset_ms:+.0f} ms ({report.offset_frames:+.2f} frames at {report.fps:g} fps): "
                      f"{verdict}; mouth/speech correlation {report.correlation:.2f} "
                      f"(face in {report.frames_with_face}/{report.frames} frames)")
            if not report.confident:
                out.print("[yellow]uncertain:[/] the mouth barely follows the speech, or the best offset is at the "
                          "edge of the search (--max-offset-ms); check the face index and that the video has speech")
        if tolerance_ms is not None and abs(report.offset_ms) > tolerance_ms:
            raise typer.Exit(1)
