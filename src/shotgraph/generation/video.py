"""What every video-generation backend offers the ``generate`` op: one segment at a time.

A backend (a diffusers model family, a hosted service) turns a :class:`VideoRequest` into a clip of
``num_frames`` frames at ``width`` x ``height``. Long shots, extension from a clip's last frame and
colour-drift correction are built on top of this in :mod:`shotgraph.generation.longshot`, the same way for
every backend.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from shotgraph.clip import Clip, FunctionClip, VideoInfo

Mode = Literal["text", "image", "control"]
Log = Callable[[str], None]


@dataclass
class VideoRequest:
    """One segment to generate.

    ``image`` (the first frame to animate from) and ``control`` (one guide frame per output frame)
    are RGB uint8 of any size: backends fit them to the size they generate at. ``steps`` and
    ``guidance`` left None take the backend's defaults.
    """

    prompt: str
    negative_prompt: str
    width: int
    height: int
    num_frames: int
    seed: int
    fps: Fraction
    steps: int | None = None
    guidance: float | None = None
    image: np.ndarray | None = None
    control: list[np.ndarray] | None = None
    control_scale: float = 1.0
    decode_chunk: int | None = None
    motion: float | None = None  # SVD's motion bucket (1..255); other backends ignore it

    @property
    def mode(self) -> Mode:
        if self.control is not None:
            return "control"
        return "image" if self.image is not None else "text"


class VideoBackend(Protocol):
    name: str
    modes: tuple[str, ...]  # of "text", "image", "control"
    takes_text: bool

    def segment_frames(self, fps: Fraction) -> int:
        """The most frames one call makes (the length the model was trained for)."""

    def native_size(self, aspect: float) -> tuple[int, int]:
        """The size the model works best at, for an output of this width/height ratio."""

    def generate(self, request: VideoRequest, work_dir: Path, log: Log) -> Clip:
        """``request.num_frames`` frames (fewer only if a hosted service returned a shorter video)."""


def size_for_area(area: int, aspect: float, multiple: int) -> tuple[int, int]:
    """A ``multiple``-aligned size of about ``area`` pixels with width/height ``aspect``."""
    height = math.sqrt(area / aspect)
    width = height * aspect
    return (max(multiple, int(round(width / multiple)) * multiple),
            max(multiple, int(round(height / multiple)) * multiple))


def array_clip(path: Path, fps: Fraction, name: str) -> Clip:
    """A clip over an (n, H, W, 3) uint8 ``.npy`` file, memory-mapped: frames are read as needed."""
    frames = np.load(path, mmap_mode="r")
    info = VideoInfo(frames.shape[2], frames.shape[1], fps, frames.shape[0])
    return FunctionClip(info, lambda index: np.array(frames[index]), name=name)
