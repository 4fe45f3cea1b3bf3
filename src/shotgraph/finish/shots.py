"""A runnable project from detected shots (:func:`shotgraph.scenes.detect_shots`): one trimmed shot
per cut of the footage and an edit of them all, to edit and render."""

from __future__ import annotations

from pathlib import Path

from shotgraph.clip import Clip
from shotgraph.scenes import Shot


def shots_project(source: Path, shots: list[Shot], clip: Clip, name: str = "shot", relative_to: Path | None = None) -> dict:
    """A runnable project (assets, one trimmed shot per detected shot, an edit of them all) that
    seeds an edit: delete, reorder and trim the clips, then ``shotgraph run``."""
    fps = clip.video.fps
    rate = fps.numerator if fps.denominator == 1 else f"{fps.numerator}/{fps.denominator}"
    path = Path(source).resolve()
    if relative_to is not None:
        try:
            path = path.relative_to(Path(relative_to).resolve())
        except ValueError:
            pass
    digits = max(3, len(str(len(shots))))
    project: dict = {
        "shotgraph": 1,
        "name": f"shots of {Path(source).name}",
        "fps": rate,
        "width": clip.video.width,
        "height": clip.video.height,
        # read at the rate the cuts were found at, so frame numbers mean the same frames
        "assets": {"source": {"path": str(path), "fps": rate}},
        "shots": {},
        "edit": {"clips": []},
    }
    for number, shot in enumerate(shots, 1):
        shot_name = f"{name}{number:0{digits}d}"
        project["shots"][shot_name] = {"source": "source",
                                       "steps": [{"op": "trim", "start": f"{shot.start}f", "end": f"{shot.end}f"}]}
        project["edit"]["clips"].append({"shot": shot_name})
    return project
