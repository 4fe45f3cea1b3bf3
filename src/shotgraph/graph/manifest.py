"""Run manifests: what ran, with what, from which inputs, producing which bytes.

Every ``shotgraph run`` writes ``.shotgraph/runs/<time>-<id>.json`` (and ``latest.json``): the
versions of shotgraph and its key libraries, the platform, the whole project document, and for
every node its key, op and version, canonical params, seed, file inputs with their hashes, timing
and output hashes. ``shotgraph replay`` rebuilds the graph from it and checks the result.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import sys
import uuid
from pathlib import Path

from shotgraph import __version__
from shotgraph.graph.build import Graph
from shotgraph.graph.cache import Cache
from shotgraph.graph.executor import RunReport
from shotgraph.fsutil import write_bytes_atomic

SCHEMA = "shotgraph.manifest/1"
KEY_PACKAGES = ["av", "numpy", "opencv-contrib-python", "pydantic", "Pillow", "PyYAML", "typer", "rich"]


def environment() -> dict:
    import av

    packages = {}
    for name in KEY_PACKAGES:
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = None
    return {
        "shotgraph": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or None,
        "cpu_count": os.cpu_count(),
        "packages": packages,
        "ffmpeg": {name: ".".join(map(str, version)) for name, version in av.library_versions.items()},
    }


def build_manifest(graph: Graph, cache: Cache, report: RunReport, targets: list[str], argv: list[str]) -> dict:
    project = graph.project
    nodes = []
    for node_id in graph.closure(targets):
        node = graph.nodes[node_id]
        key = graph.key(node_id)
        # Nodes upstream of a cached node are not needed for this run: nothing was read or computed.
        result = report.results.get(node_id, {"status": "inline" if not node.cache else "not-needed"})
        entry = {
            "id": node_id,
            "op": node.op.name,
            "op_version": node.op.version,
            "key": key,
            "params": graph.canonical_params(node),
            "seed": node.seed,
            "inputs": [{"node": i, "key": graph.key(i)} for i in node.inputs],
            "files": [{"ref": ref, "path": str(path), "sha256": graph.file_hash(path)} for ref, path in node.files.items()],
            "weights": [{"path": str(path), "fingerprint": fp} for path, fp in graph.weights(node)],
            "status": result["status"],
        }
        if cache.has(key):
            meta = cache.meta(key)
            entry.update({"outputs": meta.get("outputs"), "seconds": meta.get("seconds"),
                          "created": meta.get("created"), "frames": meta.get("frames")})
        if result["status"] == "computed":
            entry["started"] = result.get("started")
        if result.get("error"):
            entry["error"] = result["error"]
        nodes.append(entry)
    return {
        "schema": SCHEMA,
        "run_id": uuid.uuid4().hex[:12],
        "started": report.started,
        "seconds": report.seconds,
        "status": report.status,
        "error": report.error,
        "command": argv,
        "environment": environment(),
        "project": {
            "path": str(project.path),
            "sha256": graph.file_hash(project.path),
            "document": project.document.data,
        },
        "targets": targets,
        "nodes": nodes,
        "deliverables": report.exports,
    }


def write_manifest(runs_dir: Path, manifest: dict) -> Path:
    stamp = manifest["started"].replace(":", "").replace("-", "")
    path = runs_dir / f"{stamp}-{manifest['run_id']}.json"
    data = json.dumps(manifest, indent=1, default=str).encode()
    write_bytes_atomic(path, data)
    write_bytes_atomic(runs_dir / "latest.json", data)
    return path


def load_manifest(path: Path | str) -> dict:
    from shotgraph.errors import UserError

    path = Path(path)
    if not path.is_file():
        raise UserError(f"manifest not found: {path}")
    try:
        manifest = json.loads(path.read_text())
    except (ValueError, UnicodeDecodeError) as error:
        raise UserError(f"{path} is not a manifest (invalid JSON: {error})") from None
    if not isinstance(manifest, dict) or manifest.get("schema") != SCHEMA:
        raise UserError(f"{path} is not a shotgraph run manifest (schema {SCHEMA})")
    return manifest
