"""A shot's per-frame masks kept on disk, so memory does not grow with the length of the shot.

Each frame's soft mask (uint8, 0 = outside, 255 = inside) is a losslessly compressed PNG in a
scratch folder; :class:`MaskStore` writes and reads them by frame index and turns them into clips.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from shotgraph.clip import Clip, FunctionClip, VideoInfo
from shotgraph.masks import grey_frame


class MaskStore:
    def __init__(self, folder: Path, width: int, height: int, n_frames: int):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.width, self.height, self.n_frames = width, height, n_frames

    def _path(self, index: int) -> Path:
        return self.folder / f"{index:07d}.png"

    def put(self, index: int, mask: np.ndarray) -> None:
        if mask.shape != (self.height, self.width) or mask.dtype != np.uint8:
            raise ValueError(f"mask for frame {index} is {mask.shape} {mask.dtype}, expected ({self.height}, {self.width}) uint8")
        # compression 1: masks are mostly flat, so fast settings already compress them ~50x
        if not cv2.imwrite(str(self._path(index)), mask, [cv2.IMWRITE_PNG_COMPRESSION, 1]):
            raise OSError(f"cannot write mask {self._path(index)}")

    def has(self, index: int) -> bool:
        return self._path(index).exists()

    def get(self, index: int) -> np.ndarray:
        mask = cv2.imread(str(self._path(index)), cv2.IMREAD_GRAYSCALE)
        if mask is None:
            raise KeyError(f"no mask stored for frame {index}")
        return mask

    def complete(self) -> bool:
        return all(self.has(i) for i in range(self.n_frames))

    def as_clip(self, like: Clip, name: str = "mask") -> Clip:
        """The stored masks as a grey RGB clip with ``like``'s frame rate."""
        info = VideoInfo(self.width, self.height, like.video.fps, self.n_frames)
        return FunctionClip(info, lambda index: grey_frame(self.get(index)), name=name)
