"""A step given as a param (``masked``'s ``apply``) is a graph node of its own: the inner op's name,
version, params, seed and weights are in the key, so changing any of them recomputes the outer step."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest
import yaml
from pydantic import BaseModel, ConfigDict
from synthetic import index_frame

from shotgraph.clip import MapClip
from shotgraph.graph.build import Graph, derive_seed
from shotgraph.graph.project import Project
from shotgraph.graph.workspace import Workspace
from shotgraph.media import open_video, write_image
from shotgraph.ops import registry
from shotgraph.ops.registry import OpKind, OpSpec, get_op, register


class ShiftParams(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _shift(inputs, params, ctx):
    """Adds a seed-dependent grey level: the output shows which seed the op was given."""
    level = ctx.seed % 50
    return MapClip(inputs[0], lambda frame, _i: np.clip(frame.astype(int) + level, 0, 255).astype(np.uint8))


register(OpSpec("test-seeded-shift", 1, ShiftParams, _shift, OpKind.FILTER, "seeded shift (test)", seeded=True))

PROJECT = {
    "shotgraph": 1, "fps": 24, "width": 64, "height": 48, "seed": 11,
    "assets": {"card": "card.png", "matte": "matte.png"},
    "shots": {
        "mask": {"source": {"op": "still", "image": "matte", "duration": 0.25}},
        "a": {"source": {"op": "still", "image": "card", "duration": 0.25},
              "steps": [{"op": "masked", "mask": "mask", "apply": {"op": "blur", "radius": 3}}]},
    },
}


@pytest.fixture
def project(tmp_path):
    write_image(tmp_path / "card.png", index_frame(9, 64, 48))
    matte = np.zeros((48, 64, 3), np.uint8)
    matte[:, 32:] = 255
    write_image(tmp_path / "matte.png", matte)
    return tmp_path


def write(folder, document) -> Project:
    (folder / "project.yaml").write_text(yaml.safe_dump(document))
    return Project.load(folder / "project.yaml")


def test_the_applied_step_is_a_node_inside_the_masked_one(project):
    graph = Graph(write(project, PROJECT))
    inner = graph.nodes["shots.a.steps[0].apply"]
    outer = graph.nodes["shots.a.steps[0]"]
    assert inner.op.name == "blur" and inner.primary == outer.primary and not inner.cache
    assert "shots.a.steps[0].apply" in outer.inputs
    assert graph.key_document(outer)["params"]["apply"] == {"step": graph.key("shots.a.steps[0].apply")}


def test_bumping_the_inner_ops_version_recomputes_the_masked_step(project, monkeypatch):
    workspace = Workspace.from_project(write(project, PROJECT))
    first, _ = workspace.run(["a"], jobs=1)
    assert "shots.a.steps[0]" in first.computed
    again, _ = Workspace.from_project(write(project, PROJECT)).run(["a"], jobs=1)
    assert again.computed == []  # nothing changed: served from the cache
    blur = get_op("blur")
    monkeypatch.setitem(registry._REGISTRY, "blur", dataclasses.replace(blur, version=blur.version + 1))
    bumped, _ = Workspace.from_project(write(project, PROJECT)).run(["a"], jobs=1)
    assert bumped.computed == ["shots.a.steps[0]"]  # the masked step, not the mask or the source


def test_changing_an_inner_param_changes_only_the_masked_steps_key(project):
    before = Graph(write(project, PROJECT))
    changed = copy.deepcopy(PROJECT)
    changed["shots"]["a"]["steps"][0]["apply"]["radius"] = 5
    after = Graph(write(project, changed))
    assert before.key("shots.a.source") == after.key("shots.a.source")
    assert before.key("shots.a.steps[0]") != after.key("shots.a.steps[0]")


def test_a_seeded_inner_op_gets_its_own_derived_seed_and_it_is_keyed(project):
    document = copy.deepcopy(PROJECT)
    document["shots"]["a"]["steps"][0]["apply"] = {"op": "test-seeded-shift"}
    graph = Graph(write(project, document))
    inner = graph.nodes["shots.a.steps[0].apply"]
    assert inner.seed == derive_seed(11, "shots.a.steps[0].apply") and inner.seed % 50 != 0
    workspace = Workspace.from_project(graph.project)
    workspace.run(["a"], jobs=1)
    key = workspace.graph.key("shots.a.steps[0]")
    out = open_video(workspace.cache.entry_path(key) / workspace.cache.meta(key)["clip_file"]).frame_at(0)
    card = index_frame(9, 64, 48).astype(int)
    shifted = np.clip(card + inner.seed % 50, 0, 255)
    # inside the mask (right half) the shift by the inner node's seed shows; outside, the card as it was
    assert np.abs(out[:, 40:].astype(int) - shifted[:, 40:]).max() <= 2
    assert np.abs(out[:, :24].astype(int) - card[:, :24]).max() <= 2
    document["shots"]["a"]["steps"][0]["apply"]["seed"] = 7
    pinned = Graph(write(project, document))
    assert pinned.nodes["shots.a.steps[0].apply"].seed == 7
    assert pinned.key("shots.a.steps[0]") != graph.key("shots.a.steps[0]")


def test_a_mistake_inside_the_applied_step_names_its_line_and_field(project):
    document = copy.deepcopy(PROJECT)
    document["shots"]["a"]["steps"][0]["apply"]["radius"] = -2
    with pytest.raises(Exception, match=r"project.yaml:\d+: masked: blur: shots.a.steps\[0\].apply.radius: must be > 0"):
        Graph(write(project, document))
