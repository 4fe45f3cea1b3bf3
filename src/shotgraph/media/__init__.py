"""Media I/O on PyAV: streaming readers and writers, colour handling, probing, image sequences."""

from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.media.images import read_image, write_image
from shotgraph.media.reader import VideoFile, open_video
from shotgraph.media.writer import write_clip

__all__ = ["AudioEncoding", "VideoEncoding", "VideoFile", "open_video", "read_image", "write_clip", "write_image"]
