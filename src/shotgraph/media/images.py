"""Still images and PNG image sequences, in and out.

Stills are read with Pillow (EXIF orientation applied, any mode converted to 8-bit RGB or RGBA).
Sequences are read and written with OpenCV, which is several times faster for PNG. A sequence is
a folder of images, a printf pattern (``frames/%05d.png``) or a glob (``frames/*.png``).
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from shotgraph.clip import Clip, VideoInfo, parse_fps
from shotgraph.errors import MediaError
from shotgraph.fsutil import TEMP_MARK, atomic_dir, atomic_path

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff"}
DEFAULT_SEQUENCE_FPS = Fraction(24)


def read_image(path: Path | str) -> np.ndarray:
    """An image file as an RGB or RGBA uint8 array (EXIF orientation applied)."""
    path = Path(path)
    if path.is_dir():
        raise MediaError(f"{path} is a folder, not an image")
    if not path.is_file():
        raise MediaError(f"image not found: {path}")
    try:
        with Image.open(path) as image:
            image = ImageOps.exif_transpose(image)
            has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info)
            if image.mode in ("I;16", "I;16B", "I;16L", "I"):
                array = np.asarray(image, dtype=np.float64)
                scale = 255.0 / 65535.0 if array.max() > 255 else 1.0
                gray = np.clip(array * scale + 0.5, 0, 255).astype(np.uint8)
                return np.ascontiguousarray(np.repeat(gray[..., None], 3, axis=2))
            return np.ascontiguousarray(np.asarray(image.convert("RGBA" if has_alpha else "RGB")))
    except (UnidentifiedImageError, OSError) as error:
        raise MediaError(f"cannot read image {path}: {error}") from None


def write_image(path: Path | str, frame: np.ndarray) -> None:
    """Write an RGB(A) frame as PNG/JPEG/... atomically."""
    path = Path(path)
    with atomic_path(path) as temp:
        _imwrite(temp, frame)


def _imwrite(path: Path, frame: np.ndarray) -> None:
    code = cv2.COLOR_RGBA2BGRA if frame.shape[2] == 4 else cv2.COLOR_RGB2BGR
    params = [cv2.IMWRITE_PNG_COMPRESSION, 3] if path.suffix.lower() == ".png" else []
    if not cv2.imwrite(str(path), cv2.cvtColor(frame, code), params):
        raise MediaError(f"cannot write image {path} (unsupported extension?)")


def _natural_key(path: Path):
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.name)]


def is_image_sequence(path: Path | str) -> bool:
    text = str(path)
    return Path(text).is_dir() or "*" in text or re.search(r"%0?\d*d", text) is not None


def list_sequence(path: Path | str) -> list[Path]:
    text = str(path)
    if Path(text).is_dir():
        files = [p for p in Path(text).iterdir() if p.suffix.lower() in IMAGE_SUFFIXES]
    elif re.search(r"%0?\d*d", text):
        files = _matching(Path(text).parent, Path(text).name)
    else:
        pattern = Path(text)
        files = [p for p in pattern.parent.glob(pattern.name) if p.suffix.lower() in IMAGE_SUFFIXES] if pattern.parent.is_dir() else []
    if not files:
        raise MediaError(f"no images found for image sequence {text}")
    return sorted(files, key=_natural_key)


def _read_sequence_frame(path: Path) -> np.ndarray:
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise MediaError(f"cannot read image {path}")
    if image.dtype == np.uint16:
        image = (image.astype(np.uint32) * 255 + 32767) // 65535
        image = image.astype(np.uint8)
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)
    return cv2.cvtColor(image, cv2.COLOR_BGR2RGB)


class ImageSequence(Clip):
    """A numbered image sequence as a clip at ``fps`` (24 unless given)."""

    def __init__(self, path: Path | str, fps=None):
        self.files = list_sequence(path)
        first = _read_sequence_frame(self.files[0])
        height, width = first.shape[:2]
        rate = parse_fps(fps) if fps is not None else DEFAULT_SEQUENCE_FPS
        super().__init__(VideoInfo(width, height, rate, len(self.files), first.shape[2] == 4), None, str(path))

    def _frames(self, start, stop):
        for path in self.files[start:stop]:
            frame = _read_sequence_frame(path)
            if frame.shape[:2] != (self.video.height, self.video.width):
                raise MediaError(
                    f"{path}: {frame.shape[1]}x{frame.shape[0]} differs from the sequence's "
                    f"{self.video.width}x{self.video.height}"
                )
            if frame.shape[2] != self.video.channels:
                frame = _match_channels(frame, self.video.channels)
            yield frame


def _match_channels(frame: np.ndarray, channels: int) -> np.ndarray:
    if channels == 4:
        return np.dstack([frame, np.full(frame.shape[:2], 255, np.uint8)])
    return np.ascontiguousarray(frame[..., :3])


def write_image_sequence(
    clip: Clip, dest: Path | str, on_frame: Callable[[int], None] | None = None
) -> Path:
    """Write every frame as PNG: into a folder (``000000.png`` ...) or a ``name_%05d.png`` pattern.

    Frames are written to a temporary folder first and only moved into place once all are done,
    so an interrupted write never leaves a partial sequence that looks finished. A folder output
    replaces a previous image sequence there, but never a folder that holds other files.
    """
    text = str(dest)
    if re.search(r"%0?\d*d", text):
        folder, name_pattern = Path(text).parent, Path(text).name
    else:
        folder, name_pattern = Path(text), "%06d.png"
        if folder.is_dir() and any(p.suffix.lower() not in IMAGE_SUFFIXES for p in folder.iterdir()):
            raise MediaError(f"{folder} holds files other than images: choose a new folder for the sequence")
        with atomic_dir(folder) as temp:
            _write_frames(clip, temp, name_pattern, on_frame)
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=TEMP_MARK, dir=folder))
    try:
        _write_frames(clip, temp, name_pattern, on_frame)
        for path in _matching(folder, name_pattern):
            path.unlink()
        for path in sorted(temp.iterdir()):
            os.replace(path, folder / path.name)
    finally:
        shutil.rmtree(temp, ignore_errors=True)
    return folder


def _matching(folder: Path, name_pattern: str) -> list[Path]:
    """Files in ``folder`` whose names fit a printf pattern such as ``frame_%05d.png``."""
    if not folder.is_dir():
        return []
    parts = re.split(r"%0?\d*d", name_pattern)
    regex = re.compile("^" + r"\d+".join(re.escape(part) for part in parts) + "$")
    return [p for p in folder.iterdir() if regex.match(p.name)]


def _write_frames(clip: Clip, folder: Path, name_pattern: str, on_frame) -> None:
    for index, frame in enumerate(clip.frames()):
        _imwrite(folder / (name_pattern % index), frame)
        if on_frame:
            on_frame(index + 1)
