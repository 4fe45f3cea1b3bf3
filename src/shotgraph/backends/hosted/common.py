"""What the hosted backends share: picking the service's aspect ratio, sending an image, and
turning the downloaded video into a segment at the requested size and frame rate."""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import ClassVar

import numpy as np

from shotgraph.backends.hosted.http import HostedClient, api_key
from shotgraph.generation.video import VideoRequest
from shotgraph.clip import Clip, SliceClip


@dataclass
class HostedBackend:
    """What a hosted service backend is configured with; subclasses set the class constants and
    ``generate``. ``api_key`` (Python API only) wins over ``api_key_env``; neither is ever logged."""

    model: str | None = None
    api_key_env: str | None = None
    api_key: str | None = field(default=None, repr=False)
    image_url: str | None = None
    base_url: str | None = None
    timeout: float = 900.0
    poll_interval: float = 5.0
    client_options: dict = field(default_factory=dict)

    name = "hosted"
    takes_text = True
    BASE_URL = ""
    KEY_ENV = ""
    URL_ENV = ""  # an environment variable pointing at another endpoint (a proxy, or a test server)
    RATIOS: ClassVar[dict[str, tuple[int, int]]] = {}  # ratio name -> the size the service makes
    DURATIONS: ClassVar[tuple[int, ...]] = ()  # seconds it can make

    def segment_frames(self, fps: Fraction) -> int:
        return int(max(self.DURATIONS) * fps)

    def native_size(self, aspect: float) -> tuple[int, int]:
        return self.RATIOS[nearest_ratio(aspect, self.RATIOS)]

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    def client(self) -> HostedClient:
        key = api_key(self.name, self.api_key_env or self.KEY_ENV, self.api_key)
        base = self.base_url or os.environ.get(self.URL_ENV) or self.BASE_URL
        return HostedClient(self.name, base, self.headers(key), **self.client_options)


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
    from shotgraph.media.resize import resize

    clip = resize(open_video(path, fps=request.fps), request.width, request.height, mode="crop")
    return SliceClip(clip, 0, request.num_frames) if clip.n_frames > request.num_frames else clip
