"""Media I/O on PyAV: streaming readers and writers, colour handling, probing, image sequences.

The names below are loaded on first use, so that :mod:`shotgraph.clip` (which converts frames and
audio with :mod:`.frames` and :mod:`.samples`) can import this package's leaf modules without
importing the readers and writers that are built on clips.
"""

from importlib import import_module

_EXPORTS = {
    "AudioEncoding": "shotgraph.media.encode",
    "VideoEncoding": "shotgraph.media.encode",
    "read_image": "shotgraph.media.images",
    "write_image": "shotgraph.media.images",
    "VideoFile": "shotgraph.media.reader",
    "open_video": "shotgraph.media.reader",
    "write_clip": "shotgraph.media.writer",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'shotgraph.media' has no attribute {name!r}")
    return getattr(import_module(_EXPORTS[name]), name)
