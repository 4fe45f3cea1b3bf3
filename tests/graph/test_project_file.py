"""Project file validation: every mistake is one error naming the file, line and field."""

from __future__ import annotations

import copy

import pytest
import yaml
from projects import PROJECT

from shotgraph.errors import ProjectError
from shotgraph.graph.build import Graph
from shotgraph.graph.project import Project


def load(project_path):
    return Graph(Project.load(project_path))


def write(path, document):
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def line_of(path, needle):
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if needle in line:
            return number
    raise AssertionError(needle)


def test_the_example_builds(project):
    graph = load(project)
    assert set(graph.shot_outputs) == {"a", "b", "c"}
    assert graph.deliverables == {"web": "deliverables.web"}
    assert list(graph.nodes)[-1] == "deliverables.web"


def test_yaml_syntax_error_names_line_and_column(project):
    project.write_text("shotgraph: 1\nshots:\n  a: {source: [unclosed\n")
    with pytest.raises(ProjectError, match=r"project.yaml:\d+:\d+: YAML syntax error"):
        load(project)


@pytest.mark.parametrize("mutate,needle,message", [
    (lambda d: d["shots"]["a"]["source"].update(op="stil"), "op: stil", "unknown op 'stil' \\(did you mean 'still'\\?\\)"),
    (lambda d: d["shots"]["b"]["steps"][0].update(widht=3), "widht",
     "resize: shots.b.steps\\[0\\].widht: is not a known field; did you mean 'width'\\?"),
    (lambda d: d["shots"]["b"]["steps"][0].update(mode="zoom"), "mode: zoom",
     "resize: shots.b.steps\\[0\\].mode: must be one of 'stretch', 'fit', 'pad' or 'crop' \\(got 'zoom'\\)"),
    (lambda d: d["shots"]["a"]["source"].update(duration=-1), "duration: -1",
     "still: shots.a.source.duration: must be > 0 \\(got -1\\)"),
    (lambda d: d.update(fsp=24), "fsp", "fsp: is not a known field; did you mean 'fps'\\?"),
    (lambda d: d["edit"]["clips"].append({"shot": "zz"}), "shot: zz", "no shot or asset is named 'zz'"),
    (lambda d: d["assets"].update(card="missing.png"), "missing.png", "assets.card: file not found"),
    (lambda d: d["shots"]["b"]["steps"].insert(0, {"op": "still", "image": "card"}), "- op: still", "can only be a shot's source"),
    (lambda d: d["shots"]["a"].update(source={"op": "resize", "width": 5}), "op: resize", "cannot be a shot's source"),
    (lambda d: d["deliverables"]["web"].update(path="out/film.avi"), "film.avi", "unknown output type .avi"),
    (lambda d: d["deliverables"]["web"]["video"].update(codec="divx"), "divx",
     "deliverables.web.video.codec: must be one of 'h264', "),
    (lambda d: d.update(shotgraph=9), "shotgraph: 9", "reads project schema 1"),
])
def test_mistakes_name_the_line_and_field(project, mutate, needle, message):
    document = copy.deepcopy(PROJECT)
    mutate(document)
    write(project, document)
    with pytest.raises(ProjectError, match=message) as error:
        load(project)
    assert f"project.yaml:{line_of(project, needle)}:" in str(error.value)


def test_shot_cycle_is_reported(project):
    document = copy.deepcopy(PROJECT)
    document["shots"]["a"] = {"source": {"op": "concat", "clips": ["c"]}}
    document["shots"]["c"] = {"source": {"op": "concat", "clips": ["a"]}}
    write(project, document)
    with pytest.raises(ProjectError, match="cycle: a -> c -> a"):
        load(project)


def test_duplicate_keys_are_an_error(project):
    project.write_text("shotgraph: 1\nname: x\nname: y\n")
    with pytest.raises(ProjectError, match=r"project.yaml:3: name: duplicate key \(first on line 2\)"):
        load(project)


def test_missing_project_and_non_mapping(tmp_path):
    with pytest.raises(ProjectError, match="project file not found"):
        load(tmp_path / "nope.yaml")
    (tmp_path / "list.yaml").write_text("- a\n- b\n")
    with pytest.raises(ProjectError, match="a project file is a mapping"):
        load(tmp_path / "list.yaml")
