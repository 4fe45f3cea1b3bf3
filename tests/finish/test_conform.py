"""Conform: the project's edit as OTIO / EDL / FCP XML / FCPXML with media and shotgraph metadata,
read back intact, and turned back into an edit."""

from __future__ import annotations

import copy

import opentimelineio as otio
import pytest
import yaml
from projects import PROJECT, make_project

from shotgraph.finish.conform import read_timeline, reel_names, timeline_to_edit
from shotgraph.graph.conform import export_project_edit
from shotgraph.graph.workspace import Workspace
from shotgraph.media import open_video
from shotgraph.finish.edit import EditParams

EDIT = {"clips": [{"shot": "a"},
                  {"shot": "b", "out": 0.75, "transition": {"kind": "crossfade", "duration": 0.25}},
                  {"title": {"text": "Part two", "duration": 1.0}},
                  {"shot": "c", "transition": {"kind": "wipe-left", "duration": 0.5}}]}
EXPECTED_FRAMES = 24 + 18 + 24 + 36 - 6 - 12


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("conform")
    document = copy.deepcopy(PROJECT)
    document["edit"] = {**EDIT, "audio": PROJECT["edit"]["audio"]}
    project = make_project(folder / "proj", document)
    outputs = [folder / "cut.otio", folder / "cut.edl", folder / "cut.xml", folder / "cut.fcpxml"]
    timeline = export_project_edit(project, outputs, "prores", jobs=1)
    return project, outputs, timeline


def test_otio_round_trip_keeps_cut_media_and_metadata(exported):
    project, outputs, _ = exported
    timeline = read_timeline(outputs[0])
    graph = Workspace.open(project).graph
    clips = list(timeline.find_clips())
    assert [c.name for c in clips] == ["a", "b", "title-03", "c"]
    assert timeline.duration().to_frames() == EXPECTED_FRAMES
    for clip in clips:
        meta = clip.metadata["shotgraph"]
        media = clip.media_reference.target_url.removeprefix("file://")
        assert open_video(media).n_frames == clip.media_reference.available_range.duration.to_frames()
        if "shot" in meta:
            node = graph.shot_outputs[meta["shot"]]
            assert meta["node"] == node and meta["key"] == graph.key(node) and "seeds" in meta
        assert len(clip.metadata["cmx_3600"]["reel"]) <= 8
    transitions = [t for t in timeline.tracks[0] if isinstance(t, otio.schema.Transition)]
    assert [(t.metadata["shotgraph"]["kind"], t.out_offset.to_frames()) for t in transitions] == [("crossfade", 6), ("wipe-left", 12)]


def test_the_rendered_edit_has_the_timeline_length(exported):
    project, _, _ = exported
    workspace = Workspace.open(project)
    workspace.run(["edit"], jobs=1)
    key = workspace.graph.key("edit")
    assert workspace.cache.meta(key)["frames"] == EXPECTED_FRAMES


@pytest.mark.parametrize("index", [1, 2, 3])
def test_edl_and_fcp_xml_round_trip_the_cut(exported, index):
    _, outputs, original = exported
    timeline = read_timeline(outputs[index], rate=24)
    clips = list(timeline.find_clips())
    assert len(clips) == 4
    assert sum(c.duration().to_frames() for c in clips) == sum(c.duration().to_frames() for c in original.find_clips())
    if outputs[index].suffix == ".edl":
        assert [c.metadata["cmx_3600"]["reel"] for c in clips] == ["A", "B", "TITLE03", "C"]


def test_import_turns_the_cut_back_into_an_edit(exported):
    _, outputs, _ = exported
    edit = timeline_to_edit(read_timeline(outputs[0]))
    params = EditParams.model_validate(edit)
    assert [c.shot for c in params.clips] == ["a", "b", None, "c"]
    assert params.clips[1].in_ == "0f" and params.clips[1].out == "18f"
    assert params.clips[3].transition.kind == "wipe-left" and params.clips[3].transition.duration == 0.5
    assert params.clips[2].title.text == "Part two"
    yaml.safe_dump({"edit": edit})  # plain data, writable as a project section


def test_reel_names_are_short_and_unique():
    names = reel_names(["establishing_wide", "establishing_wide_2", "establishing-wide"])
    assert all(len(n) <= 8 for n in names.values()) and len(set(names.values())) == 3
