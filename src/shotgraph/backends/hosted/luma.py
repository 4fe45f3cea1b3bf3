"""Luma Dream Machine's API (api.lumalabs.ai/dream-machine/v1).

``POST /generations`` with ``prompt``, ``model`` (``ray-2``...), ``resolution`` (``720p``...),
``duration`` (``"5s"``, ``"9s"``), ``aspect_ratio`` (``"16:9"``...) and optionally
``keyframes.frame0 = {"type": "image", "url": ...}`` returns a generation; ``GET /generations/{id}``
returns its ``state`` (queued, dreaming, completed, failed), ``failure_reason`` and, once completed,
``assets.video``. Luma takes images only as public URLs (it has no upload), so a first frame is given
as ``image_url``; without an upload, a shot cannot be continued from a local frame, and Luma takes
no seed, so its results are not reproducible (the cache keeps the first result). The key is read
from ``LUMAAI_API_KEY`` (the variable Luma's SDKs use).
"""

from __future__ import annotations

from pathlib import Path

from shotgraph.backends.hosted.common import HostedBackend, downloaded_segment, nearest_ratio, seconds_for
from shotgraph.backends.hosted.http import HostedServiceError
from shotgraph.generation.video import Log, VideoRequest
from shotgraph.clip import Clip

BASE_URL = "https://api.lumalabs.ai/dream-machine/v1"
KEY_ENV = "LUMAAI_API_KEY"
URL_ENV = "SHOTGRAPH_LUMA_URL"
DEFAULT_MODEL = "ray-2"
RESOLUTION = "720p"
RATIOS = {"16:9": (1280, 720), "9:16": (720, 1280), "1:1": (960, 960), "4:3": (1104, 828), "3:4": (828, 1104),
          "21:9": (1680, 720), "9:21": (720, 1680)}
DURATIONS = (5, 9)


class LumaBackend(HostedBackend):
    name = "luma"
    modes = ("text",)  # a first frame only as image_url
    BASE_URL, KEY_ENV, URL_ENV = BASE_URL, KEY_ENV, URL_ENV
    RATIOS, DURATIONS = RATIOS, DURATIONS

    def generate(self, request: VideoRequest, work_dir: Path, log: Log) -> Clip:
        if request.image is not None:
            raise HostedServiceError("luma takes a first frame only as a public URL: pass image_url")
        if not request.prompt:
            raise HostedServiceError("luma: a prompt is required")
        client = self.client()
        body = {
            "prompt": request.prompt,
            "model": self.model or DEFAULT_MODEL,
            "resolution": RESOLUTION,
            "duration": f"{seconds_for(request, DURATIONS)}s",
            "aspect_ratio": nearest_ratio(request.width / request.height, RATIOS),
        }
        if self.image_url:
            body["keyframes"] = {"frame0": {"type": "image", "url": self.image_url}}
        generation = client.request_json("POST", "/generations", body)
        gen_id = generation.get("id")
        if not gen_id:
            raise HostedServiceError(f"luma: /generations answered without an id: {str(generation)[:200]}")
        log(f"luma: generation {gen_id} submitted ({body['model']}, {body['aspect_ratio']}, {body['duration']}; "
            "luma takes no seed)")
        result = client.poll(lambda: client.request_json("GET", f"/generations/{gen_id}"),
                             lambda g: g.get("state") in ("completed", "failed"), f"generation {gen_id}",
                             self.timeout, self.poll_interval)
        if result["state"] == "failed":
            raise HostedServiceError(f"luma: generation {gen_id} failed: {result.get('failure_reason') or 'no reason given'}")
        video = (result.get("assets") or {}).get("video")
        if not video:
            raise HostedServiceError(f"luma: generation {gen_id} completed but returned no video")
        path = client.download(video, work_dir / f"luma-{gen_id}.mp4")
        return downloaded_segment(path, request)
