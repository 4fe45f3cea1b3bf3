"""Frames for encoders: ``av.VideoFrame`` objects in the encoder's pixel format.

:meth:`shotgraph.clip.Clip.encoder_frames` asks a clip for frames straight from its decoder
(:meth:`~shotgraph.clip.Clip.direct_frames`) and converts RGB arrays with :func:`to_video_frame`
only where pixels were computed. Untouched video then goes YUV -> YUV in one swscale pass, as in ffmpeg, instead of
YUV -> RGB -> YUV.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import av
import numpy as np
from av.video.reformatter import Interpolation

from shotgraph.media.colour import has_alpha

SWS_THREADS = os.cpu_count() or 1


@dataclass(frozen=True)
class FrameTarget:
    """What a consumer wants from :meth:`Clip.direct_frames`.

    ``pix_fmt`` None asks for RGB(A) uint8 arrays (like :meth:`Clip.frames`), otherwise for
    ``av.VideoFrame`` objects in that encoder pixel format (BT.709; limited range unless
    ``full_range``). ``size`` asks for frames scaled to ``(width, height)`` (None: the clip's own
    size), with the swscale filter ``interpolation``. Clips that only pass frames along forward
    the request; clips that compute pixels decline it (or, for ``size=None``, convert their own).
    """

    pix_fmt: str | None = None
    full_range: bool = False
    size: tuple[int, int] | None = None
    interpolation: str = "BICUBIC"


def to_video_frame(array: np.ndarray, target: FrameTarget) -> av.VideoFrame:
    """An RGB(A) uint8 array as an ``av.VideoFrame`` in ``target.pix_fmt`` (BT.709 for YUV)."""
    pix_fmt = target.pix_fmt
    needs_alpha = has_alpha(pix_fmt)
    if array.shape[2] == 4 and not needs_alpha:
        array = flatten_alpha(array)
    elif array.shape[2] == 3 and needs_alpha:
        array = np.dstack([array, np.full(array.shape[:2], 255, np.uint8)])
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(array), format="rgba" if array.shape[2] == 4 else "rgb24")
    if pix_fmt.startswith("yuv"):
        # ACCURATE_RND halves the worst colour error (3 -> 2 levels on a chart) for ~10% time.
        return frame.reformat(
            format=pix_fmt,
            dst_colorspace="ITU709",
            dst_color_range="JPEG" if target.full_range else "MPEG",
            interpolation=Interpolation.BILINEAR | Interpolation.ACCURATE_RND,
            threads=SWS_THREADS,
        )
    return frame.reformat(format=pix_fmt)


def video_frame_to_array(frame: av.VideoFrame, target: FrameTarget) -> np.ndarray:
    """An encoder-format frame made by :func:`to_video_frame` (or a decoder) back as RGB pixels."""
    if not target.pix_fmt.startswith("yuv"):
        return frame.to_ndarray(format="rgb24")
    return frame.to_ndarray(format="rgb24", src_colorspace="ITU709",
                            src_color_range="JPEG" if target.full_range else "MPEG", dst_color_range="JPEG")


def flatten_alpha(rgba: np.ndarray) -> np.ndarray:
    """Composite over black for formats without alpha."""
    alpha = rgba[..., 3:4].astype(np.uint16)
    return ((rgba[..., :3].astype(np.uint16) * alpha + 127) // 255).astype(np.uint8)
