"""The edit and a preset deliverable inside a project: transitions, a title card, an overlay,
ducking, and a delivered file whose validation report lands beside it."""

from __future__ import annotations

import pytest

import copy
import json

import numpy as np
import pyloudnorm
from projects import PROJECT, make_project

from shotgraph.graph.workspace import Workspace
from shotgraph.media import open_video
from shotgraph.media.reader import read_audio_file


@pytest.mark.slow
def test_project_edit_with_transitions_and_a_preset_deliverable(tmp_path):
    document = copy.deepcopy(PROJECT)
    document["edit"] = {
        "clips": [{"title": {"text": "Test film", "subtitle": "shotgraph", "duration": 1.0}},
                  {"shot": "b", "out": 0.75, "transition": {"kind": "dip-to-black", "duration": 0.25}},
                  {"shot": "c", "speed": 2.0, "transition": {"kind": "zoom-through", "duration": 0.25}}],
        "overlays": [{"text": "lower third", "start": 1.0, "duration": 0.5, "box": "#00000099"}],
        "audio": [{"file": "music", "gain_db": -6, "fade_out": 0.5}],
        "duck": {"amount_db": -10},
        "fade_in": 0.25,
    }
    document["deliverables"] = {"yt": {"path": "out/film.mp4", "preset": "youtube-1080p",
                                       "video": {"preset": "veryfast"}}}
    project = make_project(tmp_path / "proj", document)
    workspace = Workspace.open(project)
    workspace.run(jobs=1)
    film = project.parent / "out" / "film.mp4"
    clip = open_video(film)
    assert clip.n_frames == 24 + 18 + 18 - 6 - 6  # c (1.5 s) at double speed is 18 frames
    assert (clip.video.width, clip.video.height) == (1920, 1080)
    report = json.loads((project.parent / "out" / "film.validation.json").read_text())
    assert report["ok"] and report["preset"] == "youtube-1080p"
    assert {c["name"] for c in report["checks"]} >= {"keyframe interval", "integrated loudness", "true peak", "profile"}
    info, total, read = read_audio_file(film)
    audio = np.concatenate(list(read(0, total)), axis=1)
    assert abs(pyloudnorm.Meter(info.sample_rate).integrated_loudness(audio.T.astype(np.float64)) + 14) <= 1.0
