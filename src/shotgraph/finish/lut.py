"""3D (and 1D) LUTs in the .cube format (Resolve / Adobe): parsing, writing and fast application.

The fast path runs FFmpeg's ``lut3d`` filter (tetrahedral interpolation, C) through a PyAV filter
graph, one frame at a time; :func:`apply_lut_numpy` is an exact vectorised trilinear lookup used
for 1D LUTs, as the fallback, and as the reference the tests compare the fast path with.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from shotgraph.errors import ParamError


@dataclass(frozen=True)
class CubeLut:
    """``table`` is ``(N, N, N, 3)`` indexed ``[b, g, r]`` (red fastest, as in the file) for 3D
    LUTs, or ``(N, 3)`` for 1D ones; values map the domain to output in 0..1 terms."""

    table: np.ndarray
    domain_min: tuple[float, float, float] = (0.0, 0.0, 0.0)
    domain_max: tuple[float, float, float] = (1.0, 1.0, 1.0)
    title: str = ""

    @property
    def is_3d(self) -> bool:
        return self.table.ndim == 4

    @property
    def size(self) -> int:
        return self.table.shape[0]


def read_cube(path: Path | str) -> CubeLut:
    """Parse a .cube file; errors name the file and line."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as error:
        raise ParamError(f"cannot read LUT {path}: {error.strerror}") from None
    size3 = size1 = None
    domain_min, domain_max, title = (0.0, 0.0, 0.0), (1.0, 1.0, 1.0), ""
    rows: list[tuple[float, float, float]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        word = line.split()[0].upper()
        try:
            if word == "TITLE":
                title = line[5:].strip().strip('"')
            elif word == "LUT_3D_SIZE":
                size3 = int(line.split()[1])
            elif word == "LUT_1D_SIZE":
                size1 = int(line.split()[1])
            elif word == "DOMAIN_MIN":
                domain_min = tuple(float(v) for v in line.split()[1:4])
            elif word == "DOMAIN_MAX":
                domain_max = tuple(float(v) for v in line.split()[1:4])
            elif word in ("LUT_3D_INPUT_RANGE", "LUT_1D_INPUT_RANGE"):
                low, high = (float(v) for v in line.split()[1:3])
                domain_min, domain_max = (low,) * 3, (high,) * 3
            elif word[0].isalpha():
                continue  # other keywords (e.g. Resolve's LUT_IN_VIDEO_RANGE) do not change the table
            else:
                values = tuple(float(v) for v in line.split())
                if len(values) != 3:
                    raise ValueError("a table row has three numbers")
                rows.append(values)
        except (ValueError, IndexError) as error:
            raise ParamError(f"{path}:{number}: cannot parse {raw.strip()!r} ({error})") from None
    size = size3 if size3 is not None else size1
    if size is None:
        raise ParamError(f"{path}: not a .cube LUT (no LUT_3D_SIZE or LUT_1D_SIZE line)")
    if size < 2:  # interpolation needs two entries per axis
        raise ParamError(f"{path}: LUT size {size} is too small (at least 2)")
    if any(low >= high for low, high in zip(domain_min, domain_max)):
        raise ParamError(f"{path}: DOMAIN_MIN {domain_min} must be below DOMAIN_MAX {domain_max}")
    expected = size**3 if size3 is not None else size
    if len(rows) != expected:
        raise ParamError(f"{path}: LUT size {size} needs {expected} rows, the file has {len(rows)}")
    table = np.asarray(rows, np.float32)
    table = table.reshape(size, size, size, 3) if size3 is not None else table
    return CubeLut(table, domain_min, domain_max, title)


def write_cube(path: Path | str, lut: CubeLut) -> None:
    lines = [f'TITLE "{lut.title}"'] if lut.title else []
    lines.append(f"LUT_3D_SIZE {lut.size}" if lut.is_3d else f"LUT_1D_SIZE {lut.size}")
    if lut.domain_min != (0.0, 0.0, 0.0) or lut.domain_max != (1.0, 1.0, 1.0):
        lines.append("DOMAIN_MIN " + " ".join(f"{v:g}" for v in lut.domain_min))
        lines.append("DOMAIN_MAX " + " ".join(f"{v:g}" for v in lut.domain_max))
    lines += [f"{r:.6f} {g:.6f} {b:.6f}" for r, g, b in lut.table.reshape(-1, 3)]
    Path(path).write_text("\n".join(lines) + "\n")


def identity_lut(size: int = 33) -> CubeLut:
    axis = np.linspace(0, 1, size, dtype=np.float32)
    b, g, r = np.meshgrid(axis, axis, axis, indexing="ij")
    return CubeLut(np.stack([r, g, b], axis=-1))


def apply_lut_numpy(frame: np.ndarray, lut: CubeLut) -> np.ndarray:
    """The LUT applied to an RGB(A) uint8 frame by trilinear interpolation (1D: linear per channel)."""
    rgb = frame[..., :3].astype(np.float32) / 255.0
    low, high = np.asarray(lut.domain_min, np.float32), np.asarray(lut.domain_max, np.float32)
    position = np.clip((rgb - low) / (high - low), 0, 1) * (lut.size - 1)
    if not lut.is_3d:
        out = np.stack([np.interp(position[..., c], np.arange(lut.size), lut.table[:, c]) for c in range(3)], -1)
    else:
        base = np.minimum(np.floor(position).astype(np.int32), lut.size - 2)
        frac = position - base
        r0, g0, b0 = base[..., 0], base[..., 1], base[..., 2]
        fr, fg, fb = frac[..., 0:1], frac[..., 1:2], frac[..., 2:3]
        t = lut.table
        out = np.zeros(rgb.shape, np.float32)
        for db, wb in ((0, 1 - fb), (1, fb)):
            for dg, wg in ((0, 1 - fg), (1, fg)):
                for dr, wr in ((0, 1 - fr), (1, fr)):
                    out += t[b0 + db, g0 + dg, r0 + dr] * (wb * wg * wr)
    result = np.clip(out * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if frame.shape[2] == 4:
        result = np.dstack([result, frame[..., 3]])
    return result


class LutFilter:
    """FFmpeg's lut3d in a PyAV filter graph, for frames of one size (the fast path)."""

    def __init__(self, path: Path, width: int, height: int, interp: str = "tetrahedral"):
        self.graph = av.filter.Graph()
        source = self.graph.add_buffer(width=width, height=height, format="rgb24", time_base=Fraction(1, 25))
        lut = self.graph.add("lut3d", file=str(path), interp=interp)
        sink = self.graph.add("buffersink")
        source.link_to(lut)
        lut.link_to(sink)
        self.graph.configure()
        self.pts = 0

    def __call__(self, frame: np.ndarray) -> np.ndarray:
        rgb = np.ascontiguousarray(frame[..., :3])
        video = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        video.pts = self.pts
        self.pts += 1
        self.graph.push(video)
        out = self.graph.pull().to_ndarray(format="rgb24")
        return np.dstack([out, frame[..., 3]]) if frame.shape[2] == 4 else out


def lut_function(path: Path, width: int, height: int):
    """A frame function applying the .cube file at ``path``: FFmpeg's lut3d for 3D LUTs, NumPy
    for 1D LUTs (and wherever the filter cannot be built)."""
    lut = read_cube(path)
    if lut.is_3d:
        try:
            return LutFilter(path, width, height)
        except (av.error.FFmpegError, ValueError):
            pass
    return lambda frame: apply_lut_numpy(frame, lut)
