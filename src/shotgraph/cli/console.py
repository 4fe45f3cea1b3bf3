"""The CLI's two consoles: ``out`` (stdout: what a command prints as its result, JSON, tables) and
``console`` (stderr: progress, written paths, warnings and errors), plus the progress mode the
global options chose. Output that is not a terminal is never hard-wrapped (paths and URLs stay
whole in logs and pipes)."""

from __future__ import annotations

import sys

from shotgraph.progress import Mode, Progress

_MADE: dict = {}


def _consoles():
    """Consoles on the current ``sys.stderr`` / ``sys.stdout`` (made again when those change, as
    they do under a test runner's capture)."""
    streams = (sys.stderr, sys.stdout)
    if _MADE.get("streams") != streams:
        from rich.console import Console

        def make(stream):
            terminal = stream.isatty()
            return Console(file=stream, highlight=False, soft_wrap=not terminal,
                           width=None if terminal else 10_000)

        _MADE.update(streams=streams, consoles=(make(streams[0]), make(streams[1])))
    return _MADE["consoles"]


class _Lazy:
    """A rich Console made on first use (importing rich.console costs start-up time)."""

    def __init__(self, index: int):
        self.index = index

    def __getattr__(self, name):
        return getattr(_consoles()[self.index], name)


console = _Lazy(0)
out = _Lazy(1)
progress_mode: list[Mode] = ["auto"]  # set by --quiet / --json-progress


def progress() -> Progress:
    """The progress display of the running command (on ``console``, in the chosen mode)."""
    return Progress(_consoles()[0], progress_mode[0])


def plain(text: str) -> str:
    """``text`` safe to print with markup on (messages name files and extras like shotgraph[faces])."""
    from rich.markup import escape

    return escape(text)
