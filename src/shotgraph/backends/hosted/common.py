"""What the hosted backends share: picking the service's aspect ratio, sending an image, and
turning the downloaded video into a segment at the requested size and frame rate."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np

from shotgraph.backends.video import VideoRequest
from shotgraph.clip import Clip, SliceClip


def nearest_ratio(aspect: float, ratios: dict[str, tuple[int, int]]) -> str:
    """The service ratio name whose width/height is closest to ``aspect`` (compared in log space)."""
    return min(ratios, key=lambda name: abs(np.log((ratios[name][0] / ratios[name][1]) / aspect)))


def image_data_uri(frame: np.ndarray, limit: int = 5 * 1024 * 1024) -> str:
    """A ``data:`` URI of the frame: PNG, or JPEG (quality 95) when the PNG would pass ``limit``."""
    from PIL import Image

    image = Image.fromarray(np.ascontiguousarray(frame[..., :3]))
    for fmt, options, mime in (("PNG", {}, "image/png"), ("JPEG", {"quality": 95}, "image/jpeg")):
        buffer = io.BytesIO()
        image.save(buffer, fmt, **options)
        uri = f"data:{mime};base64," + base64.b64encode(buffer.getvalue()).decode()
        if len(uri) <= limit:
            return uri
    return uri


def seconds_for(request: VideoRequest, allowed: tuple[int, ...]) -> int:
    """The shortest allowed duration that covers the request (the longest if none does)."""
    needed = request.num_frames / float(request.fps)
    return next((d for d in sorted(allowed) if d + 1e-6 >= needed), max(allowed))


def downloaded_segment(path: Path, request: VideoRequest) -> Clip:
    """The service's video read at the request's frame rate, cropped/scaled to its size, trimmed."""
    from shotgraph.media.reader import open_video
    from shotgraph.ops.resize import resize

    clip = resize(open_video(path, fps=request.fps), request.width, request.height, mode="crop")
    return SliceClip(clip, 0, request.num_frames) if clip.n_frames > request.num_frames else clip
