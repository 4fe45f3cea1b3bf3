"""Runway's developer API (api.dev.runwayml.com, version 2024-11-06).

``POST /v1/text_to_video`` or ``/v1/image_to_video`` with ``model``, ``promptText``, ``ratio``
(``"1280:720"``...), ``duration`` (seconds), ``seed`` and, for image-to-video, ``promptImage`` (an
HTTPS URL or a ``data:`` URI of at most 5 MB) returns ``{"id"}``; ``GET /v1/tasks/{id}`` returns
``status`` (PENDING, THROTTLED, RUNNING, SUCCEEDED, FAILED, CANCELLED) and, once SUCCEEDED,
``output``: URLs of the video. Requests carry ``Authorization: Bearer KEY`` and
``X-Runway-Version``. The key is read from ``RUNWAYML_API_SECRET`` (the variable Runway's SDKs use).
"""

from __future__ import annotations

from pathlib import Path

from shotgraph.backends.hosted.common import HostedBackend, downloaded_segment, image_data_uri, nearest_ratio, seconds_for
from shotgraph.backends.hosted.http import HostedServiceError
from shotgraph.generation.video import Log, VideoRequest
from shotgraph.clip import Clip

BASE_URL = "https://api.dev.runwayml.com"
API_VERSION = "2024-11-06"
KEY_ENV = "RUNWAYML_API_SECRET"
URL_ENV = "SHOTGRAPH_RUNWAY_URL"  # another endpoint (a proxy, or a test server)
DEFAULT_MODEL = "gen4.5"
RATIOS = {"1280:720": (1280, 720), "720:1280": (720, 1280), "1104:832": (1104, 832), "832:1104": (832, 1104),
          "960:960": (960, 960), "1584:672": (1584, 672)}
DURATIONS = (5, 10)
DONE = {"SUCCEEDED", "FAILED", "CANCELLED"}


class RunwayBackend(HostedBackend):
    name = "runway"
    modes = ("text", "image")
    BASE_URL, KEY_ENV, URL_ENV = BASE_URL, KEY_ENV, URL_ENV
    RATIOS, DURATIONS = RATIOS, DURATIONS

    def headers(self, key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", "X-Runway-Version": API_VERSION}

    def generate(self, request: VideoRequest, work_dir: Path, log: Log) -> Clip:
        client = self.client()
        body = {
            "model": self.model or DEFAULT_MODEL,
            "ratio": nearest_ratio(request.width / request.height, RATIOS),
            "duration": seconds_for(request, DURATIONS),
            "seed": request.seed % 4294967296,
        }
        if request.prompt:
            body["promptText"] = request.prompt
        image = image_data_uri(request.image) if request.image is not None else self.image_url
        if image:
            body["promptImage"] = image
        elif not request.prompt:
            raise HostedServiceError("runway: give a prompt, an image or both")
        endpoint = "/v1/image_to_video" if image else "/v1/text_to_video"
        task = client.request_json("POST", endpoint, body)
        task_id = task.get("id")
        if not task_id:
            raise HostedServiceError(f"runway: {endpoint} answered without a task id: {str(task)[:200]}")
        log(f"runway: task {task_id} submitted ({body['model']}, {body['ratio']}, {body['duration']} s, "
            f"seed {body['seed']})")
        result = client.poll(lambda: client.request_json("GET", f"/v1/tasks/{task_id}"),
                             lambda t: t.get("status") in DONE, f"task {task_id}", self.timeout, self.poll_interval)
        if result["status"] != "SUCCEEDED":
            reason = result.get("failure") or result["status"].lower()
            code = f" ({result['failureCode']})" if result.get("failureCode") else ""
            raise HostedServiceError(f"runway: task {task_id} {result['status'].lower()}: {reason}{code}")
        outputs = result.get("output") or []
        if not outputs:
            raise HostedServiceError(f"runway: task {task_id} succeeded but returned no video")
        path = client.download(outputs[0], work_dir / f"runway-{task_id}.mp4")
        return downloaded_segment(path, request)
