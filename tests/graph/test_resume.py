"""A run killed with SIGKILL in the middle of a node resumes on the next run and ends with the same bytes.

Each kill point is reached by watching the run's own progress events (``--json-progress``): the
process is killed only once ``k`` nodes are committed to the cache *and* another node has reported
frames done but not all of them, so every parametrised case really kills a run mid-node.
"""

from __future__ import annotations

import copy
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from projects import PROJECT, make_project

pytestmark = pytest.mark.slow

RESUME_PROJECT = copy.deepcopy(PROJECT)
RESUME_PROJECT.update(width=640, height=360)
RESUME_PROJECT["shots"]["a"]["source"]["duration"] = 4.0
RESUME_PROJECT["shots"]["a"]["steps"] = [{"op": "resize", "width": 640, "height": 360, "mode": "pad"}]
RESUME_PROJECT["shots"]["b"]["steps"][0].update(width=640, height=360)
RESUME_PROJECT["shots"]["c"]["source"]["duration"] = 4.0
RESUME_PROJECT["shots"]["c"]["steps"].append({"op": "resize", "width": 640, "height": 360, "mode": "stretch"})
RESUME_PROJECT["deliverables"]["web"]["video"] = {"crf": 20, "preset": "medium"}
CACHED_NODES = 8  # a.source, a.steps[0], b.steps[0], c.source, c.steps[0], c.steps[1], edit, deliverables.web


def shotgraph(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shotgraph", *args], start_new_session=True, **kwargs)


def committed(project: Path) -> int:
    objects = project.parent / ".shotgraph" / "cache" / "objects"
    return sum(1 for _ in objects.glob("*/*/meta.json")) if objects.exists() else 0


class MidNode:
    """Reads the run's JSON progress events; ``seen`` is set while some node has done some but not
    all of its frames."""

    def __init__(self, process: subprocess.Popen):
        self.active: dict[str, tuple[int, int]] = {}
        self.lock = threading.Lock()
        threading.Thread(target=self._read, args=(process.stderr,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("event") == "progress" and event["task"] != "nodes":
                with self.lock:
                    self.active[event["task"]] = (event["done"], event["total"])

    def in_progress(self) -> str | None:
        with self.lock:
            return next((task for task, (done, total) in self.active.items() if 0 < done < total), None)


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> bytes:
    project = make_project(tmp_path_factory.mktemp("ref") / "proj", RESUME_PROJECT)
    done = shotgraph("run", str(project), "-j", "2", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert done.wait(timeout=300) == 0, done.stderr.read().decode()
    return (project.parent / "out" / "film.mp4").read_bytes()


@pytest.mark.parametrize("kill_after_entries", [0, 2, 4, 6])
def test_kill_9_mid_node_then_resume_gives_identical_output(tmp_path, reference, kill_after_entries):
    project = make_project(tmp_path / "proj", RESUME_PROJECT)
    film = project.parent / "out" / "film.mp4"
    process = shotgraph("--json-progress", "run", str(project), "-j", "2", stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
    watch = MidNode(process)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if committed(project) >= kill_after_entries and watch.in_progress():
            break
        time.sleep(0.005)
    running_node = watch.in_progress()
    assert process.poll() is None, "the run ended before the kill point"
    assert committed(project) >= kill_after_entries and running_node, "no node was mid-way"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    time.sleep(0.2)  # the kernel reaps the workers (they die with their parent)
    assert committed(project) < CACHED_NODES  # killed before the end
    # a killed run never leaves a deliverable that looks finished but is not
    assert not film.exists() or film.read_bytes() == reference
    tmp = project.parent / ".shotgraph" / "cache" / "tmp"
    resumed = subprocess.run([sys.executable, "-m", "shotgraph", "run", str(project), "-j", "2"],
                             capture_output=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()
    assert film.read_bytes() == reference
    assert not tmp.exists() or not any(tmp.iterdir())  # leftovers of the killed run are cleaned
    again = subprocess.run([sys.executable, "-m", "shotgraph", "run", str(project)], capture_output=True, timeout=300)
    assert b"0 node(s) computed" in again.stderr
