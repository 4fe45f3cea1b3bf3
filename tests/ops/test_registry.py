"""The registry: ops listed without importing them, backends chosen by one field and checked before
any work, and one validation error format wherever values come from."""

from __future__ import annotations

import typing

import pytest
from cli_runner import shotgraph
from pydantic import BaseModel, ConfigDict, Field
from synthetic import indexed_clip

from shotgraph.backends.base import Backend
from shotgraph.errors import BackendUnavailableError, ParamError
from shotgraph.ops.index import op_index
from shotgraph.ops.interpolate import interpolate
from shotgraph.ops.registry import OpKind, OpSpec, backend_names, get_op, load_ops, register, run_op, \
    standalone_context, validate


def test_the_index_lists_exactly_the_registered_ops():
    ops = {name: spec for name, spec in load_ops().items() if spec.run.__module__.startswith("shotgraph.ops.")}
    index = op_index()  # (other tests register ops of their own: only the built-in ones are indexed)
    assert set(index) == set(ops)
    for name, entry in index.items():
        spec = ops[name]
        assert (entry.summary, entry.cli) == (spec.summary, spec.cli), name
        assert spec.run.__module__ == entry.module or spec.run.__module__.startswith(entry.module + "."), name


def test_every_op_with_a_choice_names_it_backend_with_exactly_its_backends():
    for name, spec in load_ops().items():
        field = spec.params.model_fields.get("backend")
        if len(spec.backends) > 1 and spec.uses is None:
            assert field is not None, name
        if field is not None:
            choices = {a for part in [field.annotation, *typing.get_args(field.annotation)]
                       if typing.get_origin(part) is typing.Literal for a in typing.get_args(part)}
            assert choices == {b.name for b in spec.backends}, name


def test_a_backend_is_checked_before_the_op_runs():
    ran = []
    missing = Backend("ghost", "needs a package that is not installed", requires=("no_such_module_xyz",), extra="ghost")

    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")
        backend: backend_names((missing,)) = Field("ghost")

    spec = register(OpSpec("test-ghost", 1, Params, lambda inputs, p, c: ran.append(1), OpKind.FILTER, "ghost (test)",
                           backends=(missing,)))
    with pytest.raises(BackendUnavailableError, match=r"'ghost' needs no_such_module_xyz: pip install 'shotgraph\[ghost\]'"):
        run_op(spec, [indexed_clip(2)], validate(spec, {}), standalone_context("test"))
    assert ran == []


def test_an_op_declaring_several_backends_needs_a_backend_field():
    class Params(BaseModel):
        model_config = ConfigDict(extra="forbid")

    two = (Backend("a", "a"), Backend("b", "b"))
    with pytest.raises(RuntimeError, match="no 'backend' field"):
        register(OpSpec("test-two", 1, Params, lambda *a: None, OpKind.FILTER, "two (test)", backends=two))


def test_one_error_format_from_python_the_command_line_and_a_project(tmp_path):
    clip = indexed_clip(4)
    with pytest.raises(ParamError) as python:
        interpolate(clip, factor=1)
    assert str(python.value) == "interpolate: factor: must be >= 2 (got 1)"
    source = tmp_path / "in.mp4"
    from shotgraph.media import write_clip

    write_clip(clip, source)
    cli = shotgraph("interpolate", source, "-o", tmp_path / "out.mp4", "--factor", "1")
    assert cli.returncode != 0 and cli.stderr.strip() == "error: interpolate: --factor: must be >= 2 (got 1)"
    (tmp_path / "p.yaml").write_text(f"shotgraph: 1\nassets: {{s: {source}}}\nshots:\n  a:\n    source: s\n"
                                     "    steps:\n      - {op: interpolate, factor: 1}\n")
    project = shotgraph("plan", tmp_path / "p.yaml")
    assert project.returncode != 0
    assert project.stderr.strip() == (f"error: {tmp_path / 'p.yaml'}:7: interpolate: shots.a.steps[0].factor: "
                                      "must be >= 2 (got 1)")
    for text in (str(python.value), cli.stderr, project.stderr):
        assert "pydantic" not in text and "Input should" not in text


def test_unknown_fields_suggest_the_near_one():
    with pytest.raises(ParamError, match=r"resize: widht: is not a known field; did you mean 'width'\?"):
        validate(get_op("resize"), {"widht": 3})
