"""What every backend declares: its name, what it needs installed, and where its weights are.

A :class:`Backend` is declared once, in the module of its model family (``backends/raft``,
``backends/realesrgan.py``, ``backends/opencv.py`` for the classical methods...), and ops list the
backends they can run on. The op registry (:mod:`shotgraph.ops.registry`) picks the one a call's
params name (every op calls the field ``backend``), checks it is installed before the op runs, and
puts the weights it will load (``locate``) into the node's cache key.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shotgraph.errors import BackendUnavailableError


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
    """One way to run an op.

    - ``requires``: importable modules it needs; ``extra``: the pip extra that installs them
      (``install``: the whole hint, when the extra alone would not say enough);
    - ``weights``: where its model weights come from, in words (for ``shotgraph models``);
    - ``weights_check``: lists its models and whether their weights are here, without loading them;
    - ``locate``: the weight files (or model folders) a run with the given op params will load,
      resolved the way the backend resolves them, skipping those not installed (the run itself then
      fails with their clear error). Their fingerprints enter the cache key, so swapping a
      checkpoint recomputes.
    """

    name: str
    description: str
    requires: tuple[str, ...] = ()
    extra: str | None = None
    weights: str | None = None
    weights_check: Callable[[], Sequence[WeightsStatus]] | None = None
    locate: Callable[[Any], Sequence[Path]] | None = None
    install: str | None = None

    def missing(self) -> str | None:
        """None when usable, else why not (and what to install)."""
        absent = [module for module in self.requires if importlib.util.find_spec(module) is None]
        if not absent:
            return None
        hint = self.install or (f"pip install 'shotgraph[{self.extra}]'" if self.extra else f"pip install {' '.join(absent)}")
        return f"backend {self.name!r} needs {', '.join(absent)}: {hint}"

    def ensure(self) -> None:
        reason = self.missing()
        if reason:
            raise BackendUnavailableError(reason)

    def weight_files(self, params: Any) -> list[Path]:
        return list(self.locate(params)) if self.locate is not None else []


BUILTIN = Backend("builtin", "NumPy / OpenCV / PyAV, no model")
