"""Flow files: Middlebury ``.flo`` (exact float32) and 16-bit PNG pairs (compact, viewable).

``.flo``: the tag ``PIEH`` (the float 202021.25), int32 width and height, then the (dx, dy)
pairs row by row as little-endian float32. Read by most flow tools (RAFT, PWC-Net, flowiz...).

16-bit PNG pair: ``<stem>_dx.png`` and ``<stem>_dy.png``, one grey 16-bit image per component,
``value = round(d * 64) + 32768`` (KITTI's fixed-point scale): 1/64 pixel steps, motions within
+-512 pixels, losslessly compressed. Both writers are atomic.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from shotgraph.errors import MediaError
from shotgraph.fsutil import write_bytes_atomic

FLO_TAG = 202021.25
PNG16_SCALE = 64.0
PNG16_OFFSET = 32768


def write_flo(path: Path | str, flow: np.ndarray) -> Path:
    """Write ``flow`` (H, W, 2) as a Middlebury ``.flo`` file."""
    path = Path(path)
    flow = np.asarray(flow, dtype="<f4")
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"flow must be (height, width, 2), got {flow.shape}")
    height, width = flow.shape[:2]
    header = np.array([FLO_TAG], "<f4").tobytes() + np.array([width, height], "<i4").tobytes()
    write_bytes_atomic(path, header + np.ascontiguousarray(flow).tobytes())
    return path


def read_flo(path: Path | str) -> np.ndarray:
    """Read a Middlebury ``.flo`` file as (H, W, 2) float32."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MediaError(f"cannot read flow file {path}: {error.strerror}") from None
    if len(data) < 12 or np.frombuffer(data[:4], "<f4")[0] != np.float32(FLO_TAG):
        raise MediaError(f"{path} is not a .flo file (no PIEH tag)")
    width, height = (int(v) for v in np.frombuffer(data[4:12], "<i4"))
    expected = 12 + width * height * 8
    if width <= 0 or height <= 0 or len(data) != expected:
        raise MediaError(f"{path}: {width}x{height} flow needs {expected} bytes, file has {len(data)}")
    return np.frombuffer(data[12:], "<f4").reshape(height, width, 2).astype(np.float32)


def flow_png16_paths(stem: Path | str) -> tuple[Path, Path]:
    """The two files of a 16-bit PNG pair: ``<stem>_dx.png``, ``<stem>_dy.png``."""
    stem = Path(stem)
    return stem.with_name(stem.name + "_dx.png"), stem.with_name(stem.name + "_dy.png")


def write_flow_png16(stem: Path | str, flow: np.ndarray) -> tuple[Path, Path]:
    """Write ``flow`` as a 16-bit PNG pair (see the module docstring); returns the two paths."""
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"flow must be (height, width, 2), got {flow.shape}")
    paths = flow_png16_paths(stem)
    for component, path in enumerate(paths):
        fixed = np.clip(np.rint(flow[..., component] * PNG16_SCALE) + PNG16_OFFSET, 0, 65535).astype(np.uint16)
        ok, encoded = cv2.imencode(".png", fixed, [cv2.IMWRITE_PNG_COMPRESSION, 3])
        if not ok:
            raise MediaError(f"cannot encode {path}")
        write_bytes_atomic(path, encoded.tobytes())
    return paths


def read_flow_png16(stem: Path | str) -> np.ndarray:
    """Read a 16-bit PNG pair written by :func:`write_flow_png16` as (H, W, 2) float32."""
    components = []
    for path in flow_png16_paths(stem):
        image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
        if image is None:
            raise MediaError(f"cannot read flow image {path}")
        if image.dtype != np.uint16 or image.ndim != 2:
            raise MediaError(f"{path} is not a 16-bit grey PNG")
        components.append((image.astype(np.float32) - PNG16_OFFSET) / PNG16_SCALE)
    if components[0].shape != components[1].shape:
        raise MediaError(f"{stem}: the dx and dy images differ in size")
    return np.stack(components, axis=2)
