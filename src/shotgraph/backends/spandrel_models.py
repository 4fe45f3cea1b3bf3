"""User-supplied PyTorch image models, loaded by spandrel (the ``spandrel`` extra: torch + spandrel).

spandrel recognises an architecture from a ``.pth`` / ``.safetensors`` / ``.ckpt`` state dict alone
(ESRGAN / Real-ESRGAN, SwinIR, HAT, DAT, SPAN, Compact, ... for upscaling; GFPGAN and RestoreFormer
for faces; CodeFormer too when ``spandrel-extra-arches`` is installed: note CodeFormer's weights
are under a non-commercial licence). Pickled ``.pth`` files are read with spandrel's restricted
unpickler, so a weights file cannot run code. Nothing is downloaded: the user brings the file.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from pathlib import Path

import numpy as np

from shotgraph.backends.base import Backend
from shotgraph.backends.face_detect import weights_check as face_detector_check
from shotgraph.backends.weights import family_weights, find_weights, installed
from shotgraph.errors import BackendUnavailableError, ParamError

EXTRA = "spandrel"
# face model -> (family folder, file names, where to get them)
FACE_WEIGHTS = {
    "gfpgan": ("gfpgan", ("GFPGANv1.4.pth", "GFPGANv1.3.pth"),
               "https://github.com/TencentARC/GFPGAN/releases (GFPGANv1.4.pth)"),
    "codeformer": ("codeformer", ("codeformer.pth",),
                   "https://github.com/sczhou/CodeFormer/releases (codeformer.pth; non-commercial licence)"),
    "restoreformer": ("restoreformer", ("RestoreFormer.pth",),
                      "https://github.com/TencentARC/GFPGAN/releases (RestoreFormer.pth)"),
}


def face_weights_path(model: str, weights: str | Path | None = None) -> Path:
    family, files, source = FACE_WEIGHTS[model]
    return find_weights(family, files, source, weights)


def _face_weights_check():
    rows = face_detector_check()
    for model, (family, files, source) in FACE_WEIGHTS.items():
        rows += family_weights(family, [(model, files)], source)
    return rows


SPANDREL = Backend(
    "spandrel", "any PyTorch upscaler spandrel recognises (ESRGAN, SwinIR, HAT, DAT, SPAN, ...)",
    requires=("torch", "spandrel"), extra=EXTRA,
    weights="a .pth / .safetensors file you bring, passed as weights (e.g. from openmodeldb.info)",
)
SPANDREL_FACES = Backend(
    "spandrel", "face restoration models through spandrel, on Haar-detected faces",
    requires=("torch", "spandrel"), extra=EXTRA,
    weights="GFPGAN / CodeFormer / RestoreFormer .pth you bring (see `shotgraph restore-faces --help`)",
    weights_check=_face_weights_check,
    # the models folder's file for ``model``, when no ``weights`` file is given (that one is hashed anyway)
    locate=lambda params: [] if params.weights else installed(lambda: face_weights_path(params.model)),
)
SUFFIXES = (".pth", ".safetensors", ".ckpt", ".pt")
_LOCK = threading.Lock()


def import_spandrel():
    """spandrel (and its extra architectures when installed), or a clear install hint."""
    try:
        import torch  # noqa: F401
    except ImportError:
        raise BackendUnavailableError(f"the spandrel backend needs torch: pip install 'shotgraph[{EXTRA}]'") from None
    from shotgraph.backends.torch_compat import import_torchvision

    import_torchvision()
    try:
        import spandrel
    except ImportError:
        raise BackendUnavailableError(f"the spandrel backend needs spandrel: pip install 'shotgraph[{EXTRA}]'") from None
    try:
        import spandrel_extra_arches
    except ImportError:
        pass
    else:
        _install_extra_arches(spandrel_extra_arches)
    return spandrel


@lru_cache(maxsize=1)
def _install_extra_arches(module) -> None:
    module.install(ignore_duplicates=True)


class SpandrelModel:
    """A loaded spandrel image model; ``__call__`` maps one uint8 RGB image to float32 RGB 0..1."""

    def __init__(self, path: Path, purposes: tuple[str, ...], threads: int):
        spandrel = import_spandrel()
        import torch

        if path.suffix.lower() not in SUFFIXES:
            raise ParamError(f"{path}: model weights must be {', '.join(SUFFIXES)}")
        try:
            descriptor = spandrel.ModelLoader(device="cpu").load_from_file(str(path))
        except spandrel.UnsupportedModelError:
            raise ParamError(f"{path}: spandrel does not recognise this model's architecture") from None
        except Exception as error:  # a truncated or foreign file: pickle, zip or safetensors errors
            raise ParamError(f"{path}: cannot read model weights ({type(error).__name__}: {error})") from None
        if not isinstance(descriptor, spandrel.ImageModelDescriptor) or descriptor.purpose not in purposes:
            raise ParamError(
                f"{path}: a {descriptor.architecture.name} {descriptor.purpose} model; this needs "
                f"a {' or '.join(purposes)} model"
            )
        if descriptor.input_channels != 3 or descriptor.output_channels != 3:
            raise ParamError(f"{path}: {descriptor.architecture.name} model with {descriptor.input_channels} "
                             "input channels; only RGB models are supported")
        self.path = path
        self.descriptor = descriptor.eval()
        self.scale = descriptor.scale
        self.name = descriptor.architecture.name
        self.tiling = descriptor.tiling.name  # SUPPORTED, DISCOURAGED or INTERNAL
        self.threads = max(1, threads)
        self._torch = torch

    def __call__(self, image: np.ndarray) -> np.ndarray:
        torch = self._torch
        tensor = torch.from_numpy(np.ascontiguousarray(image.transpose(2, 0, 1))).float().div_(255.0)[None]
        with _LOCK, torch.inference_mode():
            # torch's thread count is process-wide: set it for this call only.
            previous = torch.get_num_threads()
            if previous != self.threads:
                torch.set_num_threads(self.threads)
            try:
                output = self.descriptor(tensor)
            finally:
                if previous != self.threads:
                    torch.set_num_threads(previous)
        return output[0].permute(1, 2, 0).numpy().astype(np.float32, copy=False)


def load(path: Path, purposes: tuple[str, ...], threads: int) -> SpandrelModel:
    """A cached model per (file, modification time, purposes, threads)."""
    path = Path(path)
    return _load(path.resolve(), path.stat().st_mtime_ns, purposes, threads)


@lru_cache(maxsize=2)
def _load(path: Path, _mtime: int, purposes: tuple[str, ...], threads: int) -> SpandrelModel:
    return SpandrelModel(path, purposes, threads)
