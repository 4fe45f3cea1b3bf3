"""Input files as projects and commands accept them: one rule for every place that reads a user's file.

A file input is a regular file, or an image sequence (a folder of images, a ``frame_%05d.png``
pattern or a ``*.png`` glob) holding at least one image. Anything else is refused by kind before
any work: a missing path, a FIFO or device (reading one would block or never end), a socket.
"""

from __future__ import annotations

import stat
from pathlib import Path

from shotgraph.errors import MediaError
from shotgraph.media.images import is_image_sequence, list_sequence

_KINDS = ((stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def special_kind(path: Path) -> str | None:
    """What ``path`` is when it exists but is no regular file or folder (None otherwise)."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None
    return next((name for test, name in _KINDS if test(mode)), None)


def input_file(path: Path | str, sequences: bool = True) -> Path:
    """``path`` if it is a readable input (a regular file, or with ``sequences`` an image
    sequence that has images), else one clear :class:`MediaError` naming it."""
    path = Path(path)
    kind = special_kind(path)
    if kind:
        raise MediaError(f"{path} is {kind}, not a file")
    if path.is_file():
        return path
    if path.is_dir() and not (sequences and any(path.iterdir())):
        raise MediaError(f"{path} is a folder, not an image or video" + (" (nor an image sequence: it is empty)"
                                                                         if sequences else ""))
    if sequences and is_image_sequence(path):
        list_sequence(path)  # raises when it holds no images
        return path
    raise MediaError(f"file not found: {path}")
