"""A run killed with SIGKILL at any point resumes on the next run and ends with the same bytes."""

from __future__ import annotations

import copy
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from projects import PROJECT, make_project

RESUME_PROJECT = copy.deepcopy(PROJECT)
RESUME_PROJECT.update(width=640, height=360)
RESUME_PROJECT["shots"]["a"]["source"]["duration"] = 2.0
RESUME_PROJECT["shots"]["a"]["steps"] = [{"op": "resize", "width": 640, "height": 360, "mode": "pad"}]
RESUME_PROJECT["shots"]["b"]["steps"][0].update(width=640, height=360)
RESUME_PROJECT["shots"]["c"]["steps"].append({"op": "resize", "width": 640, "height": 360, "mode": "stretch"})
RESUME_PROJECT["deliverables"]["web"]["video"] = {"crf": 20, "preset": "medium"}


def shotgraph(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "shotgraph", *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, start_new_session=True)


def committed(project: Path) -> int:
    objects = project.parent / ".shotgraph" / "cache" / "objects"
    return sum(1 for _ in objects.glob("*/*/meta.json")) if objects.exists() else 0


@pytest.fixture(scope="module")
def reference(tmp_path_factory) -> bytes:
    project = make_project(tmp_path_factory.mktemp("ref") / "proj", RESUME_PROJECT)
    done = shotgraph("run", str(project), "-j", "2")
    assert done.wait(timeout=300) == 0, done.stderr.read().decode()
    return (project.parent / "out" / "film.mp4").read_bytes()


@pytest.mark.parametrize("kill_after_entries", [0, 2, 5, 8])
def test_kill_9_then_resume_gives_identical_output(tmp_path, reference, kill_after_entries):
    project = make_project(tmp_path / "proj", RESUME_PROJECT)
    film = project.parent / "out" / "film.mp4"
    process = shotgraph("run", str(project), "-j", "2")
    deadline = time.monotonic() + 120
    while committed(project) < kill_after_entries and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    if kill_after_entries == 0:
        time.sleep(1.0)  # mid-way through the first nodes
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    time.sleep(0.2)  # the kernel reaps the workers (they die with their parent)
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
