"""Shot detection finds the cuts of a synthetic three-shot video and seeds a runnable edit."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import yaml

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.finish.shots import shots_project
from shotgraph.scenes import Shot, detect_shots
from shotgraph.graph.workspace import Workspace
from shotgraph.media import open_video, write_clip

BOUNDS = [(0, 20), (20, 50), (50, 75)]


def three_shots(width=160, height=90):
    ramp = np.linspace(0, 255, width)[None, :, None]
    looks = [np.broadcast_to(ramp * np.array([1.0, 0.3, 0.1]), (height, width, 3)).astype(np.uint8),
             np.full((height, width, 3), (20, 160, 40), np.uint8),
             np.broadcast_to(ramp * np.array([0.1, 0.4, 1.0]), (height, width, 3)).astype(np.uint8)]

    def frame(i):
        shot = next(k for k, (a, b) in enumerate(BOUNDS) if a <= i < b)
        return np.roll(looks[shot], i, axis=1)  # a slow pan inside each shot: not a cut

    return FunctionClip(VideoInfo(width, height, Fraction(25), 75), frame)


def test_detects_the_cuts_and_seeds_a_project(tmp_path):
    write_clip(three_shots(), tmp_path / "film.mp4")
    clip = open_video(tmp_path / "film.mp4")
    for detector in ("content", "adaptive"):
        assert detect_shots(clip, detector) == [Shot(a, b) for a, b in BOUNDS], detector
    project = shots_project(tmp_path / "film.mp4", detect_shots(clip), clip, relative_to=tmp_path)
    assert list(project["shots"]) == ["shot001", "shot002", "shot003"]
    assert project["shots"]["shot002"]["steps"][0] == {"op": "trim", "start": "20f", "end": "50f"}
    (tmp_path / "shots.yaml").write_text(yaml.safe_dump(project, sort_keys=False))
    workspace = Workspace.open(tmp_path / "shots.yaml")
    workspace.run(jobs=1)
    assert workspace.cache.meta(workspace.graph.key("edit"))["frames"] == 75


def test_min_length_merges_short_shots(tmp_path):
    clip = three_shots()
    assert len(detect_shots(clip, min_length=1.0)) == 2  # the 20-frame first shot is too short to stand alone
