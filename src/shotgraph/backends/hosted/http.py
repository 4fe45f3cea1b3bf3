"""A small JSON-over-HTTPS client for hosted APIs: timeouts, retries with backoff, clear errors.

Only the standard library (``urllib``): no extra dependency for users who never call a service.
"""

from __future__ import annotations

import json
import os
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from pathlib import Path

from shotgraph.errors import UserError
from shotgraph.fsutil import atomic_path

RETRY_STATUS = {408, 425, 429, 500, 502, 503, 504}


class HostedServiceError(UserError):
    """A hosted service refused or failed a request (bad key, bad input, failed task, timeout)."""


def api_key(service: str, env_var: str, explicit: str | None = None) -> str:
    """The key from ``explicit`` or the environment; a clear error (naming the variable only) if absent."""
    key = explicit or os.environ.get(env_var, "").strip()
    if not key:
        raise HostedServiceError(f"{service}: no API key; set the environment variable {env_var}")
    return key


def _retry_after(error: urllib.error.HTTPError) -> float | None:
    value = error.headers.get("Retry-After") if error.headers else None
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return None


def _error_text(body: bytes) -> str:
    """The service's own explanation from an error body (``error`` / ``message`` / ``detail``)."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return body.decode("utf-8", "replace").strip()[:300]
    if isinstance(data, dict):
        for field in ("error", "message", "detail", "failure_reason"):
            if data.get(field):
                return str(data[field])[:300]
    return json.dumps(data)[:300]


def _sleep(seconds: float) -> None:
    time.sleep(seconds)


class HostedClient:
    """Requests to one service. ``sleep`` (default: :func:`_sleep`, looked up at each wait) is
    replaceable so tests need not wait for real backoff and polling."""

    def __init__(self, service: str, base_url: str, headers: dict[str, str], timeout: float = 60.0,
                 retries: int = 4, backoff: float = 2.0, sleep: Callable[[float], None] | None = None):
        self.service = service
        self.base_url = base_url.rstrip("/")
        self._headers = headers  # holds the key: never printed
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self._sleep = sleep

    def sleep(self, seconds: float) -> None:
        (self._sleep or _sleep)(seconds)

    def _wait(self, attempt: int, hint: float | None) -> None:
        delay = hint if hint is not None else self.backoff * (2 ** attempt) * (0.5 + random.random() / 2)
        self.sleep(min(delay, 60.0))

    def _open(self, request: urllib.request.Request, what: str):
        """urlopen with retries on transient failures; returns the open response."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                return urllib.request.urlopen(request, timeout=self.timeout)
            except urllib.error.HTTPError as error:
                body = error.read()
                if error.code in RETRY_STATUS and not last:
                    self._wait(attempt, _retry_after(error))
                    continue
                hint = " (check the API key)" if error.code in (401, 403) else ""
                raise HostedServiceError(
                    f"{self.service}: {what} failed: HTTP {error.code}: {_error_text(body)}{hint}") from None
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError) as error:
                if not last:
                    self._wait(attempt, None)
                    continue
                reason = getattr(error, "reason", error)
                raise HostedServiceError(
                    f"{self.service}: {what} failed after {self.retries + 1} tries: {reason}") from None
        raise AssertionError("unreachable")

    def request_json(self, method: str, path: str, body: dict | None = None) -> dict:
        data = None if body is None else json.dumps(body).encode()
        headers = {**self._headers, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.base_url + path, data=data, headers=headers, method=method)
        with self._open(request, f"{method} {path}") as response:
            raw = response.read()
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            raise HostedServiceError(f"{self.service}: {method} {path} returned non-JSON: {raw[:200]!r}") from None

    def download(self, url: str, path: Path) -> Path:
        """Stream ``url`` to ``path`` (atomically). Result URLs are pre-signed: no API key is sent."""
        request = urllib.request.Request(url, method="GET")
        with self._open(request, "downloading the result") as response, atomic_path(path) as tmp:
            with open(tmp, "wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
        return path

    def poll(self, fetch: Callable[[], dict], finished: Callable[[dict], bool], what: str, timeout: float,
             interval: float = 5.0) -> dict:
        """Call ``fetch`` every ``interval`` s until ``finished(result)``; a HostedServiceError once
        ``timeout`` seconds have passed (counting the intervals waited, so tests with a no-op
        ``sleep`` time out after the same number of polls)."""
        started, waited = time.monotonic(), 0.0
        while True:
            result = fetch()
            if finished(result):
                return result
            if max(waited, time.monotonic() - started) >= timeout:
                raise HostedServiceError(f"{self.service}: {what} did not finish within {timeout:g} s")
            self.sleep(interval)
            waited += interval
