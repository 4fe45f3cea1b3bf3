"""Peer tools the benchmarks compare against, installed on first use.

Python peers (MoviePy) go into their own virtual environment under bench/work/peers/, so their
pins (MoviePy 2 wants Pillow < 12) never touch the project's environment. Debian's ffmpeg comes
from apt-get when it is not on PATH.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PEERS = Path(__file__).parent / "work" / "peers"


def peer_python(name: str, requirement: str, module: str) -> Path:
    """The Python of a virtual environment holding ``requirement`` (importable as ``module``),
    created and installed from PyPI on first use."""
    venv = PEERS / name
    python = venv / "bin" / "python"
    if python.exists() and subprocess.run([python, "-c", f"import {module}"], capture_output=True).returncode == 0:
        return python
    print(f"bench: installing {requirement} into {venv} (first run only)", flush=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
    subprocess.run([python, "-m", "pip", "install", "-q", requirement, "psutil"], check=True)
    return python


def ffmpeg() -> str | None:
    """The ffmpeg CLI, installed from Debian's packages if absent (None when that is impossible)."""
    path = shutil.which("ffmpeg")
    if path is None and shutil.which("apt-get"):
        for step in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "ffmpeg"]):
            subprocess.run(step, capture_output=True)
        path = shutil.which("ffmpeg")
    return path
