"""A small test project (three shots, an edit with music, one deliverable) built from synthetic media."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import yaml
from synthetic import index_frame, indexed_clip

from shotgraph.media import write_clip, write_image

PROJECT = {
    "shotgraph": 1,
    "name": "test",
    "fps": 24,
    "width": 160,
    "height": 120,
    "seed": 5,
    "assets": {"card": "card.png", "footage": "footage.mp4", "music": "music.wav"},
    "shots": {
        "a": {"source": {"op": "still", "image": "card", "duration": 1.0}},
        "b": {"source": "footage", "steps": [{"op": "resize", "width": 160, "height": 120, "mode": "crop"}]},
        "c": {"source": {"op": "still", "image": "card", "duration": 2.0},
              "steps": [{"op": "trim", "start": 0.5}]},
    },
    "edit": {"clips": [{"shot": "a"}, {"shot": "b", "out": 0.75}, {"shot": "c"}],
             "audio": [{"file": "music", "gain_db": -6, "fade_out": 0.5}]},
    "deliverables": {"web": {"path": "out/film.mp4", "video": {"crf": 23, "preset": "veryfast"}}},
}


def write_wav(path: Path, seconds: float = 3.0, rate: int = 22050) -> None:
    t = np.arange(int(seconds * rate)) / rate
    data = (0.3 * np.sin(2 * np.pi * 330 * t) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes(data.tobytes())


def make_project(folder: Path, document: dict | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    write_image(folder / "card.png", index_frame(3, 200, 150))
    write_clip(indexed_clip(30, width=192, height=144), folder / "footage.mp4")
    write_wav(folder / "music.wav")
    path = folder / "project.yaml"
    path.write_text(yaml.safe_dump(document or PROJECT, sort_keys=False))
    return path
