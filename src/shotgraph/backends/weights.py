"""Where model weights live, and the error a user sees when one is missing.

Weights the user supplies go under the models folder: ``$SHOTGRAPH_MODELS`` if set, else
``~/.cache/shotgraph/models``, one sub-folder per family (``rife/flownet.pkl``,
``wav2lip/wav2lip_gan.pth``, ...). An op param may also point at a file directly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path

from shotgraph.backends.base import WeightsStatus
from shotgraph.errors import BackendUnavailableError, MissingWeightsError


def models_dir() -> Path:
    env = os.environ.get("SHOTGRAPH_MODELS")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "shotgraph" / "models"


def family_dir(family: str) -> Path:
    return models_dir() / family


def find_weights(
    family: str,
    filenames: Sequence[str],
    source: str,
    explicit: str | Path | None = None,
) -> Path:
    """The first existing weights file for ``family``; else a MissingWeightsError.

    ``explicit`` (a path the user gave) wins and must exist. ``filenames`` are the names looked
    for in the family folder; ``source`` says where to get them (URL or project page).
    """
    if explicit is not None:
        path = Path(explicit).expanduser()
        if path.exists():
            return path
        raise MissingWeightsError(f"{family} weights not found at {path}; download them from {source}")
    folder = family_dir(family)
    for name in filenames:
        candidate = folder / name
        if candidate.exists():
            return candidate
    wanted = filenames[0] if len(filenames) == 1 else " or ".join(filenames)
    raise MissingWeightsError(
        f"{family} weights are not installed: download {wanted} from {source} and put it in {folder}/ "
        f"(or set SHOTGRAPH_MODELS, or pass the file's path)"
    )


def weights_status(family: str, filenames: Sequence[str]) -> tuple[bool, Path]:
    """Whether any of ``filenames`` is present in the family folder, and that folder."""
    folder = family_dir(family)
    return any((folder / name).exists() for name in filenames), folder


def family_weights(family: str, models: Sequence[tuple[str, Sequence[str]]], source: str) -> list[WeightsStatus]:
    """``WeightsStatus`` rows for user-supplied weights kept in a family folder, for
    ``Backend(weights_check=...)``: ``models`` pairs a model name with the file names it may have."""
    rows = []
    for model, filenames in models:
        present, folder = weights_status(family, filenames)
        found = next((folder / name for name in filenames if (folder / name).exists()), folder / filenames[0])
        rows.append(WeightsStatus(model, source, present, str(found)))
    return rows


def installed(*resolvers: Callable[[], Path | Sequence[Path]]) -> list[Path]:
    """The weights that ``resolvers`` find, skipping the ones not installed (the run itself then
    fails with their clear error). For an op's ``weights`` hook, which feeds the cache key."""
    found: list[Path] = []
    for resolve in resolvers:
        try:
            result = resolve()
        except (MissingWeightsError, BackendUnavailableError):
            continue
        found.extend([result] if isinstance(result, Path) else result)
    return found


def folder_checkpoint(family: str, filenames: Sequence[str], source: str, field: str = "weights"):
    """A ``Backend.locate`` for a family whose checkpoint the params may name (``field``): the models
    folder's file when they name none (a file given as a param is hashed by content with the other
    file inputs)."""

    def locate(params) -> list[Path]:
        if getattr(params, field, None):
            return []
        return installed(lambda: find_weights(family, filenames, source))

    return locate
