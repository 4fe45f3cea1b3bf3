"""Hugging Face models from local disk only: a folder, shotgraph's models folder, or the HF cache.

Nothing is ever downloaded. A model is named by its Hub id (``Wan-AI/Wan2.1-T2V-1.3B-Diffusers``)
or by a folder path. It is looked for, in order:

1. the path itself, when it is a folder;
2. ``$SHOTGRAPH_MODELS/<family>/<org>/<name>`` (or ``.../<family>/<name>``), e.g. what
   ``hf download <id> --local-dir $SHOTGRAPH_MODELS/diffusers/<id>`` writes;
3. the local Hugging Face cache (``$HF_HOME`` / ``$HF_HUB_CACHE``), through ``huggingface_hub`` with
   ``local_files_only=True``.

A model that is nowhere gives a :class:`MissingWeightsError` naming the model id, the folder to put
it in, and the command that fetches it on a machine with internet.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from shotgraph.backends.weights import family_dir
from shotgraph.errors import MissingWeightsError

# A folder is a model when it holds one of these (a diffusers pipeline, or one transformers/diffusers model).
MARKERS = ("model_index.json", "config.json")


@contextlib.contextmanager
def offline() -> Iterator[None]:
    """Make huggingface_hub / transformers / diffusers refuse all network access inside the block."""
    names = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    saved = {name: os.environ.get(name) for name in names}
    os.environ.update({name: "1" for name in names})
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def model_folder(family: str, model_id: str) -> Path:
    """Where shotgraph expects a user-installed copy of ``model_id``."""
    return family_dir(family) / model_id


def _is_model(folder: Path) -> bool:
    return folder.is_dir() and any((folder / marker).is_file() for marker in MARKERS)


def _from_hf_cache(model_id: str) -> Path | None:
    if model_id.count("/") != 1:
        return None
    try:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError
    except ImportError:
        return None
    try:
        with offline():
            return Path(snapshot_download(model_id, local_files_only=True))
    except (LocalEntryNotFoundError, OSError, ValueError):
        return None


def hf_cache_dir() -> str:
    try:
        from huggingface_hub import constants

        return str(constants.HF_HUB_CACHE)
    except ImportError:
        return "~/.cache/huggingface/hub"


def resolve_model(model: str, family: str, what: str = "model") -> Path:
    """The local folder holding ``model`` (a Hub id or a folder path); else a MissingWeightsError."""
    given = Path(model).expanduser()
    looks_like_path = given.is_absolute() or model.startswith((".", "~")) or given.exists()
    if looks_like_path:
        if _is_model(given):
            return given
        raise MissingWeightsError(
            f"{what} folder {given} does not exist or holds no {' / '.join(MARKERS)}; "
            f"it must be a folder as written by save_pretrained or downloaded from the Hub")
    wanted = model_folder(family, model)
    for candidate in (wanted, family_dir(family) / model.split("/")[-1]):
        if _is_model(candidate):
            return candidate
    cached = _from_hf_cache(model)
    if cached is not None and _is_model(cached):
        return cached
    raise MissingWeightsError(
        f"{what} {model!r} is not installed: put it in {wanted}/ (hf download {model} --local-dir {wanted}, "
        f"on a machine with internet) or in the Hugging Face cache ({hf_cache_dir()}), or pass a folder path; "
        f"shotgraph never downloads weights")
