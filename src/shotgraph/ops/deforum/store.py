"""Where a loop keeps its diffused frames: the checkpoints it resumes from and reads back.

Only *keyframes* (the frames img2img made) are stored, one lossless PNG each, written atomically;
every other frame is a cheap, deterministic function of the two keyframes around it and is
recomputed when read. Keyframe ``b`` depends only on keyframe ``a`` before it, so the store is both
the loop's resume point (the last keyframe on disk) and what lets any frame be read again without
re-diffusing.

A ``fingerprint`` file names what the frames were made from (parameters, seed, input pixels): a
store folder reused with anything else is emptied first, never mixed.
"""

from __future__ import annotations

import re
import shutil
from bisect import bisect_right
from pathlib import Path

import numpy as np

from shotgraph.fsutil import write_bytes_atomic
from shotgraph.media.images import read_image, write_image

_NAME = re.compile(r"^key-(\d{6,})\.png$")
FINGERPRINT = "fingerprint"


class KeyframeStore:
    def __init__(self, folder: Path, fingerprint: str):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        marker = self.folder / FINGERPRINT
        if not marker.is_file() or marker.read_text() != fingerprint:
            for entry in self.folder.iterdir():  # frames of something else: never mix them in
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            write_bytes_atomic(marker, fingerprint.encode())
        self._frames = sorted(int(m.group(1)) for m in map(_NAME.match, (p.name for p in self.folder.iterdir())) if m)

    def _path(self, frame: int) -> Path:
        return self.folder / f"key-{frame:06d}.png"

    @property
    def frames(self) -> list[int]:
        """The stored keyframes, in order."""
        return list(self._frames)

    def has(self, frame: int) -> bool:
        index = bisect_right(self._frames, frame)
        return index > 0 and self._frames[index - 1] == frame

    def latest_before(self, frame: int) -> int | None:
        """The last stored keyframe at or before ``frame``."""
        index = bisect_right(self._frames, frame)
        return self._frames[index - 1] if index else None

    def load(self, frame: int) -> np.ndarray:
        return read_image(self._path(frame))

    def save(self, frame: int, image: np.ndarray) -> None:
        write_image(self._path(frame), image)
        if not self.has(frame):
            self._frames.insert(bisect_right(self._frames, frame), frame)
