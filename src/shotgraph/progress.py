"""Progress for long work, one helper for every command and the executor.

On a terminal: a rich bar per task (frames done / total, time left). Elsewhere (a log file, a pipe,
CI, a notebook): one plain line per task every few seconds (``name: done/total frames, fps, ETA``),
so a long job is never silent. ``quiet`` shows nothing; ``json`` writes one JSON object per line
(``{"event": "progress", "task", "done", "total", "unit", "rate", "eta"}``; ``{"event": "note", "text"}``) for tools,
a few times a second.

Updates are cheap to call on every frame: bars refresh at most ten times a second, lines at most
every ``interval`` seconds (and once when a task completes).
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

Mode = Literal["auto", "bar", "lines", "json", "quiet"]
LINE_INTERVAL = 5.0
JSON_INTERVAL = 0.25


@dataclass
class Task:
    """One thing being counted (a node's frames, an encode). ``update(done)`` as work goes on."""

    progress: "Progress"
    name: str
    total: int
    unit: str = "frames"
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    _bar: Any = None
    _last_line: float = 0.0
    _last_bar: float = 0.0

    def update(self, done: int, total: int | None = None) -> None:
        self.done = done
        if total is not None:
            self.total = total
        self.progress._update(self)

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return self.done / elapsed if elapsed > 0 else 0.0

    @property
    def eta(self) -> float | None:
        rate = self.rate
        return (self.total - self.done) / rate if rate > 0 and self.total >= self.done else None

    def describe(self) -> str:
        eta = self.eta
        left = f", {_duration(eta)} left" if eta is not None and self.done < self.total else ""
        rate = f", {self.rate:.1f} fps" if self.unit == "frames" else ""
        return f"{self.name}: {self.done}/{self.total} {self.unit}{rate}{left}"


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else f"{seconds // 60}:{seconds % 60:02d}"


class Progress:
    """Tasks shown the way ``mode`` says (``auto``: bars on a terminal, plain lines elsewhere).

    ``console`` is the rich console bars draw on (its file is where lines and JSON go; None: plain
    lines on stderr); use as a context manager around the work.
    """

    def __init__(self, console=None, mode: Mode = "auto", interval: float | None = None):
        self.console = console
        terminal = console is not None and console.is_terminal
        if mode == "auto":
            mode = "bar" if terminal else "lines"
        self.mode: Mode = "lines" if mode == "bar" and console is None else mode
        self.interval = interval if interval is not None else JSON_INTERVAL if self.mode == "json" else LINE_INTERVAL
        self._bars = None
        self.tasks: list[Task] = []

    @property
    def stream(self) -> TextIO:
        return getattr(self.console, "file", None) or sys.stderr

    def __enter__(self) -> "Progress":
        if self.mode == "bar":
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeRemainingColumn
            from rich.progress import Progress as Bars

            self._bars = Bars(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                              TimeRemainingColumn(), console=self.console, transient=True)
            self._bars.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._bars is not None:
            self._bars.__exit__(*exc)
            self._bars = None

    def add(self, name: str, total: int, unit: str = "frames") -> Task:
        task = Task(self, name, max(0, int(total)), unit)
        self.tasks.append(task)
        if self._bars is not None:
            task._bar = self._bars.add_task(name, total=max(task.total, 1))
        return task

    def remove(self, task: Task) -> None:
        if task in self.tasks:
            self.tasks.remove(task)
        if self._bars is not None and task._bar is not None:
            self._bars.remove_task(task._bar)

    def note(self, text: str) -> None:
        """A line of its own above the bars (a finished node, a warning)."""
        if self.mode == "json":
            self._json({"event": "note", "text": text})
        elif self.mode != "quiet":
            if self._bars is not None:
                self._bars.console.print(text, markup=False, highlight=False)
            else:
                print(text, file=self.stream, flush=True)

    def _update(self, task: Task) -> None:
        now = time.monotonic()
        finished = task.done >= task.total
        if self.mode == "bar":
            if finished or now - task._last_bar >= 0.1:
                task._last_bar = now
                self._bars.update(task._bar, completed=task.done, total=max(task.total, 1))
        elif self.mode in ("lines", "json") and (finished or now - task._last_line >= self.interval):
            if self.mode == "lines" and task._last_line == 0.0 and not finished and now - task.started < self.interval:
                return  # the first line once the task has run a while: short tasks print one line
            task._last_line = now
            if self.mode == "lines":
                print(task.describe(), file=self.stream, flush=True)
            else:
                eta = task.eta
                self._json({"event": "progress", "task": task.name, "done": task.done, "total": task.total,
                            "unit": task.unit, "rate": round(task.rate, 2), "eta": None if eta is None else round(eta, 1)})

    def _json(self, event: dict) -> None:
        print(json.dumps(event), file=self.stream, flush=True)
