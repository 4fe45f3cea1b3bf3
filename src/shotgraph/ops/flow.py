"""The ``flow`` op: optical flow of a video as colour-wheel pictures, ``.flo`` files or 16-bit PNGs.

Frame ``k`` of the result shows the motion from source frame ``k`` to ``k + 1`` (the last frame,
which has no successor, is white: no motion). Files are written one per frame pair:
``flow_00000.flo`` (or ``flow_00000_dx.png`` + ``_dy.png``) holds the flow 0→1, and with
``backward`` also ``back_00001.flo``, the flow 1→0. The functions themselves live in
:mod:`shotgraph.flow` (``compute_flow``, ``warp``, ``consistency_mask``...) for other code to use,
the estimators in :mod:`shotgraph.backends.flow`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.backends.flow import FLOW_BACKENDS, make_flow_estimator
from shotgraph.clip import Clip
from shotgraph.flow.estimate import FlowEstimator, FlowPreset
from shotgraph.flow.io import write_flo, write_flow_png16
from shotgraph.flow.visualise import flow_to_rgb
from shotgraph.flow.warp import resize_flow
from shotgraph.ops.registry import OpKind, backend_names, op
from shotgraph.params import FileRef, renamed

FlowFormat = Literal["picture", "flo", "png16"]
DEFAULT_SATURATION = 0.02  # of the frame diagonal: the speed shown at full colour by default
FlowBackend = backend_names(FLOW_BACKENDS)


class FlowParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    _earlier_spelling = renamed({"method": "backend"})  # project files of earlier versions

    backend: FlowBackend = Field("dis", description="dis | farneback | raft")
    preset: FlowPreset = Field("medium", description="ultrafast | fast | medium | fine (raft: iterations)")
    scale: float = Field(1.0, gt=0.05, le=1.0, description="working resolution, as a fraction of the frame size")
    weights: FileRef | None = Field(None, description="RAFT checkpoint (default: the models folder)")
    format: FlowFormat = Field("picture", description="picture (colour wheel video) | flo | png16 (files)")
    max_motion: float | None = Field(None, gt=0, description="pixels of motion shown at full colour "
                                     "(default 2% of the frame diagonal)")
    backward: bool = Field(False, description="files: also write the backward flow of each pair")


def pair_flows(clip: Clip, estimator: FlowEstimator, start: int = 0, stop: int | None = None,
               backward: bool = False) -> Iterator[tuple[int, np.ndarray, np.ndarray | None]]:
    """``(k, flow k→k+1, flow k+1→k or None)`` for consecutive frames ``start..stop-1`` of ``clip``;
    each frame is decoded and prepared once."""
    stop = clip.n_frames if stop is None else stop
    previous = None
    for index, frame in enumerate(clip.frames(start, min(stop + 1, clip.n_frames)), start):
        prepared = estimator.prepare(frame)
        if previous is not None:
            forward = estimator.estimate(previous, prepared)
            back = estimator.estimate(prepared, previous) if backward else None
            yield index - 1, forward, back
        previous = prepared


class FlowPictureClip(Clip):
    """Colour-wheel pictures of the forward flow of each frame (see the module docstring)."""

    def __init__(self, source: Clip, estimator: FlowEstimator, max_motion: float | None = None):
        from dataclasses import replace

        super().__init__(replace(source.video, alpha=False), source.audio, source.name)
        self.source = source
        self.estimator = estimator
        width, height = source.video.width, source.video.height
        self.max_motion = max_motion or DEFAULT_SATURATION * math.hypot(width, height)

    def _frames(self, start, stop):
        width, height = self.video.width, self.video.height
        for _, forward, _ in pair_flows(self.source, self.estimator, start, stop):
            yield flow_to_rgb(resize_flow(forward, width, height), self.max_motion)
        if stop == self.n_frames:
            yield np.full((height, width, 3), 255, np.uint8)

    def _audio(self, start, stop):
        return self.source.audio_samples(start, stop)


def flow_pictures(clip: Clip, backend: str = "dis", preset: FlowPreset = "medium", scale: float = 1.0,
                  weights=None, max_motion: float | None = None, threads: int = 0) -> Clip:
    """``clip``'s motion as a colour-wheel video of the same length (audio kept)."""
    return FlowPictureClip(clip, make_flow_estimator(backend, preset, scale, weights, threads), max_motion)


def export_flow(clip: Clip, folder: Path, format: Literal["flo", "png16"] = "flo", backend: str = "dis",
                preset: FlowPreset = "medium", scale: float = 1.0, weights=None, backward: bool = False,
                threads: int = 0, on_frame: Callable[[int], None] | None = None) -> list[str]:
    """Write the flow of every consecutive frame pair of ``clip`` into ``folder``; returns the
    file names (see the module docstring for the naming)."""
    estimator = make_flow_estimator(backend, preset, scale, weights, threads)
    width, height = clip.video.width, clip.video.height
    folder.mkdir(parents=True, exist_ok=True)
    names: list[str] = []

    def save(stem: str, flow: np.ndarray) -> None:
        flow = resize_flow(flow, width, height)
        if format == "flo":
            names.append(write_flo(folder / f"{stem}.flo", flow).name)
        else:
            names.extend(p.name for p in write_flow_png16(folder / stem, flow))

    for k, forward, back in pair_flows(clip, estimator, backward=backward):
        save(f"flow_{k:05d}", forward)
        if back is not None:
            save(f"back_{k + 1:05d}", back)
        if on_frame:
            on_frame(k + 1)
    return names


@dataclass
class FlowFiles:
    """The flow files of a clip, as a node result (no clip to read downstream)."""

    clip: Clip
    params: FlowParams
    weights: Path | None
    threads: int = 0
    clip_file = None

    @property
    def total_frames(self) -> int:
        return max(0, self.clip.n_frames - 1)

    def write(self, folder: Path, on_frame=None) -> list[str]:
        p = self.params
        return export_flow(self.clip, folder, p.format, p.backend, p.preset, p.scale, self.weights, p.backward,
                           self.threads, on_frame)


@op("flow", version=1, params=FlowParams, kind=OpKind.FILTER, backends=FLOW_BACKENDS,
    summary="Optical flow of a video: colour-wheel pictures, or .flo / 16-bit PNG files.")
def _run(inputs, params: FlowParams, ctx):
    weights = ctx.file(params.weights) if params.weights else None
    if params.format == "picture":
        return flow_pictures(inputs[0], params.backend, params.preset, params.scale, weights, params.max_motion,
                             ctx.threads)
    return FlowFiles(inputs[0], params, weights, ctx.threads)
