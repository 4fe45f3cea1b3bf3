"""Masked: apply any op only inside (or outside) a mask, with a feathered edge.

::

    - op: masked
      mask: hero_mask            # a shot / asset / file read as a mask (alpha, else grey level)
      where: outside
      feather: 8                 # pixels of soft edge
      apply: {op: blur, radius: 12}

``apply`` is a step like any other: a filter op (``blur``, ``grade``, ``denoise``, ``resize``...)
runs on the shot and its result shows only where the mask says; a source op (``still`` an image,
``concat`` of another shot) is a layer that replaces those pixels, which is how a background is
swapped (see also the ``background`` op). On the command line ``--apply`` takes the same step as
YAML: ``--apply "{op: blur, radius: 12}"``. In a project the applied step is a node of its own
(``shots.NAME.steps[i].apply``), so its op, version, params, seed and weights are in the key.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from shotgraph.clip import Clip, RetimeClip
from shotgraph.errors import UserError
from shotgraph.masks import feather as feather_mask
from shotgraph.masks import fit_mask, grow, mask_of
from shotgraph.media.resize import resize
from shotgraph.ops.registry import OpKind, get_op, op
from shotgraph.params import ClipRef, StepRef

Where = Literal["inside", "outside"]


class MaskedParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mask: ClipRef = Field(description="the mask: a shot, asset or file (alpha if RGBA, else grey level)")
    apply: StepRef = Field(description="the step to apply, e.g. {op: blur, radius: 8}")
    where: Where = Field("inside", description="inside | outside the mask")
    feather: float = Field(0.0, ge=0, le=500, description="soft edge width in pixels")
    grow: int = Field(0, ge=-500, le=500, description="grow (>0) or shrink (<0) the mask first, in pixels")


def mask_weights(mask_frame: np.ndarray, width: int, height: int, where: Where, feather: float, grow_px: int) -> np.ndarray:
    """Per-pixel float32 weight (1 = take the applied result) from a mask frame."""
    mask = grow(fit_mask(mask_of(mask_frame), width, height), grow_px)
    weight = feather_mask(mask, feather)
    return 1.0 - weight if where == "outside" else weight


def _match_channels(frame: np.ndarray, channels: int) -> np.ndarray:
    if frame.shape[2] == channels:
        return frame
    if channels == 4:
        return np.dstack([frame, np.full(frame.shape[:2], 255, np.uint8)])
    return frame[..., :3]


def blend(base: np.ndarray, top: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """``base`` with ``top`` mixed in by ``weight`` (0..1 per pixel)."""
    top = _match_channels(top, base.shape[2])
    w = weight[..., None]
    out = base.astype(np.float32) + (top.astype(np.float32) - base.astype(np.float32)) * w
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def masked(clip: Clip, mask: Clip, layer: Clip, where: Where = "inside", feather: float = 0.0, grow_px: int = 0) -> Clip:
    """``clip`` with ``layer``'s pixels where ``mask`` says (inside or outside), edges feathered.

    ``layer`` must have ``clip``'s size and frame count (an op's result on ``clip`` does); ``mask``
    is resized to fit and may be longer than ``clip``.
    """
    v = clip.video
    if mask.n_frames < clip.n_frames:
        raise UserError(f"the mask {mask.name} has {mask.n_frames} frames, the shot {clip.name} has {clip.n_frames}: "
                        "they must cover the same frames")
    if (layer.video.width, layer.video.height, layer.n_frames) != (v.width, v.height, clip.n_frames):
        raise UserError(f"the applied step changes the shot's size or length ({layer.video.width}x{layer.video.height}, "
                        f"{layer.n_frames} frames vs {v.width}x{v.height}, {clip.n_frames}): only ops that keep them can be masked")

    class MaskedClip(Clip):
        def _frames(self, start, stop):
            for base, top, matte in zip(clip.frames(start, stop), layer.frames(start, stop), mask.frames(start, stop)):
                yield blend(base, top, mask_weights(matte, v.width, v.height, where, feather, grow_px))

        def _audio(self, start, stop):
            return clip.audio_samples(start, stop)

    return MaskedClip(v, clip.audio, f"{clip.name} masked")


def conform_layer(layer: Clip, clip: Clip) -> Clip:
    """A layer (an image, another shot) at ``clip``'s size and length: scaled to cover the frame,
    then cut to length or its last frame held."""
    v = clip.video
    if (layer.video.width, layer.video.height) != (v.width, v.height):
        layer = resize(layer, v.width, v.height, mode="crop")
    if layer.n_frames == clip.n_frames:
        return layer
    index_map = np.minimum(np.arange(clip.n_frames), layer.n_frames - 1)
    return RetimeClip(layer, index_map, v.fps)


@op("masked", version=1, params=MaskedParams, kind=OpKind.FILTER, cli_inputs=("mask",),
    summary="Apply any step only inside or outside a mask, with a feathered edge.")
def _run(inputs, params: MaskedParams, ctx):
    clip = inputs[0]
    layer = ctx.step(params.apply, clip)  # a filter's result on the shot, or a source's layer
    if get_op(params.apply.op).kind != OpKind.FILTER:
        layer = conform_layer(layer, clip)
    return masked(clip, ctx.clip(params.mask), layer, params.where, params.feather, params.grow)
