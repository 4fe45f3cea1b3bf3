"""Loading torch checkpoints that users bring: plain state dicts, DataParallel ``module.`` prefixes,
and one clear error (naming the file) when a file is not the network it should be."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from shotgraph.errors import BackendUnavailableError, ParamError


def require_torch(backend: str):
    """The torch module, or a clear error naming the extra to install."""
    try:
        import torch
    except ImportError:
        raise BackendUnavailableError(f"the {backend} backend needs torch: pip install 'shotgraph[torch]'") from None
    return torch


def read_state_dict(path: Path, family: str) -> dict:
    """The tensors of a checkpoint file, with a DataParallel ``module.`` prefix removed."""
    import torch

    try:
        data = torch.load(str(path), map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch raises many types for a bad file
        raise ParamError(f"{path}: cannot read it as a {family} checkpoint ({type(error).__name__}: {error})") from None
    for wrapper in ("state_dict", "model", "params"):
        if isinstance(data, Mapping) and wrapper in data and isinstance(data[wrapper], Mapping):
            data = data[wrapper]
    if not isinstance(data, Mapping) or not data:
        raise ParamError(f"{path}: not a {family} checkpoint (no state dict inside)")
    if all(key.startswith("module.") for key in data):
        data = {key[len("module."):]: value for key, value in data.items()}
    return dict(data)


def load_strict(model, state: dict, path: Path, family: str, ignore_prefixes: Iterable[str] = ()) -> None:
    """Load ``state`` into ``model`` requiring every key to match; a clear error if not."""
    ignore = tuple(ignore_prefixes)
    state = {k: v for k, v in state.items() if not (ignore and k.startswith(ignore))}
    expected = model.state_dict()
    missing = [k for k in expected if k not in state]
    unexpected = [k for k in state if k not in expected]
    wrong = [k for k in expected if k in state and tuple(state[k].shape) != tuple(expected[k].shape)]
    if missing or unexpected or wrong:
        details = []
        if missing:
            details.append(f"{len(missing)} missing (e.g. {missing[0]})")
        if unexpected:
            details.append(f"{len(unexpected)} unexpected (e.g. {unexpected[0]})")
        if wrong:
            details.append(f"{len(wrong)} of another shape (e.g. {wrong[0]})")
        raise ParamError(f"{path}: not a {family} checkpoint this version of shotgraph knows: keys "
                         + ", ".join(details))
    model.load_state_dict(state, strict=True)
