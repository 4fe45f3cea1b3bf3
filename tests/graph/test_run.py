"""Running projects: caching, minimal recompute, parallel shots, manifests and replay."""

from __future__ import annotations

import pytest

import copy
import json

import numpy as np
import yaml
from projects import PROJECT, make_project
from synthetic import index_frame

from shotgraph.graph.workspace import Workspace, replay
from shotgraph.media import open_video, write_image
from shotgraph.media.probe import probe


def run(project_path, jobs=1, **kwargs):
    workspace = Workspace.open(project_path)
    report, manifest = workspace.run(jobs=jobs, **kwargs)
    return workspace, report, json.loads(manifest.read_text())


def cached_nodes(workspace) -> list[str]:
    """Every node but the asset loads, which are read in place by the steps that use them."""
    return sorted(n for n, node in workspace.graph.nodes.items() if node.op.name != "load")


def edit_document(project_path, change):
    document = yaml.safe_load(project_path.read_text())
    change(document)
    project_path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_first_run_renders_the_deliverable(project):
    workspace, report, manifest = run(project)
    film = project.parent / "out" / "film.mp4"
    info = probe(film)
    # a 1 s + b 0.75 s + c 1.5 s at 24 fps
    assert info["video"]["frames"] == 24 + 18 + 36
    assert (info["video"]["width"], info["video"]["height"]) == (160, 120)
    assert info["audio"][0]["sample_rate"] == 48000
    assert sorted(report.computed) == cached_nodes(workspace)
    assert manifest["deliverables"][0]["sha256"] and manifest["status"] == "ok"


def test_unchanged_project_recomputes_nothing(project):
    run(project)
    film = project.parent / "out" / "film.mp4"
    before = film.stat().st_mtime_ns
    _, report, manifest = run(project)
    assert report.computed == []
    assert film.stat().st_mtime_ns == before  # not even rewritten
    assert manifest["deliverables"][0]["written"] is False


def test_changing_one_shot_recomputes_only_it_and_its_dependants(project):
    run(project)
    edit_document(project, lambda d: d["shots"]["c"]["steps"][0].update(start=0.25))
    _, report, _ = run(project)
    assert sorted(report.computed) == ["deliverables.web", "edit", "shots.c.steps[0]"]


def test_changing_a_files_content_recomputes_its_users(project):
    run(project)
    write_image(project.parent / "card.png", index_frame(9, 200, 150))
    _, report, _ = run(project)
    assert set(report.computed) == {"shots.a.source", "shots.c.source", "shots.c.steps[0]", "edit", "deliverables.web"}


def test_renaming_an_asset_file_keeps_the_cache(project):
    run(project)
    (project.parent / "card.png").rename(project.parent / "title-card.png")
    edit_document(project, lambda d: d["assets"].update(card="title-card.png"))
    _, report, _ = run(project)
    assert report.computed == []


def test_deliverable_deleted_is_restored_from_the_cache(project):
    run(project)
    film = project.parent / "out" / "film.mp4"
    digest = film.read_bytes()
    film.unlink()
    _, report, _ = run(project)
    assert report.computed == [] and film.read_bytes() == digest


@pytest.mark.slow
def test_parallel_run_gives_the_same_bytes_as_serial(tmp_path):
    serial = make_project(tmp_path / "serial")
    parallel = make_project(tmp_path / "parallel")
    run(serial, jobs=1)
    workspace, report, _ = run(parallel, jobs=3)
    assert sorted(report.computed) == cached_nodes(workspace)
    assert len({report.results[n]["pid"] for n in report.computed}) > 1  # really ran in a pool
    a = (serial.parent / "out" / "film.mp4").read_bytes()
    b = (parallel.parent / "out" / "film.mp4").read_bytes()
    assert a == b


def test_manifest_records_versions_nodes_seeds_and_hashes(project):
    workspace, _, manifest = run(project)
    env = manifest["environment"]
    assert env["shotgraph"] and env["python"] and env["packages"]["av"] and env["ffmpeg"]["libavcodec"]
    nodes = {n["id"]: n for n in manifest["nodes"]}
    assert set(nodes) == set(workspace.graph.nodes)
    card = nodes["shots.a.source"]
    assert card["op"] == "still" and card["op_version"] == 1
    assert card["files"][0]["sha256"] == workspace.graph.file_hash(project.parent / "card.png")
    assert card["params"]["image"] == {"file": card["files"][0]["sha256"]}
    assert all(len(o["sha256"]) == 64 for n in nodes.values() if n["status"] != "inline" for o in n["outputs"])
    # the footage is read where it is used, not copied into the cache; its hash is still logged
    footage = nodes["shots.b.source"]
    assert footage["status"] == "inline" and footage["files"][0]["sha256"] == workspace.graph.file_hash(
        project.parent / "footage.mp4")
    assert [i["node"] for i in nodes["edit"]["inputs"]] == ["shots.a.source", "shots.b.steps[0]", "shots.c.steps[0]"]
    assert nodes["deliverables.web"]["inputs"][0]["node"] == "edit"
    assert manifest["project"]["document"]["shots"]["a"]["source"]["op"] == "still"


@pytest.mark.slow
def test_replay_recomputes_everything_and_matches(project, tmp_path):
    _, _, manifest = run(project)
    latest = project.parent / ".shotgraph" / "runs" / "latest.json"
    edit_document(project, lambda d: d["shots"]["c"]["steps"][0].update(start=0.25))  # later edits don't matter
    result = replay(latest, output_dir=tmp_path / "replayed")
    assert result.different == [] and len(result.identical) == sum(n["status"] != "inline" for n in manifest["nodes"])
    original = (project.parent / "out" / "film.mp4").read_bytes()
    assert (tmp_path / "replayed" / "film.mp4").read_bytes() == original


def test_cache_false_steps_are_computed_inline(project):
    document = copy.deepcopy(PROJECT)
    document["shots"]["b"]["steps"][0]["cache"] = False
    project.write_text(yaml.safe_dump(document, sort_keys=False))
    workspace, report, _ = run(project)
    assert "shots.b.steps[0]" not in report.computed
    assert not workspace.cache.has(workspace.graph.key("shots.b.steps[0]"))
    clip = open_video(project.parent / "out" / "film.mp4")
    assert clip.n_frames == 78


def test_seeds_are_derived_only_for_seeded_ops(project):
    workspace = Workspace.open(project)
    assert all(node.seed is None for node in workspace.graph.nodes.values())  # no seeded ops here
    from shotgraph.graph.build import derive_seed

    assert derive_seed(5, "shots.a.source") == derive_seed(5, "shots.a.source") != derive_seed(6, "shots.a.source")


def test_edit_audio_is_mixed_and_faded(project):
    run(project)
    clip = open_video(project.parent / "out" / "film.mp4")
    audio = np.concatenate(list(clip.audio_samples()), axis=1)
    rate = clip.audio.sample_rate
    assert audio.shape[1] == clip.n_samples
    rms = lambda a: float(np.sqrt((a**2).mean()))  # noqa: E731
    middle = rms(audio[:, rate // 2 : rate])
    tail = rms(audio[:, -rate // 20 :])
    assert middle > 0.05  # music at -6 dB plus the footage tone
    assert tail < 0.2 * middle  # faded out
