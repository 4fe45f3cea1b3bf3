"""A project opened for work: its graph, cache and run history under ``.shotgraph/``.

``.shotgraph/cache`` (or ``$SHOTGRAPH_CACHE``) holds node results, ``.shotgraph/runs`` the run
manifests, ``.shotgraph/filehashes.json`` remembers file hashes so unchanged assets are not
re-read on every run.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from shotgraph.errors import UserError
from shotgraph.graph.build import Graph
from shotgraph.graph.cache import Cache
from shotgraph.graph.executor import Executor, RunReport
from shotgraph.graph.hashing import FileHasher
from shotgraph.graph.manifest import build_manifest, load_manifest, write_manifest
from shotgraph.graph.project import Project
from shotgraph.graph.yamlfile import LocatedDocument
from shotgraph.progress import Progress


def default_cache_dir(work_dir: Path) -> Path:
    env = os.environ.get("SHOTGRAPH_CACHE")
    return Path(env).expanduser() if env else work_dir / "cache"


@dataclass
class Workspace:
    project: Project
    graph: Graph
    cache: Cache
    hasher: FileHasher

    @property
    def work_dir(self) -> Path:
        return self.project.work_dir

    @classmethod
    def open(cls, project_path: Path | str, cache_dir: Path | str | None = None) -> "Workspace":
        return cls.from_project(Project.load(project_path), cache_dir)

    @classmethod
    def from_project(cls, project: Project, cache_dir: Path | str | None = None) -> "Workspace":
        hasher = FileHasher(project.work_dir / "filehashes.json")
        graph = Graph(project, hasher)
        cache = Cache(Path(cache_dir) if cache_dir else default_cache_dir(project.work_dir))
        return cls(project, graph, cache, hasher)

    def executor(self, jobs: int | None = None, progress: Progress | None = None) -> Executor:
        return Executor(self.graph, self.cache, jobs, progress)

    def run(self, targets: list[str] | None = None, jobs: int | None = None, force: bool = False,
            progress: Progress | None = None, argv: list[str] | None = None) -> tuple[RunReport, Path]:
        """Run the targets (default: every deliverable) and write the run manifest."""
        node_targets = self.graph.resolve_targets(targets)
        executor = self.executor(jobs, progress)
        try:
            executor.run(node_targets, force)
        finally:  # a failed or interrupted run gets a manifest too, saying so
            self.hasher.save()
            report = getattr(executor, "report", None)
            if report is not None:
                manifest = build_manifest(self.graph, self.cache, report, node_targets, argv or sys.argv)
                manifest_path = write_manifest(self.work_dir / "runs", manifest)
        return report, manifest_path


@dataclass
class ReplayResult:
    report: RunReport
    manifest_path: Path
    identical: list[str]
    different: list[str]
    key_changes: list[str]


def replay(manifest_path: Path | str, output_dir: Path | None = None, use_cache: bool = False,
           jobs: int | None = None, progress: Progress | None = None) -> ReplayResult:
    """Re-run exactly what a manifest recorded and compare the output hashes.

    The project document stored in the manifest is rebuilt (the project file may have changed
    since); every input file must still have the recorded hash. By default every node is
    recomputed in a scratch cache, which proves the outputs reproduce; ``use_cache`` reuses the
    project's cache instead.
    """
    manifest = load_manifest(manifest_path)
    recorded = manifest["project"]
    document = LocatedDocument(Path(recorded["path"]), recorded["document"])
    project = Project.from_document(document)
    scratch = None
    cache_dir = None
    if not use_cache:
        project.work_dir.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix="replay-", dir=project.work_dir))
        cache_dir = scratch / "cache"
    try:
        workspace = Workspace.from_project(project, cache_dir)
        graph = workspace.graph
        for node in manifest["nodes"]:
            for record in node.get("files", []):
                path = Path(record["path"])
                if not path.exists():
                    raise UserError(f"replay needs {path} (input of {node['id']}), which is missing")
                if graph.file_hash(path) != record["sha256"]:
                    raise UserError(f"{path} changed since the run (input of {node['id']}): "
                                    "replay needs the same input files")
        if output_dir is not None:
            for node in graph.nodes.values():
                if node.export is not None:
                    node.export = Path(output_dir) / node.export.name
        recorded_nodes = {n["id"]: n for n in manifest["nodes"]}
        key_changes = [n for n, rec in recorded_nodes.items() if n in graph.nodes and graph.key(n) != rec["key"]]
        report, path = workspace.run(manifest["targets"], jobs, force=False, progress=progress,
                                     argv=["shotgraph", "replay", str(manifest_path)])
        identical, different = [], []
        for node_id, rec in recorded_nodes.items():
            if not rec.get("outputs") or node_id not in graph.nodes:
                continue
            key = graph.key(node_id)
            if not workspace.cache.has(key):
                continue  # inline nodes
            now = [o["sha256"] for o in workspace.cache.meta(key)["outputs"]]
            (identical if now == [o["sha256"] for o in rec["outputs"]] else different).append(node_id)
        return ReplayResult(report, path, identical, different, key_changes)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
