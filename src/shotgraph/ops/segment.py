"""Segment: a mask from a click, a box or a colour, carried through the whole shot.

Backends (``backend``):

- ``grabcut`` (default, offline, CPU): GrabCut from the box / clicks on each prompted frame, then
  propagated forwards and backwards along optical flow, corrected on every frame (``refine``:
  GrabCut or a colour model), re-anchored on every prompted frame;
- ``chroma``: chroma / colour key with spill suppression, on every frame (no prompt needed; a
  background click ``x,y:0`` picks the key colour, else ``key_colour`` or the frame border's);
- ``selfie``: person matte from mediapipe 0.10.21's selfie segmentation model (ships in the wheel;
  extra ``mediapipe``), on every frame;
- ``sam``: Segment Anything (transformers) on the prompted frames, propagated like ``grabcut``;
- ``sam2``: the SAM 2 video predictor for both the prompted frames and the propagation.

``output`` picks what the step produces: the hard ``mask`` (grey: white inside), a soft ``matte``
(edge-aware, for compositing) or the RGBA ``cutout``. Masks follow :mod:`shotgraph.masks`'s
convention, so any of the three can be the ``mask`` of ``masked``, ``inpaint`` and friends.
"""

from __future__ import annotations

import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.backends.mediapipe.selfie import SELFIE
from shotgraph.backends.opencv import CHROMA, GRABCUT
from shotgraph.backends.sam import SAM
from shotgraph.backends.sam2 import SAM2
from shotgraph.clip import Clip, MapClip
from shotgraph.errors import ParamError
from shotgraph.masks import binary, grey_frame
from shotgraph.masks.keying import estimate_key_colour, key_matte, suppress_spill
from shotgraph.masks.matte import cutout, edge_aware_matte
from shotgraph.masks.prompts import Prompt, check_against, gather
from shotgraph.masks.propagate import FlowPreset, PropagationSettings, Refine, propagate
from shotgraph.masks.store import MaskStore
from shotgraph.ops.registry import OpKind, backend_names, op, python_params
from shotgraph.params import Colour, colour_rgba

BACKENDS = (GRABCUT, CHROMA, SELFIE, SAM, SAM2)
BackendName = backend_names(BACKENDS)
Output = Literal["mask", "matte", "cutout"]
Progress = Callable[[int, int], None]

PROMPTED = ("grabcut", "sam", "sam2")


class SegmentParams(BaseModel):
    """Prompts come as ``prompts`` (structured) and/or ``box`` / ``point`` strings (as on the CLI)."""

    model_config = ConfigDict(extra="forbid")

    backend: BackendName = Field("grabcut", description="grabcut | chroma | selfie | sam | sam2")
    output: Output = Field("mask", description="mask (hard, grey) | matte (soft, grey) | cutout (RGBA)")
    prompts: list[Prompt] = Field(default_factory=list, description="[{frame, box: [x0,y0,x1,y1], points: [{x, y, label}]}]")
    box: list[str] = Field(default_factory=list, description="x0,y0,x1,y1 in pixels, optionally @frame (10,20,200,180@48)")
    point: list[str] = Field(default_factory=list, description="x,y or x,y:label, optionally @frame; label 1 object (default), 0 background")
    frame: int = Field(0, ge=0, description="frame the --box/--point prompts are on, unless they say @frame")
    refine: Refine = Field("grabcut", description="per-frame correction while propagating: grabcut | colour | none")
    flow: FlowPreset = Field("medium", description="optical flow quality for propagation: fast | medium")
    matte_radius: int = Field(4, ge=0, le=64, description="edge-aware matte radius in pixels (0: matte = mask)")
    key_colour: Colour | None = Field(None, description="chroma: backdrop colour (default: a background click, else the frame border)")
    tolerance: float = Field(20.0, ge=0, le=255, description="chroma: chroma distance keyed out completely")
    softness: float = Field(20.0, gt=0, le=255, description="chroma: distance over which the matte ramps up")
    spill: float = Field(1.0, ge=0, le=1, description="chroma: how much of the key colour's cast to remove (cutout)")
    person_model: Literal["general", "landscape"] = Field("general", description="selfie: model")
    weights: str | None = Field(None, description="sam / sam2: model folder or checkpoint path (default: the models folder)")
    sam2_model: Literal["tiny", "small", "base_plus", "large"] = Field("tiny", description="sam2: checkpoint size")
    sam2_overrides: list[str] = Field(default_factory=list, description="sam2: hydra config overrides for custom checkpoints")

    @model_validator(mode="after")
    def _prompts_fit_backend(self):
        prompts = self.all_prompts()
        if self.backend in PROMPTED and not prompts:
            raise ValueError(f"the {self.backend} backend needs a prompt: a box (x0,y0,x1,y1) or points (x,y)")
        if self.backend == "selfie" and prompts:
            raise ValueError("the selfie backend finds people by itself: remove the box / points")
        if self.backend == "chroma" and any(p.box or p.positive for p in prompts):
            raise ValueError("the chroma backend takes only background clicks (x,y:0) to pick the key colour")
        return self

    def all_prompts(self) -> list[Prompt]:
        return gather(self.prompts, self.box, self.point, self.frame)


class Segmentation:
    """One segmentation of a clip; its masks are computed once and give mask, matte and cutout clips."""

    def __init__(self, clip: Clip, params: SegmentParams, work_dir: Path | None = None):
        self.clip, self.params = clip, params
        v = clip.video
        self.prompts = params.all_prompts()
        check_against(self.prompts, v.width, v.height, v.n_frames, "segment")
        if work_dir is None:
            self._temp = tempfile.TemporaryDirectory(prefix="shotgraph-segment-")  # removed with this object
            work_dir = Path(self._temp.name)
        self.store = MaskStore(Path(work_dir) / f"masks-{uuid.uuid4().hex[:8]}", v.width, v.height, v.n_frames)
        self._computed = False
        self._lock = threading.Lock()
        self._per_frame = self._per_frame_matte() if params.backend in ("chroma", "selfie") else None

    # -- computing ---------------------------------------------------------------------------
    def compute(self, on_frame: Progress | None = None) -> None:
        """Segment every frame (prompted backends); per-frame backends compute lazily instead."""
        with self._lock:
            if self._computed or self._per_frame is not None:
                return
            p = self.params
            if p.backend == "sam2":
                from shotgraph.backends.sam2.video import Sam2VideoTracker

                Sam2VideoTracker(p.sam2_model, p.weights, p.sam2_overrides).track(self.clip, self.prompts, self.store, on_frame)
            else:
                anchors = self._anchor_masks()
                propagate(self.clip, anchors, self.store, PropagationSettings(refine=p.refine, flow=p.flow), on_frame)
            self._computed = True

    def _anchor_masks(self) -> dict[int, np.ndarray]:
        if self.params.backend == "sam":
            from shotgraph.backends.sam.image import SamSegmenter

            segmenter = SamSegmenter(self.params.weights)
            return {p.frame: segmenter.mask(self.clip.frame_at(p.frame), p) for p in self.prompts}
        from shotgraph.masks import grabcut

        anchors = {}
        for prompt in self.prompts:
            mask = grabcut.mask_from_prompt(self.clip.frame_at(prompt.frame), prompt)
            if not mask.any():
                raise ParamError(f"segment: GrabCut found no object for the prompt on frame {prompt.frame}; "
                                 "give a box around the object, or more clicks on it")
            anchors[prompt.frame] = mask
        return anchors

    def _per_frame_matte(self) -> Callable[[np.ndarray], np.ndarray]:
        p = self.params
        if p.backend == "selfie":
            from shotgraph.backends.mediapipe.selfie import SelfieSegmenter

            segmenter = SelfieSegmenter(p.person_model)
            return segmenter.matte
        self.key_rgb = self._key_colour()
        return lambda frame: key_matte(frame, self.key_rgb, p.tolerance, p.softness)

    def _key_colour(self) -> tuple[int, int, int]:
        p = self.params
        if p.key_colour is not None:
            return colour_rgba(p.key_colour)[:3]
        clicks = [(prompt.frame, point) for prompt in self.prompts for point in prompt.negative]
        if clicks:
            frame = self.clip.frame_at(clicks[0][0])
            x, y = int(clicks[0][1].x), int(clicks[0][1].y)
            patch = frame[max(0, y - 2) : y + 3, max(0, x - 2) : x + 3, :3].reshape(-1, 3)
            return tuple(int(v) for v in np.median(patch, axis=0))
        return estimate_key_colour(self.clip.frame_at(0))

    def soft(self, frame: np.ndarray, index: int) -> np.ndarray:
        """Frame ``index``'s soft mask (uint8)."""
        if self._per_frame is not None:
            return self._per_frame(frame)
        self.compute()
        return self.store.get(index)

    # -- outputs -------------------------------------------------------------------------------
    def _matte(self, frame: np.ndarray, index: int) -> np.ndarray:
        soft = self.soft(frame, index)
        if self.params.backend == "chroma":
            return soft  # the key's own ramp is the matte
        return edge_aware_matte(frame, binary(soft), self.params.matte_radius)

    def _cutout_colour(self, frame: np.ndarray) -> np.ndarray:
        if self.params.backend == "chroma":
            return suppress_spill(frame, self.key_rgb, self.params.spill)
        return frame[..., :3]

    def output(self, kind: Output) -> Clip:
        """The ``mask``, ``matte`` or ``cutout`` clip (lazy; frames stream from the source)."""
        if kind == "mask":
            return MapClip(self.clip, lambda frame, i: grey_frame(binary(self.soft(frame, i))), replace(self.clip.video, alpha=False),
                           name=f"{self.clip.name} mask")
        if kind == "matte":
            return MapClip(self.clip, lambda frame, i: grey_frame(self._matte(frame, i)), replace(self.clip.video, alpha=False),
                           name=f"{self.clip.name} matte")
        return MapClip(self.clip, lambda frame, i: cutout(self._cutout_colour(frame), self._matte(frame, i)),
                       replace(self.clip.video, alpha=True), name=f"{self.clip.name} cutout")


def segment(clip: Clip, output: Output = "mask", work_dir: Path | None = None, **options) -> Clip:
    """Segment ``clip`` and return its mask, matte or cutout; ``options`` as :class:`SegmentParams`
    (checked here, once).

    ``segment(clip, box=["40,30,200,180"])`` masks the object in that box on frame 0 through the
    whole clip; ``segment(clip, backend="chroma", output="cutout")`` keys a green screen.
    """
    params = python_params("segment", {**options, "output": output})
    return Segmentation(clip, params, work_dir).output(params.output)


@op("segment", version=1, params=SegmentParams, kind=OpKind.FILTER, backends=BACKENDS,
    summary="Mask an object from a box/clicks/colour through the whole shot: mask, matte or RGBA cut-out.")
def _run(inputs, params: SegmentParams, ctx):
    return Segmentation(inputs[0], params, ctx.work_dir).output(params.output)
