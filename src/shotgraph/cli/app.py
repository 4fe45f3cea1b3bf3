"""Building the ``shotgraph`` command: project commands, hand-written commands, one command per op.

The app is built in :func:`build_app` (called by :func:`shotgraph.cli.main`), never at import, and
commands are loaded lazily: ``shotgraph --help`` lists every command from cheap indexes (the op
registry's :func:`~shotgraph.ops.registry.op_index`, each command module's ``COMMANDS``) without
importing NumPy, OpenCV, PyAV or any op, and ``shotgraph resize ...`` imports only what resize needs.

A hand-written command module (``shotgraph.cli.commands.X``) declares ``COMMANDS`` (name -> one-line
help) and ``register(app)``; one that takes the place of a generated op command says so in
``REPLACES``. Any other clash of names is an error when the app is built, never a silent shadow.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass

from typer import _click as click  # typer vendors its own click: commands must be its classes
import typer
from typer.core import TyperCommand, TyperGroup

import shotgraph.cli.commands as command_modules

HELP = "AI-assisted video as one reproducible, cached graph: storyboard -> shots -> edit -> master."
# plain (click) help: rendering it with rich costs a tenth of a second on every --help
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@dataclass(frozen=True)
class LazyEntry:
    name: str
    help: str
    load: Callable[[], click.Command]


class LazyCommand(TyperCommand):
    """A command known by name and help only, until it is run (or its own --help is asked for)."""

    def __init__(self, entry: LazyEntry):
        super().__init__(entry.name, help=entry.help, short_help=entry.help)
        self.entry = entry
        self._real: click.Command | None = None

    @property
    def real(self) -> click.Command:
        if self._real is None:
            self._real = self.entry.load()
        return self._real

    def make_context(self, info_name, args, parent=None, **extra):
        return self.real.make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):
        return self.real.invoke(ctx)

    def get_params(self, ctx):
        return self.real.get_params(ctx)

    def get_help(self, ctx):
        return self.real.get_help(ctx)


class LazyGroup(TyperGroup):
    """Typer's group, plus commands that are only listed until one of them is used (the list itself
    is gathered on first need: ``--version`` never reads it)."""

    def _lazy(self) -> dict[str, LazyEntry]:
        if not hasattr(self, "_entries"):
            self._entries = lazy_entries()
            clash = set(super().list_commands(None)) & set(self._entries)
            if clash:
                raise RuntimeError(f"commands defined twice: {', '.join(sorted(clash))}")
        return self._entries

    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | set(self._lazy()))

    def get_command(self, ctx, name):
        command = super().get_command(ctx, name)
        if command is None and name in self._lazy():
            command = LazyCommand(self._lazy()[name])
        return command


def _single(register: Callable[[typer.Typer], None], name: str) -> click.Command:
    """The click command ``name`` that ``register`` adds to a Typer app."""
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, rich_markup_mode=None,
                      context_settings=CONTEXT)
    register(app)
    app.callback()(lambda: None)  # keep a group even for a single command, to look it up by name
    command = typer.main.get_group(app).commands.get(name)
    if command is None:
        raise RuntimeError(f"{register.__module__} declares the command {name!r} but does not add it")
    return command


def _op_command(name: str) -> click.Command:
    from shotgraph.cli.opcommands import make_command
    from shotgraph.ops.registry import get_op

    function = make_command(get_op(name))
    return _single(lambda app: app.command(name, help=function.__doc__)(function), name)


def lazy_entries() -> dict[str, LazyEntry]:
    """Every command loaded on use: hand-written ones first, then one per op not replaced."""
    from shotgraph.ops.index import op_index

    ops = {name: entry for name, entry in op_index().items() if entry.cli}
    entries: dict[str, LazyEntry] = {}
    for info in pkgutil.iter_modules(command_modules.__path__):
        module = importlib.import_module(f"{command_modules.__name__}.{info.name}")
        replaces = set(getattr(module, "REPLACES", ()))
        for name, help_text in module.COMMANDS.items():
            if name in entries:
                raise RuntimeError(f"two command modules define {name!r}")
            if name in ops and name not in replaces:
                raise RuntimeError(f"{module.__name__} defines {name!r}, an op's command, without REPLACES")
            entries[name] = LazyEntry(name, help_text, lambda m=module, n=name: _single(m.register, n))
    for name, entry in ops.items():
        entries.setdefault(name, LazyEntry(name, entry.summary, lambda n=name: _op_command(n)))
    return entries


def build_app() -> typer.Typer:
    from shotgraph.cli.project import register as register_project_commands

    app = typer.Typer(name="shotgraph", help=HELP, cls=LazyGroup, no_args_is_help=True,
                      pretty_exceptions_enable=False, add_completion=False, rich_markup_mode=None,
                      context_settings=CONTEXT)
    register_project_commands(app)
    return app
