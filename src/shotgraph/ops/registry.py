"""The op registry: every capability is an op that declares its name, version, params and backends.

The project file, the graph and the CLI all reach ops through here, so a new capability is a new
module in ``shotgraph.ops`` (or a plugin package exposing the ``shotgraph.ops`` entry point), never
a special case elsewhere. The registry does, once, for every caller:

- **validation** (:func:`validate`): the params model checks the values; every error has one
  format (``OP: FIELD: what is allowed``), the field named as the caller's user wrote it; project
  settings fill the params an op defaults to them; nested steps are validated against their own op;
- **backends** (:meth:`OpSpec.backends_for`): an op choosing among several backends names the
  field ``backend``; the registry checks the chosen one is installed before the op runs
  (:func:`run_op`) and collects the weights it will load for the cache key (:meth:`OpSpec.weights_for`).

An op is a function ``run(inputs, params, ctx) -> Clip | Artifact``:

- ``inputs`` holds the primary input clip for filters (empty for sources);
- ``params`` is an instance of the op's pydantic params model (unknown keys are rejected);
- ``ctx`` resolves :class:`~shotgraph.params.ClipRef` / :class:`~shotgraph.params.FileRef` /
  :class:`~shotgraph.params.StepRef` values, and carries the seed and a scratch folder.

Bump ``version`` whenever the op's output for the same params changes: the version is part of
every cache key, so stale results are never reused.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import tempfile
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ValidationError

from shotgraph.backends.base import BUILTIN, Backend
from shotgraph.clip import Clip
from shotgraph.errors import ParamError, ProjectError, UserError
from shotgraph.ops.index import op_index, op_modules
from shotgraph.params import StepRef
from shotgraph.validation import Loc, dotted, first_problem

class OpKind(str, Enum):
    SOURCE = "source"  # makes a clip from params and files: the first node of a shot
    FILTER = "filter"  # transforms the previous step's clip
    ANY = "any"  # works as either (e.g. concat: as a source it joins its listed clips only)


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
    """What an op may ask of the graph (or of a standalone run) while it runs.

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

    def step(self, ref: StepRef, clip: Clip) -> Clip:
        """The result of a nested step (a :class:`StepRef` param) on ``clip``: in a project, the
        node the graph made of it; standalone, the step run here on ``clip``."""
        if ref.node is not None:
            return self.resolve_clip(ref.node)
        return run_step(ref, clip, self)


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
    # Whether a project caches this op's result by default (a step's ``cache:`` overrides it).
    # Off for ops whose output is as cheap to make again as to read back (reading a file).
    cached: bool = True
    # The backends a call uses, by name, when that is more than its ``backend`` field says (a 3D
    # camera move without a depth image also runs a depth model); default: that field's value.
    uses: Callable[[Any], Sequence[str]] | None = None
    # Checks of validated params that take computing (a schedule's value at every frame), run by
    # :func:`validate` so that they come before any backend or file is needed; raise ParamError.
    check: Callable[[Any], None] | None = None

    def backend(self, name: str | None) -> Backend:
        if name is None:
            return self.backends[0]
        for backend in self.backends:
            if backend.name == name:
                return backend
        raise ParamError(f"{self.name}: no backend {name!r}; it has {', '.join(b.name for b in self.backends)}")

    def backends_for(self, params: BaseModel) -> list[Backend]:
        """The backends a call with ``params`` runs on."""
        if self.uses is not None:
            return [self.backend(name) for name in self.uses(params)]
        return [self.backend(getattr(params, "backend", None))]

    def weights_for(self, params: BaseModel) -> list[Path]:
        """The model weights a call with ``params`` will load (files or folders, as the backends
        resolve them): their fingerprints enter the cache key, so swapping a checkpoint recomputes.
        Weights given as FileRef params are hashed with the other files."""
        return [path for backend in self.backends_for(params) for path in backend.weight_files(params)]

    @property
    def nested_fields(self) -> tuple[str, ...]:
        """Params that hold a step (:class:`StepRef`), which the graph expands into nodes."""
        return _step_fields(self.params)


def _step_fields(model: type[BaseModel]) -> tuple[str, ...]:
    return tuple(name for name, info in model.model_fields.items() if _holds(info.annotation, StepRef))


def _holds(annotation: Any, kind: type) -> bool:
    if annotation is kind:
        return True
    return any(_holds(arg, kind) for arg in typing.get_args(annotation))


def backend_names(backends: Sequence[Backend]) -> Any:
    """The ``Literal`` of backend names for an op's ``backend`` field, from its declared backends."""
    return Literal[tuple(b.name for b in backends)]


_REGISTRY: dict[str, OpSpec] = {}
_LOADED = False


def _check_backends(spec: OpSpec) -> None:
    """An op with several backends names them in a ``backend`` field whose choices are exactly the
    declared ones (or says which it uses with ``uses``)."""
    field_info = spec.params.model_fields.get("backend")
    if field_info is None:
        if len(spec.backends) > 1 and spec.uses is None:
            raise RuntimeError(f"op {spec.name!r} declares {len(spec.backends)} backends but its params have "
                               "no 'backend' field (or a uses= rule)")
        return
    choices = {arg for part in [field_info.annotation, *typing.get_args(field_info.annotation)]
               if typing.get_origin(part) is Literal for arg in typing.get_args(part)}
    names = {b.name for b in spec.backends}
    if choices and choices != names and spec.uses is None:
        raise RuntimeError(f"op {spec.name!r}: its backend field allows {sorted(choices)}, it declares {sorted(names)}")


def register(spec: OpSpec) -> OpSpec:
    if spec.name in _REGISTRY and _REGISTRY[spec.name].run is not spec.run:
        raise RuntimeError(f"two ops are named {spec.name!r}")
    _check_backends(spec)
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
    cached: bool = True,
    uses: Callable[[Any], Sequence[str]] | None = None,
    check: Callable[[Any], None] | None = None,
) -> Callable[[RunFunction], RunFunction]:
    """Decorator registering ``run(inputs, params, ctx)`` as an op."""

    def decorate(run: RunFunction) -> RunFunction:
        register(OpSpec(name, version, params, run, kind, summary, backends, seeded,
                        dict(project_defaults or {}), cli_inputs, cli, cached, uses, check))
        return run

    return decorate


def load_ops() -> dict[str, OpSpec]:
    """Import every op module in ``shotgraph.ops`` and every ``shotgraph.ops`` entry-point plugin."""
    global _LOADED
    if not _LOADED:
        for name in op_modules():
            importlib.import_module(f"shotgraph.ops.{name}")
        for entry in importlib.metadata.entry_points(group="shotgraph.ops"):
            entry.load()
        _LOADED = True
    return dict(sorted(_REGISTRY.items()))


def get_op(name: str) -> OpSpec:
    if name in _REGISTRY:
        return _REGISTRY[name]
    module = op_index().get(name)
    if module is not None:  # import just that op's module: what one command needs
        importlib.import_module(module.module)
        if name in _REGISTRY:
            return _REGISTRY[name]
    ops = load_ops()
    if name not in ops:
        close = difflib.get_close_matches(name, ops, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else f"; known ops: {', '.join(ops)}"
        raise ProjectError(f"unknown op {name!r}{hint}")
    return ops[name]


# -- models ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelRow:
    """One line of ``shotgraph models``."""

    op: str
    backend: str
    model: str
    weights: str
    present: bool | None  # None: no weights needed, or the user passes a file per run
    location: str
    installed: str  # "yes" or why not (what to pip install)


def model_rows() -> list[ModelRow]:
    """Every op's backends and their models, for ``shotgraph models``: where weights come from,
    whether they are here, whether the backend's packages are installed. Nothing is loaded."""
    rows = []
    for name, spec in load_ops().items():
        for backend in spec.backends:
            missing = backend.missing()
            installed = "yes" if missing is None else missing
            statuses = list(backend.weights_check()) if backend.weights_check else []
            if not statuses:
                weights = backend.weights or "none (no model)"
                rows.append(ModelRow(name, backend.name, "-", weights, None, "", installed))
            for status in statuses:
                rows.append(ModelRow(name, backend.name, status.model, status.source, status.present,
                                     status.location, installed))
    return rows


# -- validation --------------------------------------------------------------------------------

Namer = Callable[[Loc], str]

# ops a nested step may not be: they make files, not clips, or take steps themselves
_NOT_NESTABLE = ("deliver", "edit")


def validate(spec: OpSpec, values: Mapping[str, Any], name: Namer = dotted,
             settings: Mapping[str, Any] | None = None) -> BaseModel:
    """``values`` as ``spec``'s params, or one :class:`ParamError` ``OP: FIELD: what is allowed``.

    ``name`` turns a field's location into what the user wrote (``--crf``, ``shots.a.steps[0].crf``);
    ``settings`` (project fps, width, height) fill the params the op defaults to them. Nested steps
    are validated against their own op, their fields named inside the outer one's."""
    values = dict(values)
    for param, setting in spec.project_defaults.items():
        if values.get(param) is None and settings is not None and setting in settings:
            values[param] = settings[setting]
    try:
        params = spec.params.model_validate(values)
    except ValidationError as error:
        where = tuple(error.errors(include_url=False)[0]["loc"])
        raise ParamError(f"{spec.name}: {first_problem(error, spec.params, name)}", loc=where) from None
    if spec.check is not None:
        spec.check(params)
    updates = {}
    for field_name in spec.nested_fields:
        ref = getattr(params, field_name)
        if isinstance(ref, StepRef) and ref.params is None:
            try:
                updates[field_name] = validate_step(ref, lambda loc, f=field_name: name((f, *loc)), settings)
            except ParamError as error:
                raise ParamError(f"{spec.name}: {error}", loc=(field_name, *error.loc)) from None
    return params.model_copy(update=updates) if updates else params


def validate_step(ref: StepRef, name: Namer = dotted, settings: Mapping[str, Any] | None = None) -> StepRef:
    """``ref`` with its inner op's params validated."""
    try:
        spec = get_op(ref.op)
    except UserError as error:
        raise ParamError(f"{name(('op',))}: {error}", loc=("op",)) from None
    if spec.name in _NOT_NESTABLE or spec.nested_fields:
        raise ParamError(f"{name(('op',))}: {spec.name!r} cannot be a nested step", loc=("op",))
    return ref.model_copy(update={"params": validate(spec, ref.values, name, settings)})


def python_params(name: str, options: Mapping[str, Any]) -> BaseModel:
    """For an op's Python function (``interpolate(clip, factor=2)``): ``options`` validated as op
    ``name``'s params, with its backends checked installed. One check, at the top."""
    spec = get_op(name)
    params = validate(spec, options)
    check_backends(spec, params)
    return params


# -- running -----------------------------------------------------------------------------------


def check_backends(spec: OpSpec, params: BaseModel) -> None:
    """A clear error naming what to install, before any work, when a backend the call uses is missing."""
    for backend in spec.backends_for(params):
        backend.ensure()


def run_op(spec: OpSpec, inputs: list[Clip], params: BaseModel, ctx: OpContext):
    """Run ``spec`` once its backends are known to be installed."""
    check_backends(spec, params)
    return spec.run(inputs, params, ctx)


def run_step(ref: StepRef, clip: Clip, ctx: OpContext) -> Clip:
    """A nested step run on ``clip`` (a filter), or on nothing (a source making a layer)."""
    if ref.params is None:
        ref = validate_step(ref)
    spec = get_op(ref.op)
    result = run_op(spec, [clip] if spec.kind == OpKind.FILTER else [], ref.params, ctx)
    if not isinstance(result, Clip):
        raise ParamError(f"{spec.name} does not produce a clip, so it cannot be a nested step")
    return result


def standalone_context(name: str, seed: int | None = None, work_dir: Path | str | None = None,
                       log: Callable[[str], None] = print, threads: int = 0) -> OpContext:
    """The context of an op run outside any project (a command, a Python call): files are checked
    by the rule projects use (:func:`shotgraph.media.inputs.input_file`), clip refs are video or
    image-sequence files. Without ``work_dir`` a temporary scratch folder is made; whoever keeps the
    op's result owns it (clips may read from it)."""
    from shotgraph.media.inputs import input_file
    from shotgraph.media.reader import open_video

    folder = Path(work_dir) if work_dir is not None else Path(tempfile.mkdtemp(prefix="shotgraph-"))
    folder.mkdir(parents=True, exist_ok=True)
    return OpContext(name, seed, folder, lambda ref: open_video(input_file(ref)), lambda ref: input_file(ref),
                     threads, log)
