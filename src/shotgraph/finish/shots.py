"""Shot (scene cut) detection with PySceneDetect's detectors, fed by shotgraph's own reader.

Frames come from :func:`shotgraph.media.open_video` (so variable frame rate sources are handled
and frame numbers match the clips the rest of shotgraph sees), downscaled for speed, and are
passed to PySceneDetect's ``ContentDetector`` (HSV content change) or ``AdaptiveDetector``
(change relative to its neighbours: fewer false cuts on fast camera moves).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import cv2

from shotgraph.clip import Clip

ANALYSIS_WIDTH = 320


@dataclass(frozen=True)
class Shot:
    start: int  # first frame
    end: int  # one past the last frame

    @property
    def frames(self) -> int:
        return self.end - self.start


def detect_shots(clip: Clip, detector: Literal["content", "adaptive"] = "content", threshold: float | None = None,
                 min_length: float = 0.5) -> list[Shot]:
    """The shots of ``clip``: cut where the picture content changes; no shot shorter than
    ``min_length`` seconds."""
    from scenedetect.detectors import AdaptiveDetector, ContentDetector

    min_frames = max(1, round(min_length * float(clip.video.fps)))
    if detector == "adaptive":
        engine = AdaptiveDetector(adaptive_threshold=threshold or 3.0, min_scene_len=min_frames)
    else:
        engine = ContentDetector(threshold=threshold or 27.0, min_scene_len=min_frames)
    width = min(ANALYSIS_WIDTH, clip.video.width)
    height = max(2, round(clip.video.height * width / clip.video.width))
    cuts: list[int] = []
    for index, frame in enumerate(clip.frames()):
        small = cv2.resize(frame[..., :3], (width, height), interpolation=cv2.INTER_AREA)
        cuts += engine.process_frame(index, cv2.cvtColor(small, cv2.COLOR_RGB2BGR))
    cuts += engine.post_process(clip.n_frames) or []
    bounds = [0] + sorted({c for c in cuts if 0 < c < clip.n_frames}) + [clip.n_frames]
    return [Shot(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


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
