"""From a project to a graph of nodes, each with a content-derived cache key.

Node ids follow the project file: ``assets.NAME``, ``shots.NAME.source``, ``shots.NAME.steps[i]``
(or ``shots.NAME.ID`` for a step with an ``id``), ``edit``, ``deliverables.NAME``. A step given as a
param of another (``masked``'s ``apply``) is a node of its own, ``<that step's id>.apply``, computed
inside it (never cached on its own) but keyed like any step.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shotgraph.errors import MediaError, ParamError, ProjectError, UserError
from shotgraph.graph.hashing import FileHasher, canonical, iter_refs, sha256_json
from shotgraph.graph.project import STEP_KEYS, Project
from shotgraph.graph.yamlfile import Loc
from shotgraph.finish.delivery import CONTAINERS
from shotgraph.media.encode import container_for
from shotgraph.media.inputs import input_file
from shotgraph.ops.registry import OpKind, OpSpec, get_op, validate
from shotgraph.params import ClipRef, FileRef, StepRef
from shotgraph.validation import dotted



@dataclass
class Node:
    id: str
    op: OpSpec
    params: BaseModel
    loc: Loc  # where the node is defined in the project file
    primary: str | None = None  # the previous step's node, for filters
    refs: dict[str, str] = field(default_factory=dict)  # ClipRef value -> node id
    files: dict[str, Path] = field(default_factory=dict)  # FileRef value -> path
    seed: int | None = None
    cache: bool = True
    export: Path | None = None  # deliverables: where the result is copied

    @property
    def inputs(self) -> list[str]:
        ids = [self.primary] if self.primary else []
        return ids + [i for i in dict.fromkeys(self.refs.values()) if i not in ids]


def derive_seed(base: int, node_id: str) -> int:
    digest = hashlib.sha256(f"{base}:{node_id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") & 0x7FFFFFFF


class Graph:
    """All nodes of a project, in dependency order, with their keys."""

    def __init__(self, project: Project, hasher: FileHasher | None = None):
        self.project = project
        self.spec = project.spec
        self.document = project.document
        self.hasher = hasher or FileHasher()
        self.nodes: dict[str, Node] = {}
        self.shot_outputs: dict[str, str] = {}
        self.deliverables: dict[str, str] = {}
        self.edit: str | None = None
        self._building: list[str] = []
        self._keys: dict[str, str] = {}
        self._file_hashes: dict[Path, str] = {}
        self._weights: dict[str, list[tuple[Path, str]]] = {}
        for name in self.spec.shots:
            self._shot(name)
        if self.spec.edit is not None:
            self.edit = self._add_step("edit", "edit", {**self.spec.edit, "op": "edit"}, ("edit",), None, None)
        for name, deliverable in self.spec.deliverables.items():
            self._deliverable(name, deliverable)

    # -- building ----------------------------------------------------------------------------
    def _shot(self, name: str) -> str:
        if name in self.shot_outputs:
            return self.shot_outputs[name]
        if name in self._building:
            cycle = " -> ".join(self._building[self._building.index(name):] + [name])
            raise self.document.error(("shots", name), f"shots refer to each other in a cycle: {cycle}")
        self._building.append(name)
        shot = self.spec.shots[name]
        base_seed = shot.seed if shot.seed is not None else self.spec.seed
        loc = ("shots", name, "source")
        source = shot.source
        if isinstance(source, str):  # shorthand: a video asset
            source = {"op": "load", "video": source}
        previous = self._add_step(f"shots.{name}.source", name, source, loc, None, base_seed)
        for index, step in enumerate(shot.steps):
            step_id = step.get("id") if isinstance(step, dict) else None
            node_id = f"shots.{name}.{step_id}" if step_id else f"shots.{name}.steps[{index}]"
            previous = self._add_step(node_id, name, step, ("shots", name, "steps", index), previous, base_seed)
        self._building.pop()
        self.shot_outputs[name] = previous
        return previous

    def _add_step(self, node_id: str, owner: str, raw: dict[str, Any], loc: Loc, previous: str | None,
                  base_seed: int | None) -> str:
        doc = self.document
        if not isinstance(raw, dict) or "op" not in raw:
            raise doc.error(loc, "a step is a mapping with an 'op' key, e.g. {op: resize, width: 1280}")
        if node_id in self.nodes:
            raise doc.error(loc + ("id",), f"two steps of shot {owner!r} have the id {node_id.rsplit('.', 1)[-1]!r}")
        try:
            op = get_op(str(raw["op"]))
        except UserError as error:
            raise doc.error(loc + ("op",), str(error)) from None
        if previous is None and op.kind == OpKind.FILTER:
            raise doc.error(loc + ("op",), f"{op.name!r} transforms a clip, so it cannot be a shot's source")
        if previous is not None and op.kind == OpKind.SOURCE:
            raise doc.error(loc + ("op",), f"{op.name!r} makes a new clip, so it can only be a shot's source")
        params = self._validate(op, {k: v for k, v in raw.items() if k not in STEP_KEYS}, loc)
        seed = self._seed(op, raw.get("seed"), loc, node_id, base_seed)
        cache = raw.get("cache", op.cached)
        if not isinstance(cache, bool):
            raise doc.error(loc + ("cache",), "cache must be true or false")
        return self._add_node(Node(node_id, op, params, loc, previous, seed=seed, cache=cache), owner, base_seed)

    def _validate(self, op: OpSpec, values: dict[str, Any], loc: Loc) -> BaseModel:
        """The registry's validation, its error pointing at the field's line in the project file."""
        settings = {"fps": self.spec.fps, "width": self.spec.width, "height": self.spec.height}
        try:
            return validate(op, values, lambda field: dotted(loc + field), settings)
        except ParamError as error:
            raise ProjectError(f"{self.document.where(loc + error.loc)}: {error}") from None

    def _seed(self, op: OpSpec, given: Any, loc: Loc, node_id: str, base_seed: int | None) -> int | None:
        if given is not None and (not isinstance(given, int) or isinstance(given, bool) or not 0 <= given < 2**63):
            raise self.document.error(loc + ("seed",), "seed must be a whole number from 0 to 2**63 - 1")
        if not op.seeded:
            return None
        return given if given is not None else derive_seed(base_seed if base_seed is not None else self.spec.seed, node_id)

    def _add_node(self, node: Node, owner: str, base_seed: int | None) -> str:
        """Record ``node`` with its references resolved, its nested steps as nodes of their own."""
        updates = {}
        for field_name in node.op.nested_fields:
            ref = getattr(node.params, field_name)
            if isinstance(ref, StepRef):
                inner_id = self._nested(node, field_name, ref, owner, base_seed)
                updates[field_name] = ref.model_copy(update={"node": inner_id})
                node.refs[inner_id] = inner_id
        if updates:
            node.params = node.params.model_copy(update=updates)
        for ref_loc, ref in iter_refs(node.params):
            if isinstance(ref, ClipRef):
                node.refs[str(ref)] = self._clip_ref(str(ref), node.loc + ref_loc)
            elif isinstance(ref, FileRef):
                node.files[str(ref)] = self._file_ref(str(ref), node.loc + ref_loc)
        self.nodes[node.id] = node
        return node.id

    def _nested(self, outer: Node, field_name: str, ref: StepRef, owner: str, base_seed: int | None) -> str:
        """The node computing ``outer``'s nested step: on ``outer``'s input (a filter) or on nothing
        (a source making a layer), inside ``outer``'s computation (not cached on its own)."""
        inner = get_op(ref.op)
        loc = outer.loc + (field_name,)
        seed = self._seed(inner, ref.seed, loc, f"{outer.id}.{field_name}", base_seed)
        primary = outer.primary if inner.kind == OpKind.FILTER else None
        return self._add_node(Node(f"{outer.id}.{field_name}", inner, ref.params, loc, primary, seed=seed,
                                   cache=False), owner, base_seed)

    def _clip_ref(self, name: str, loc: Loc) -> str:
        if name in self.spec.shots:
            return self._shot(name)
        if name in self.spec.assets:
            node_id = f"assets.{name}"
            if node_id not in self.nodes:
                asset = self.spec.asset(name)
                raw = {"op": "load", "video": name, "audio": asset.audio}
                if asset.fps is not None:
                    raw["fps"] = asset.fps
                self._add_step(node_id, name, raw, ("assets", name), None, None)
            return node_id
        known = sorted(self.spec.shots) + sorted(self.spec.assets)
        raise self.document.error(loc, f"no shot or asset is named {name!r}" + (f" (known: {', '.join(known)})" if known else ""))

    def _file_ref(self, ref: str, loc: Loc) -> Path:
        if ref in self.spec.assets:
            loc = ("assets", ref)
            path = self.project.resolve_path(self.spec.asset(ref).path)
        else:
            path = self.project.resolve_path(ref)
        try:
            return input_file(path)
        except MediaError as error:
            raise self.document.error(loc, str(error)) from None

    def _deliverable(self, name: str, spec) -> None:
        loc = ("deliverables", name)
        source = spec.source
        if source == "edit":
            if self.edit is None:
                raise self.document.error(loc, "delivers the edit, but the project has no edit: section "
                                                "(set source: to a shot name)")
            source_node = self.edit
        elif source in self.spec.shots:
            source_node = self.shot_outputs[source]
        else:
            raise self.document.error(loc + ("source",), f"no shot named {source!r} (or use 'edit')")
        export = self.project.resolve_path(spec.path)
        try:
            container = CONTAINERS[container_for(export)]
        except (UserError, KeyError) as error:
            raise self.document.error(loc + ("path",), str(error) if isinstance(error, UserError) else
                                      f"{export.suffix} is not a delivery format") from None
        # only what the deliverable sets: the rest comes from its preset (or the defaults)
        explicit = spec.model_dump(exclude={"path", "source"}, exclude_unset=True, by_alias=True)
        # an edit with cache: false is rendered inside each deliverable, which can then stream-copy
        # untouched footage; a cached one is read back as pixels. The bytes differ, so the key must.
        smart = not self.nodes[source_node].cache
        raw = {"op": "deliver", "container": container, **explicit, "smart_render": smart}
        node_id = self._add_step(f"deliverables.{name}", name, raw, loc, source_node, None)
        self.nodes[node_id].export = export
        self.deliverables[name] = node_id

    # -- keys --------------------------------------------------------------------------------
    def file_hash(self, path: Path) -> str:
        if path not in self._file_hashes:
            self._file_hashes[path] = self.hasher(path)
        return self._file_hashes[path]

    def key(self, node_id: str) -> str:
        if node_id not in self._keys:
            node = self.nodes[node_id]
            self._keys[node_id] = sha256_json(self.key_document(node))
        return self._keys[node_id]

    def key_document(self, node: Node) -> dict:
        """What the key hashes: op, version, canonical params (files by content), seed, inputs."""
        document = {
            "op": node.op.name,
            "version": node.op.version,
            "params": self.canonical_params(node),
            "seed": node.seed,
            "input": self.key(node.primary) if node.primary else None,
        }
        weights = self.weights(node)
        if weights:
            document["weights"] = [fingerprint for _, fingerprint in weights]
        return document

    def weights(self, node: Node) -> list[tuple[Path, str]]:
        """The model weights the node will load, with their fingerprints (see ``OpSpec.weights_for``)."""
        if node.id not in self._weights:
            self._weights[node.id] = [(path, self.hasher.fingerprint(path)) for path in node.op.weights_for(node.params)]
        return self._weights[node.id]

    def canonical_params(self, node: Node) -> Any:
        return canonical(node.params, lambda ref: self.file_hash(node.files[ref]), lambda ref: self.key(node.refs[ref]))

    # -- selection ---------------------------------------------------------------------------
    def default_targets(self) -> list[str]:
        if self.deliverables:
            return list(self.deliverables.values())
        if self.edit:
            return [self.edit]
        return list(self.shot_outputs.values())

    def resolve_targets(self, names: list[str] | None) -> list[str]:
        """Node ids for ``names``: deliverable or shot names, ``edit``, or node ids."""
        if not names:
            return self.default_targets()
        targets = []
        for name in names:
            if name in self.deliverables:
                targets.append(self.deliverables[name])
            elif name in self.shot_outputs:
                targets.append(self.shot_outputs[name])
            elif name == "edit" and self.edit:
                targets.append(self.edit)
            elif name in self.nodes:
                targets.append(name)
            else:
                raise UserError(f"nothing named {name!r} to run: give a deliverable, a shot, 'edit' or a node id")
        return targets

    def closure(self, targets: list[str]) -> list[str]:
        """The targets and everything they depend on, in dependency order."""
        wanted: set[str] = set()
        stack = list(targets)
        while stack:
            node_id = stack.pop()
            if node_id not in wanted:
                wanted.add(node_id)
                stack.extend(self.nodes[node_id].inputs)
        return [node_id for node_id in self.nodes if node_id in wanted]
