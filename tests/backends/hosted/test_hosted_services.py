"""Runway and Luma backends against a local HTTP server that speaks their documented APIs:
submit a task, poll it, download the video; rate limits, server errors, slow answers, bad keys,
failed tasks and tasks that never finish."""

from __future__ import annotations

import base64
import io
import json
import threading
import time
import uuid
from fractions import Fraction
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import numpy as np
import pytest
from synthetic import index_frame

from shotgraph.backends.hosted.http import HostedClient, HostedServiceError
from shotgraph.backends.hosted.runway import RunwayBackend
from shotgraph.generation.video import VideoRequest
from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.errors import ParamError
from shotgraph.media import write_clip
from shotgraph.ops.generate import generate

KEY = "sk-test-0123456789"
RUNWAY_RATIOS = {"1280:720", "720:1280", "1104:832", "832:1104", "960:960", "1584:672"}
LUMA_RATIOS = {"1:1", "16:9", "9:16", "4:3", "3:4", "21:9", "9:21"}


class FakeService(BaseHTTPRequestHandler):
    """Both APIs on one server; ``state`` (set on the server) scripts failures and records requests."""

    def log_message(self, *args):
        pass

    @property
    def state(self):
        return self.server.state

    def _send(self, code, payload=None, headers=None, raw=None):
        body = raw if raw is not None else json.dumps(payload or {}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json" if raw is None else "video/mp4")
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def _record(self, body=None):
        self.state["requests"].append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                       "body": body})

    def _scripted_failure(self) -> bool:
        if self.state["slow"]:
            time.sleep(self.state["slow"].pop(0))
        if self.state["fail"]:
            code = self.state["fail"].pop(0)
            self._send(code, {"error": f"scripted {code}"}, {"Retry-After": "0"})
            return True
        return False

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self._record(body)
        if self._scripted_failure():
            return
        if self.headers.get("Authorization") != f"Bearer {KEY}":
            return self._send(401, {"error": "Invalid API key"})
        task_id = str(uuid.uuid4())
        self.state["polls"][task_id] = 0
        self.state["seconds"][task_id] = int(str(body.get("duration", 5)).rstrip("s"))
        if self.path in ("/v1/text_to_video", "/v1/image_to_video"):
            if self.headers.get("X-Runway-Version") != "2024-11-06":
                return self._send(400, {"error": "Missing or invalid X-Runway-Version header"})
            problems = [name for name, ok in (
                ("model", isinstance(body.get("model"), str)), ("ratio", body.get("ratio") in RUNWAY_RATIOS),
                ("duration", body.get("duration") in (5, 10)), ("seed", 0 <= body.get("seed", 0) < 2**32),
                ("promptImage", self.path == "/v1/text_to_video" or str(body.get("promptImage", "")).startswith(
                    ("https://", "http://", "data:image/"))),
                ("promptText", self.path == "/v1/image_to_video" or bool(body.get("promptText")))) if not ok]
            if problems:
                return self._send(400, {"error": "Validation of body failed", "issues": problems})
            return self._send(200, {"id": task_id})
        if self.path == "/generations":
            ok = (body.get("prompt") and body.get("duration") in ("5s", "9s") and body.get("aspect_ratio") in LUMA_RATIOS
                  and body.get("resolution") in ("540p", "720p", "1080p", "4k"))
            if not ok:
                return self._send(400, {"detail": "invalid request"})
            return self._send(201, {"id": task_id, "state": "queued", "assets": None, "failure_reason": None})
        self._send(404, {"error": "no such endpoint"})

    def do_GET(self):
        self._record()
        if self.path.startswith("/files/"):
            task_id = self.path.rsplit("/", 1)[-1].removesuffix(".mp4")
            return self._send(200, raw=self.state["videos"][self.state["seconds"][task_id]])
        if self._scripted_failure():
            return
        task_id = self.path.rsplit("/", 1)[-1]
        if task_id not in self.state["polls"]:
            return self._send(404, {"error": "Task not found"})
        self.state["polls"][task_id] += 1
        done = self.state["polls"][task_id] > self.state["polls_before_done"]
        url = f"http://127.0.0.1:{self.server.server_port}/files/{task_id}.mp4"
        if self.path.startswith("/v1/tasks/"):
            if not done:
                return self._send(200, {"id": task_id, "status": "RUNNING", "progress": 0.4})
            if self.state["outcome"] == "fail":
                return self._send(200, {"id": task_id, "status": "FAILED", "failure": "Prompt was flagged",
                                        "failureCode": "SAFETY.INPUT.TEXT"})
            return self._send(200, {"id": task_id, "status": "SUCCEEDED", "output": [url]})
        if not done:
            return self._send(200, {"id": task_id, "state": "dreaming"})
        if self.state["outcome"] == "fail":
            return self._send(200, {"id": task_id, "state": "failed", "failure_reason": "Moderation failed"})
        return self._send(200, {"id": task_id, "state": "completed", "assets": {"video": url}})


@pytest.fixture(scope="module")
def service_video(tmp_path_factory):
    """Results as the services return them (smaller): 128x72 at 24 fps, 5, 9 or 10 s long."""
    folder = tmp_path_factory.mktemp("svc")
    videos = {}
    for seconds in (5, 9, 10):
        clip = FunctionClip(VideoInfo(128, 72, Fraction(24), 24 * seconds), lambda i: index_frame(i, 128, 72))
        videos[seconds] = write_clip(clip, folder / f"result-{seconds}.mp4").read_bytes()
    return videos


@pytest.fixture
def service(service_video, monkeypatch):
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeService)
    server.state = {"requests": [], "fail": [], "slow": [], "polls": {}, "polls_before_done": 2,
                    "outcome": "ok", "videos": service_video, "seconds": {}}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("SHOTGRAPH_RUNWAY_URL", url)
    monkeypatch.setenv("SHOTGRAPH_LUMA_URL", url)
    monkeypatch.setenv("RUNWAYML_API_SECRET", KEY)
    monkeypatch.setenv("LUMAAI_API_KEY", KEY)
    # the op polls every 5 s; the fake service needs no waiting
    monkeypatch.setattr("shotgraph.backends.hosted.http._sleep", lambda _s: None)
    yield server
    server.shutdown()
    server.server_close()


def shot(prompt="a red ball", **settings):
    messages = []
    settings = {"duration": 2, "width": 64, "height": 36, "fps": 12, "seed": 7, "resolution": "output", **settings}
    clip = generate(prompt, log=messages.append, **settings)
    return clip, np.stack(list(clip.frames())), messages


def test_runway_text_to_video_submits_polls_and_downloads(service):
    clip, frames, messages = shot(backend="runway")
    assert frames.shape == (24, 36, 64, 3) and clip.video.fps == Fraction(12)
    posts = [r for r in service.state["requests"] if r["method"] == "POST"]
    assert [p["path"] for p in posts] == ["/v1/text_to_video"]
    body = posts[0]["body"]
    assert body == {"model": "gen4.5", "ratio": "1280:720", "duration": 5, "seed": 7, "promptText": "a red ball"}
    polls = [r for r in service.state["requests"] if r["path"].startswith("/v1/tasks/")]
    assert len(polls) == 3  # RUNNING, RUNNING, SUCCEEDED
    download = [r for r in service.state["requests"] if r["path"].startswith("/files/")][0]
    assert "Authorization" not in download["headers"]  # result URLs are pre-signed: the key stays home
    assert not any(KEY in m for m in messages)


def test_runway_image_to_video_sends_the_image_as_a_data_uri(service, tmp_path):
    from PIL import Image

    from shotgraph.media.images import write_image

    picture = index_frame(5, 80, 45)
    write_image(tmp_path / "first.png", picture)
    clip, frames, _ = shot(prompt="", backend="runway", image=str(tmp_path / "first.png"))
    body = [r for r in service.state["requests"] if r["method"] == "POST"][0]["body"]
    assert "promptText" not in body and body["ratio"] == "1280:720"
    header, data = body["promptImage"].split(",", 1)
    assert header == "data:image/png;base64"
    sent = np.asarray(Image.open(io.BytesIO(base64.b64decode(data))).convert("RGB"))
    assert np.array_equal(sent, picture)  # the first frame, losslessly
    assert frames.shape == (24, 36, 64, 3)


def test_rate_limits_and_server_errors_are_retried(service):
    service.state["fail"] = [429, 503]
    _, frames, _ = shot(backend="runway")
    assert len(frames) == 24
    assert sum(r["method"] == "POST" for r in service.state["requests"]) == 3


def test_slow_answers_time_out_and_are_retried(service):
    service.state["slow"] = [1.0]
    client = HostedClient("runway", f"http://127.0.0.1:{service.server_port}",
                          {"Authorization": f"Bearer {KEY}", "X-Runway-Version": "2024-11-06"},
                          timeout=0.3, retries=2, sleep=lambda _s: None)
    answer = client.request_json("POST", "/v1/text_to_video",
                                 {"model": "gen4.5", "ratio": "960:960", "duration": 5, "promptText": "x"})
    assert answer["id"]
    assert sum(r["method"] == "POST" for r in service.state["requests"]) == 2


def test_unreachable_service_gives_up_with_a_clear_error():
    client = HostedClient("luma", "http://127.0.0.1:9", {}, timeout=0.5, retries=2, sleep=lambda _s: None)
    with pytest.raises(HostedServiceError, match="luma: GET /generations/x failed after 3 tries"):
        client.request_json("GET", "/generations/x")


def test_bad_key_is_a_clear_error_that_does_not_show_the_key(service, monkeypatch):
    monkeypatch.setenv("RUNWAYML_API_SECRET", "sk-wrong-key")
    with pytest.raises(HostedServiceError) as error:
        shot(backend="runway")
    assert "HTTP 401" in str(error.value) and "check the API key" in str(error.value)
    assert "sk-wrong-key" not in str(error.value)
    monkeypatch.delenv("RUNWAYML_API_SECRET")
    with pytest.raises(HostedServiceError, match="set the environment variable RUNWAYML_API_SECRET"):
        shot(backend="runway")
    monkeypatch.setenv("MY_RUNWAY_KEY", KEY)
    _, frames, _ = shot(backend="runway", api_key_env="MY_RUNWAY_KEY")
    assert len(frames) == 24


def test_failed_task_reports_the_services_reason(service):
    service.state["outcome"] = "fail"
    with pytest.raises(HostedServiceError, match=r"runway: task .* failed: Prompt was flagged \(SAFETY.INPUT.TEXT\)"):
        shot(backend="runway")
    with pytest.raises(HostedServiceError, match="luma: generation .* failed: Moderation failed"):
        shot(backend="luma")


def test_a_task_that_never_finishes_times_out(service):
    service.state["polls_before_done"] = 10**6
    backend = RunwayBackend(timeout=1.0, poll_interval=0.25)
    request = VideoRequest("a cat", "", 64, 36, 12, seed=1, fps=Fraction(12))
    with pytest.raises(HostedServiceError, match="did not finish within 1 s"):
        backend.generate(request, None, lambda _m: None)


def test_luma_text_to_video_and_keyframe_url(service):
    clip, frames, messages = shot(backend="luma", width=36, height=64)
    assert frames.shape == (24, 64, 36, 3)
    body = [r for r in service.state["requests"] if r["method"] == "POST"][0]["body"]
    assert body == {"prompt": "a red ball", "model": "ray-2", "resolution": "720p", "duration": "5s",
                    "aspect_ratio": "9:16"}
    assert any("luma takes no seed" in m for m in messages)
    shot(backend="luma", image_url="https://example.com/first.png", duration=7)
    body = [r for r in service.state["requests"] if r["method"] == "POST"][-1]["body"]
    assert body["keyframes"] == {"frame0": {"type": "image", "url": "https://example.com/first.png"}}
    assert body["duration"] == "9s"


def test_runway_long_shot_continues_from_the_last_frame(service):
    _, frames, messages = shot(backend="runway", duration=15, width=32, height=18)
    assert len(frames) == 15 * 12
    posts = [r for r in service.state["requests"] if r["method"] == "POST"]
    assert [p["path"] for p in posts] == ["/v1/text_to_video", "/v1/image_to_video"]
    assert [p["body"]["seed"] for p in posts] == [7, 8]


def test_luma_cannot_continue_a_local_frame(service, tmp_path):
    with pytest.raises(ParamError, match="luma cannot make"):
        shot(backend="luma", duration=20)
