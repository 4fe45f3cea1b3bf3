"""How the command is assembled: every command listed without loading it, no silent shadowing."""

from __future__ import annotations

import pytest
from cli_runner import shotgraph

import shotgraph.cli.commands.models as models_module
from shotgraph.cli import app as cli_app
from shotgraph.ops.index import op_index


def test_every_op_with_a_command_and_every_hand_written_command_is_listed():
    listed = shotgraph("--help").stdout
    for name, entry in op_index().items():
        assert f"  {name} " in listed or not entry.cli, name
    for name in ("models", "presets", "sync-check", "warping-error", "run", "plan", "cache", "camera"):
        assert f"  {name} " in listed, name


def test_a_hand_written_command_may_not_take_an_ops_name_unannounced(monkeypatch):
    monkeypatch.setattr(models_module, "COMMANDS", {**models_module.COMMANDS, "resize": "a second resize"})
    with pytest.raises(RuntimeError, match="defines 'resize', an op's command, without REPLACES"):
        cli_app.lazy_entries()
    monkeypatch.setattr(models_module, "REPLACES", ("resize",), raising=False)
    assert cli_app.lazy_entries()["resize"].help == "a second resize"


def test_each_modules_declared_commands_are_the_ones_it_adds():
    import importlib
    import pkgutil

    import typer

    import shotgraph.cli.commands as package

    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        app = typer.Typer()
        module.register(app)
        added = {c.name or c.callback.__name__.replace("_", "-") for c in app.registered_commands}
        added |= {g.name for g in app.registered_groups}
        assert added == set(module.COMMANDS), module.__name__
