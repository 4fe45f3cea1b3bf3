"""The enhancement ops as project steps: denoise -> upscale -> sharpen on a shot, cached like any node."""

from __future__ import annotations

import copy
import json

from projects import PROJECT, make_project

from shotgraph.graph.workspace import Workspace
from shotgraph.media.probe import probe


def test_enhancement_chain_renders_and_is_cached(tmp_path):
    document = copy.deepcopy(PROJECT)
    document["shots"]["b"]["steps"] = [
        {"op": "resize", "width": 80, "height": 60, "mode": "crop"},
        {"op": "denoise", "radius": 1},
        {"op": "upscale", "scale": 2},
        {"op": "sharpen", "amount": 0.5},
    ]
    path = make_project(tmp_path / "p", document)
    report, manifest = Workspace.open(path).run(jobs=1)
    info = probe(path.parent / "out" / "film.mp4")
    assert (info["video"]["width"], info["video"]["height"]) == (160, 120)
    assert info["video"]["frames"] == 24 + 18 + 36
    ops = {node["op"] for node in json.loads(manifest.read_text())["nodes"]}
    assert {"denoise", "upscale", "sharpen"} <= ops
    again, _ = Workspace.open(path).run(jobs=1)
    assert not again.computed
