"""The op registry: every capability is an op that declares its name, version, params and backends.

The project file, the graph and the CLI all reach ops through here, so a new capability is a new
module in ``shotgraph.ops`` (or a plugin package exposing the ``shotgraph.ops`` entry point), never
a special case elsewhere.

An op is a function ``run(inputs, params, ctx) -> Clip | Artifact``:

- ``inputs`` holds the primary input clip for filters (empty for sources);
- ``params`` is an instance of the op's pydantic params model (unknown keys are rejected);
- ``ctx`` resolves :class:`~shotgraph.params.ClipRef` / :class:`~shotgraph.params.FileRef` values,
  and carries the seed and a scratch folder.

Bump ``version`` whenever the op's output for the same params changes: the version is part of
every cache key, so stale results are never reused.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import importlib.util
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from shotgraph.clip import Clip
from shotgraph.errors import BackendUnavailableError, ProjectError


class OpKind(str, Enum):
    SOURCE = "source"  # makes a clip from params and files: the first node of a shot
    FILTER = "filter"  # transforms the previous step's clip
    ANY = "any"  # works as either (e.g. concat: as a source it joins its listed clips only)


@dataclass(frozen=True)
class WeightsStatus:
    """One model a backend can run, for ``shotgraph models``: where its weights come from and
    whether they are on this machine (``location``: where they were found, or where to put them)."""

    model: str
    source: str
    present: bool
    location: str


@dataclass(frozen=True)
class Backend:
    """One way to run an op. ``requires`` are importable modules; ``extra`` the pip extra giving them;
    ``weights`` says where model weights come from, for ``shotgraph models``; ``weights_check``
    (optional) lists the backend's models and whether their weights are present, without loading
    them (see :func:`shotgraph.backends.weights.family_weights`)."""

    name: str
    description: str
    requires: tuple[str, ...] = ()
    extra: str | None = None
    weights: str | None = None
    weights_check: Callable[[], Sequence[WeightsStatus]] | None = None

    def missing(self) -> str | None:
        """None when usable, else why not (and what to install)."""
        absent = [module for module in self.requires if importlib.util.find_spec(module) is None]
        if not absent:
            return None
        hint = f"pip install 'shotgraph[{self.extra}]'" if self.extra else f"pip install {' '.join(absent)}"
        return f"backend {self.name!r} needs {', '.join(absent)}: {hint}"

    def ensure(self) -> None:
        reason = self.missing()
        if reason:
            raise BackendUnavailableError(reason)


BUILTIN = Backend("builtin", "NumPy / OpenCV / PyAV, no model")


class Artifact(Protocol):
    """A node result that is not a plain clip (an encoded deliverable, a JSON file, ...).

    ``write`` puts its files into ``folder`` and returns their names; ``clip_file`` names the file
    downstream nodes open as a clip, if any.
    """

    clip_file: str | None

    def write(self, folder: Path, on_frame: Callable[[int], None] | None) -> list[str]: ...

    @property
    def total_frames(self) -> int: ...


@dataclass
class OpContext:
    """What an op may ask of the graph while it runs.

    ``work_dir`` is scratch space that lives as long as this computation. ``resume_dir`` (None
    outside a project) is a folder kept for the node's key across interrupted runs and removed once
    the node's result is cached: a long op whose output is built in order (each frame from the
    last) saves its progress there, so a run killed half way resumes instead of starting over.
    """

    node_id: str
    seed: int | None
    work_dir: Path
    resolve_clip: Callable[[str], Clip]
    resolve_file: Callable[[str], Path]
    threads: int = 0
    log: Callable[[str], None] = print
    resume_dir: Path | None = None

    def clip(self, ref: str) -> Clip:
        return self.resolve_clip(ref)

    def file(self, ref: str) -> Path:
        return self.resolve_file(ref)


RunFunction = Callable[[list[Clip], Any, OpContext], "Clip | Artifact"]


@dataclass(frozen=True)
class OpSpec:
    name: str
    version: int
    params: type[BaseModel]
    run: RunFunction
    kind: OpKind
    summary: str
    backends: tuple[Backend, ...] = (BUILTIN,)
    seeded: bool = False
    # params filled from project settings when left unset, e.g. {"fps": "fps"}
    project_defaults: Mapping[str, str] = field(default_factory=dict)
    # How the CLI exposes it: positional arguments are these FileRef/ClipRef fields.
    cli_inputs: tuple[str, ...] = ()
    cli: bool = True
    # The model weights (files or folders) these params will load, resolved the way the backend
    # resolves them (models folder, HF cache...). Their fingerprints enter the cache key, so
    # swapping a checkpoint recomputes. Weights given as FileRef params are hashed anyway.
    weights: Callable[[Any], Sequence[Path]] | None = None
    # Whether a project caches this op's result by default (a step's ``cache:`` overrides it).
    # Off for ops whose output is as cheap to make again as to read back (reading a file).
    cached: bool = True

    def backend(self, name: str | None) -> Backend:
        if name is None:
            return self.backends[0]
        for backend in self.backends:
            if backend.name == name:
                return backend
        raise ProjectError(
            f"op {self.name!r} has no backend {name!r}; it has {', '.join(b.name for b in self.backends)}"
        )


_REGISTRY: dict[str, OpSpec] = {}
_LOADED = False


def register(spec: OpSpec) -> OpSpec:
    if spec.name in _REGISTRY and _REGISTRY[spec.name].run is not spec.run:
        raise RuntimeError(f"two ops are named {spec.name!r}")
    _REGISTRY[spec.name] = spec
    return spec


def op(
    name: str,
    *,
    version: int,
    params: type[BaseModel],
    kind: OpKind,
    summary: str,
    backends: tuple[Backend, ...] = (BUILTIN,),
    seeded: bool = False,
    project_defaults: Mapping[str, str] | None = None,
    cli_inputs: tuple[str, ...] = (),
    cli: bool = True,
    weights: Callable[[Any], Sequence[Path]] | None = None,
    cached: bool = True,
) -> Callable[[RunFunction], RunFunction]:
    """Decorator registering ``run(inputs, params, ctx)`` as an op."""

    def decorate(run: RunFunction) -> RunFunction:
        register(OpSpec(name, version, params, run, kind, summary, backends, seeded,
                        dict(project_defaults or {}), cli_inputs, cli, weights, cached))
        return run

    return decorate


def load_ops() -> dict[str, OpSpec]:
    """Import every op module in ``shotgraph.ops`` and every ``shotgraph.ops`` entry-point plugin."""
    global _LOADED
    if not _LOADED:
        import shotgraph.ops as package

        for module in pkgutil.iter_modules(package.__path__):
            if not module.name.startswith("_") and module.name != "registry":
                importlib.import_module(f"shotgraph.ops.{module.name}")
        for entry in importlib.metadata.entry_points(group="shotgraph.ops"):
            entry.load()
        _LOADED = True
    return dict(sorted(_REGISTRY.items()))


def get_op(name: str) -> OpSpec:
    ops = load_ops()
    if name not in ops:
        close = difflib.get_close_matches(name, ops, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known ops: {', '.join(ops)}"
        raise ProjectError(f"unknown op {name!r}{hint}")
    return ops[name]
