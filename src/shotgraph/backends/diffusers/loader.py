"""Loading diffusers pipelines offline, placing them on a device, and the memory savers.

Weights come only from local folders (see :mod:`shotgraph.backends.hf_local`); loading runs with
``HF_HUB_OFFLINE=1`` and ``local_files_only=True`` so nothing can reach the network. The last
loaded pipeline is kept for the life of the process: a long shot calls it once per segment, and a
second pipeline class on the same weights (LTX image-to-video after text-to-video, AnimateDiff with a
ControlNet) is derived from it with ``from_pipe`` instead of loading the weights again.

Seeds go to a CPU ``torch.Generator``: the initial noise is then drawn on the CPU whatever device
runs the model, so a seed means the same noise on every machine.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shotgraph.backends.diffusers.family import Component
from shotgraph.backends.torch_compat import prepare
from shotgraph.backends.hf_local import offline, resolve_model
from shotgraph.generation.video import Log
from shotgraph.errors import MissingWeightsError, ParamError

FAMILY_DIR = "diffusers"  # $SHOTGRAPH_MODELS/diffusers/<org>/<name>

Offload = Literal["none", "model", "sequential"]
Device = Literal["auto", "cpu", "cuda", "mps"]
DType = Literal["auto", "float32", "float16", "bfloat16"]


@dataclass(frozen=True)
class LoadOptions:
    """How to load and run a pipeline: device, precision and the memory savers.

    ``vae_tiling`` decodes the picture in overlapping tiles and ``vae_slicing`` one sample at a time
    (peak memory of decoding falls, output barely changes); ``cpu_offload`` keeps weights in RAM and
    moves each model (``model``) or each layer (``sequential``: slowest, least memory) to the GPU only
    while it runs. Offload is meaningless without a GPU and is skipped (and said so) on CPU.
    """

    device: Device = "auto"
    dtype: DType = "auto"
    cpu_offload: Offload = "none"
    vae_tiling: bool = False
    vae_slicing: bool = False
    threads: int = 0
    components: tuple[tuple[str, str], ...] = ()  # (component name, model id or folder) chosen by the user


def torch_device(device: Device) -> str:
    import torch

    if device != "auto":
        if device == "cuda" and not torch.cuda.is_available():
            raise ParamError("device 'cuda' was asked for but torch sees no CUDA GPU here")
        return device
    if torch.cuda.is_available():
        return "cuda"
    mps = getattr(torch.backends, "mps", None)
    return "mps" if mps is not None and mps.is_available() else "cpu"


def torch_dtype(dtype: DType, device: str, gpu_default: str):
    """``auto``: float32 on CPU (half precision is slow and inexact there), else the family's choice."""
    import torch

    name = dtype if dtype != "auto" else ("float32" if device == "cpu" else gpu_default)
    return getattr(torch, name)


def cpu_generator(seed: int):
    import torch

    return torch.Generator("cpu").manual_seed(int(seed))


def model_index(folder: Path) -> dict:
    path = folder / "model_index.json"
    return json.loads(path.read_text()) if path.is_file() else {}


_LOCK = threading.RLock()
_BASE: dict = {}  # {"key": ..., "pipes": {class name: pipeline}}


def quiet() -> None:
    """No per-step progress bars or load chatter: shotgraph reports progress itself."""
    prepare()
    import diffusers
    import transformers

    for library in (diffusers, transformers):
        library.utils.logging.set_verbosity_error()
        library.utils.logging.disable_progress_bar()


def _diffusers_class(name: str):
    prepare()
    import diffusers

    cls = getattr(diffusers, name, None)
    if cls is None:
        raise MissingWeightsError(f"this diffusers ({diffusers.__version__}) has no {name}; upgrade diffusers")
    return cls


def _load_component(cls_name: str, model: str, what: str, dtype):
    folder = resolve_model(model, FAMILY_DIR, what)
    with offline():
        try:
            return _diffusers_class(cls_name).from_pretrained(folder, local_files_only=True, dtype=dtype)
        except (OSError, ValueError) as error:
            raise MissingWeightsError(f"{what} {model!r} in {folder} could not be loaded: {error}") from None


def load_pipeline(cls_name: str, model: str, what: str, options: LoadOptions, gpu_dtype: str = "bfloat16",
                  configure=None, log: Log = print,
                  components: tuple[Component, ...] = ()):
    """The pipeline ``cls_name`` on the weights ``model`` (Hub id or folder), loaded offline and placed.
    ``what`` names it in errors ("wan text-to-video model").

    ``components`` are models joined to it from their own folders (a motion adapter, a ControlNet):
    the user's choice in ``options.components`` wins; else the pipeline folder's own copy, if it
    has one; else the component's default model.
    """
    import torch

    quiet()
    folder = resolve_model(model, FAMILY_DIR, what)
    device = torch_device(options.device)
    dtype = torch_dtype(options.dtype, device, gpu_dtype)
    if options.threads > 0:
        torch.set_num_threads(options.threads)
    chosen, index = dict(options.components), model_index(folder)
    extra = {c.name: (c.cls, chosen.get(c.name) or c.model) for c in components
             if chosen.get(c.name) or c.name not in index}
    key = (str(folder.resolve()), tuple(sorted(extra.items())), str(dtype), device, options.cpu_offload)
    with _LOCK:
        if _BASE.get("key") != key:
            _BASE.clear()  # one set of weights in memory at a time
            loaded = {name: _load_component(cls, value, name.replace("_", " "), dtype)
                      for name, (cls, value) in extra.items()}
            log(f"loading {cls_name} from {folder} ({str(dtype).removeprefix('torch.')}, {device})")
            with offline():
                try:
                    pipe = _diffusers_class(cls_name).from_pretrained(
                        folder, local_files_only=True, dtype=dtype, **loaded)
                except (OSError, ValueError) as error:
                    raise MissingWeightsError(f"{what} {model!r} in {folder} could not be loaded: {error}") from None
            _finish(pipe, device, options, configure, log)
            _BASE.update(key=key, pipes={cls_name: pipe}, first=pipe, components=loaded)
        pipes = _BASE["pipes"]
        if cls_name not in pipes:
            # same weights, another task (image-to-video after text-to-video): share the modules
            pipe = _diffusers_class(cls_name).from_pipe(_BASE["first"], **_BASE["components"])
            _finish(pipe, device, options, configure, log)
            pipes[cls_name] = pipe
        pipe = pipes[cls_name]
        apply_memory_savers(pipe, options)
        return pipe


def _finish(pipe, device: str, options: LoadOptions, configure, log: Log) -> None:
    pipe.set_progress_bar_config(disable=True)
    if configure is not None:
        configure(pipe)
    if options.cpu_offload != "none" and device != "cpu":
        if options.cpu_offload == "model":
            pipe.enable_model_cpu_offload(device=device)
        else:
            pipe.enable_sequential_cpu_offload(device=device)
        return
    if options.cpu_offload != "none":
        log(f"cpu_offload={options.cpu_offload} skipped: the model already runs on the CPU")
    pipe.to(device)


def apply_memory_savers(pipe, options: LoadOptions) -> None:
    vae = getattr(pipe, "vae", None)
    for wanted, on, off, name in ((options.vae_tiling, "enable_tiling", "disable_tiling", "vae_tiling"),
                                  (options.vae_slicing, "enable_slicing", "disable_slicing", "vae_slicing")):
        method = getattr(vae, on if wanted else off, None)
        if method is None:
            if wanted:
                raise ParamError(f"{name}: the VAE of {type(pipe).__name__} cannot do it")
            continue
        try:
            method()
        except NotImplementedError:
            if wanted:
                raise ParamError(f"{name}: the VAE of {type(pipe).__name__} does not support it") from None


def unload() -> None:
    """Forget the loaded pipeline (frees its memory once nothing else holds it)."""
    with _LOCK:
        _BASE.clear()
