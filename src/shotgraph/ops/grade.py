"""Grade: shot matching, primaries (exposure, white balance, contrast, saturation) and .cube LUTs.

Order of operations, as in a colourist's node tree: match the shot to a reference, then the
primaries, then the LUT (a show look applied last). Primaries per channel (exposure and white
balance in linear light, contrast around mid grey) fold into one 256-entry table per channel,
so they cost one ``cv2.LUT`` per frame; saturation mixes with Rec.709 luma.

Shot matching transfers colour statistics (Reinhard et al. 2001): the mean and spread of each
channel in CIE Lab, measured over frames sampled across the whole shot (one transform per shot,
so it cannot flicker), are mapped onto those of a reference shot or still.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shotgraph.clip import Clip, MapClip
from shotgraph.colour_match import colour_transfer
from shotgraph.finish.lut import lut_function
from shotgraph.media.images import read_image
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import ClipRef, FileRef

MATCH_SAMPLES = 12
REC709_LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


class GradeParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    match: ClipRef | None = Field(None, description="shot whose colour this shot is matched to")
    match_image: FileRef | None = Field(None, description="a still to match to (a style frame)")
    match_strength: float = Field(1.0, ge=0, le=1)
    exposure: float = Field(0.0, ge=-6, le=6, description="stops (+1 doubles the light)")
    temperature: float = Field(0.0, ge=-1, le=1, description="-1 cooler (blue) .. +1 warmer (orange)")
    tint: float = Field(0.0, ge=-1, le=1, description="-1 green .. +1 magenta")
    contrast: float = Field(1.0, ge=0, le=3, description="around mid grey; 1 leaves it")
    saturation: float = Field(1.0, ge=0, le=3, description="0 is black and white")
    lut: FileRef | None = Field(None, description=".cube 3D (or 1D) LUT applied last")
    lut_strength: float = Field(1.0, ge=0, le=1, description="mix of the LUT's result with its input")

    @model_validator(mode="after")
    def _one_reference(self):
        if self.match is not None and self.match_image is not None:
            raise ValueError("give match (a shot) or match_image (a still), not both")
        return self


# -- primaries -----------------------------------------------------------------------------------


def _to_linear(x: np.ndarray) -> np.ndarray:
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def _to_display(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)


def primaries_table(exposure: float = 0.0, temperature: float = 0.0, tint: float = 0.0,
                    contrast: float = 1.0) -> np.ndarray:
    """``(1, 256, 3)`` uint8 table for ``cv2.LUT``: exposure and white balance in linear light,
    then contrast around mid grey (18 % reflectance) in display terms."""
    levels = np.arange(256, dtype=np.float64) / 255.0
    gains = 2.0 ** (exposure + np.array([0.3 * temperature, -0.3 * tint, -0.3 * temperature]))
    linear = _to_linear(levels)[:, None] * gains[None, :]
    display = _to_display(linear)
    pivot = float(_to_display(np.array(0.18)))
    display = pivot + (display - pivot) * contrast
    table = np.clip(display * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return table[None, :, :]


def saturate(frame: np.ndarray, amount: float) -> np.ndarray:
    rgb = frame[..., :3].astype(np.float32)
    luma = rgb @ REC709_LUMA
    out = luma[..., None] + (rgb - luma[..., None]) * amount
    result = np.clip(out + 0.5, 0, 255).astype(np.uint8)
    return np.dstack([result, frame[..., 3]]) if frame.shape[2] == 4 else result


# -- shot matching -------------------------------------------------------------------------------


def sample_picture(clip: Clip, samples: int = MATCH_SAMPLES) -> np.ndarray:
    """Frames sampled evenly across ``clip``, shrunk and stacked into one picture: what shot
    matching measures (once per shot, so the correction cannot flicker)."""
    picks = np.unique(np.linspace(0, clip.n_frames - 1, min(samples, clip.n_frames)).round().astype(int))
    width = min(256, clip.video.width)
    height = max(1, width * clip.video.height // clip.video.width)
    return np.concatenate([cv2.resize(np.ascontiguousarray(clip.frame_at(int(i))[..., :3]), (width, height),
                                      interpolation=cv2.INTER_AREA) for i in picks])


# -- the clip function ---------------------------------------------------------------------------


def grade(clip: Clip, params: GradeParams, reference: Clip | np.ndarray | None = None,
          lut_path: Path | None = None) -> Clip:
    """``clip`` graded by ``params``; ``reference`` is the shot or still to match (if any),
    ``lut_path`` the resolved .cube file."""
    steps: list[Callable[[np.ndarray], np.ndarray]] = []
    if reference is not None and params.match_strength > 0:
        # Reinhard transfer in Lab: mean and spread of L, a, b matched to the reference's
        target = reference[..., :3] if isinstance(reference, np.ndarray) else sample_picture(reference)
        steps.append(colour_transfer(sample_picture(clip), target, "lab", params.match_strength).apply)
    if (params.exposure, params.temperature, params.tint, params.contrast) != (0.0, 0.0, 0.0, 1.0):
        table = primaries_table(params.exposure, params.temperature, params.tint, params.contrast)

        def apply_table(frame: np.ndarray) -> np.ndarray:
            rgb = cv2.LUT(np.ascontiguousarray(frame[..., :3]), table)
            return np.dstack([rgb, frame[..., 3]]) if frame.shape[2] == 4 else rgb

        steps.append(apply_table)
    if params.saturation != 1.0:
        steps.append(lambda f: saturate(f, params.saturation))
    if lut_path is not None and params.lut_strength > 0:
        apply_lut = lut_function(lut_path, clip.video.width, clip.video.height)
        if params.lut_strength >= 1.0:
            steps.append(apply_lut)
        else:
            strength = params.lut_strength
            steps.append(lambda f: cv2.addWeighted(apply_lut(f), strength, f, 1 - strength, 0.0))
    if not steps:
        return clip

    def run(frame: np.ndarray, _index: int) -> np.ndarray:
        for step in steps:
            frame = step(frame)
        return frame

    return MapClip(clip, run)


@op("grade", version=1, params=GradeParams, kind=OpKind.FILTER,
    summary="Match to a reference shot or still, exposure / white balance / contrast / saturation, .cube LUT.")
def _run(inputs, params: GradeParams, ctx):
    reference = None
    if params.match is not None:
        reference = ctx.clip(params.match)
    elif params.match_image is not None:
        reference = read_image(ctx.file(params.match_image))
    lut_path = ctx.file(params.lut) if params.lut is not None else None
    return grade(inputs[0], params, reference, lut_path)
