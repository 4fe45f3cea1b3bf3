"""Model weights found in the models folder enter the cache key: swapping a checkpoint recomputes."""

from __future__ import annotations

import os

import yaml
from projects import make_project

from shotgraph.graph.build import Graph
from shotgraph.graph.project import Project

DOC = {
    "shotgraph": 1, "fps": 24, "width": 160, "height": 120,
    "assets": {"footage": "footage.mp4"},
    "shots": {"smooth": {"source": "footage", "steps": [{"op": "interpolate", "backend": "rife", "factor": 2}]}},
}


def key_of(project) -> tuple[str, Graph]:
    graph = Graph(Project.load(project))
    return graph.key("shots.smooth.steps[0]"), graph


def test_swapping_a_models_folder_checkpoint_changes_the_key(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    project = make_project(tmp_path / "proj")
    project.write_text(yaml.safe_dump(DOC))
    without, _ = key_of(project)  # not installed yet: the run would fail with the clear error
    checkpoint = tmp_path / "models" / "rife" / "flownet.pkl"
    checkpoint.parent.mkdir(parents=True)
    checkpoint.write_bytes(b"weights v1")
    first, graph = key_of(project)
    assert first != without
    assert graph.weights(graph.nodes["shots.smooth.steps[0]"])[0][0] == checkpoint.resolve()
    os.utime(checkpoint, (1, 1))  # touched, same content: same key
    assert key_of(project)[0] == first
    checkpoint.write_bytes(b"weights v2")
    second, _ = key_of(project)
    assert second != first
    # the shot's source does not load weights: its key is untouched by all this
    assert Graph(Project.load(project)).key("shots.smooth.source") == key_of(project)[1].key("shots.smooth.source")


def test_ops_without_weights_have_no_weights_in_their_key(tmp_path):
    project = make_project(tmp_path / "proj")
    graph = Graph(Project.load(project))
    assert all("weights" not in graph.key_document(node) for node in graph.nodes.values())


def test_a_deforum_shot_keys_the_stable_diffusion_folder_it_loads(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOTGRAPH_MODELS", str(tmp_path / "models"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hf"))
    project = make_project(tmp_path / "proj")
    document = {**DOC, "shots": {"smooth": {"source": {"op": "deforum", "prompt": "a red ball", "duration": 1},
                                            "steps": [{"op": "trim", "duration": 1}]}}}
    project.write_text(yaml.safe_dump(document))

    def key() -> str:
        return Graph(Project.load(project)).key("shots.smooth.source")

    without = key()
    model = tmp_path / "models" / "diffusers" / "stable-diffusion-v1-5" / "stable-diffusion-v1-5"
    model.mkdir(parents=True)
    (model / "model_index.json").write_text('{"_class_name": "StableDiffusionPipeline"}')
    first = key()
    (model / "model_index.json").write_text('{"_class_name": "StableDiffusionImg2ImgPipeline"}')
    assert len({without, first, key()}) == 3
