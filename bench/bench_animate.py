"""animate: frames per second of 2D and depth-aware 3D camera moves at 1280x720.

The peer for 2D is FFmpeg's ``zoompan`` filter (what people script for Ken Burns zooms), run in
the same process through PyAV on the same still; it has no 3D counterpart (Deforum needs a GPU
model stack), so 3D is reported against our 2D. Only rendering is timed (frames as RGB arrays in
memory), not encoding. The still is ../shared/data/images/groceries.jpg when present, else a
synthetic one; 3D uses a synthetic depth map (ground plane plus a near object).
"""

from __future__ import annotations

import time
from fractions import Fraction
from pathlib import Path

import numpy as np

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "images" / "groceries.jpg"
ALTERNATIVE = Path("/work/shared/data/images/groceries.jpg")
WIDTH, HEIGHT = 1280, 720


def _still() -> tuple[np.ndarray, str]:
    from shotgraph.media.images import read_image

    for path in (SHARED, ALTERNATIVE):
        if path.is_file():
            return read_image(path), path.name
    rng = np.random.default_rng(0)
    import cv2

    image = cv2.GaussianBlur(rng.integers(0, 255, (900, 1600, 3)).astype(np.uint8), (0, 0), 2)
    return image, "synthetic 1600x900"


def _depth(height: int, width: int) -> np.ndarray:
    """Scene depth: a ground plane receding upwards, with a near box in the middle."""
    rows = np.linspace(0, 1, height, dtype=np.float32)[:, None].repeat(width, axis=1)
    depth = 1.5 + 10.0 * (1 - rows) ** 2
    depth[height // 3 : 2 * height // 3, width // 3 : width // 2] = 1.2
    return depth.astype(np.float32)


def _time_frames(clip) -> float:
    start = time.perf_counter()
    for _ in clip.frames():
        pass
    return clip.n_frames / (time.perf_counter() - start)


def _zoompan_fps(still: np.ndarray, n: int) -> float:
    import av

    graph = av.filter.Graph()
    height, width = still.shape[:2]
    source = graph.add_buffer(width=width, height=height, format="rgb24", time_base=Fraction(1, 24))
    zoom = graph.add("zoompan", f"z='1+0.5*on/{n}':x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':d={n}:"
                                f"s={WIDTH}x{HEIGHT}:fps=24")
    convert = graph.add("format", "rgb24")
    sink = graph.add("buffersink")
    source.link_to(zoom)
    zoom.link_to(convert)
    convert.link_to(sink)
    graph.configure()
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(still[..., :3]), format="rgb24")
    frame.pts = 0
    start = time.perf_counter()
    graph.push(frame)
    graph.push(None)
    produced = 0
    while produced < n:
        try:
            graph.pull().to_ndarray()
        except (av.error.EOFError, av.error.BlockingIOError):
            break
        produced += 1
    return produced / (time.perf_counter() - start)


def run(quick: bool) -> str:
    from shotgraph.ops.animate import animate

    still, name = _still()
    n = 24 if quick else 96
    seconds = n / 24
    end = n - 1
    two = animate(still, duration=seconds, fps=24, width=WIDTH, height=HEIGHT,
                  zoom=f"0:(1), {end}:(1.5)", angle=f"0:(0), {end}:(5)", translation_x=f"0:(0), {end}:(-60)")
    out = animate(still, duration=seconds, fps=24, width=WIDTH, height=HEIGHT, zoom=f"0:(1), {end}:(0.6)",
                  border="reflect")
    depth = _depth(*still.shape[:2])
    three = animate(still, duration=seconds, fps=24, width=WIDTH, height=HEIGHT, mode="3d", depth=depth,
                    translation_x=f"0:(0), {end}:(0.2)", translation_z=f"0:(0), {end}:(0.5)",
                    rotation_3d_y=f"0:(0), {end}:(-3)")
    ours_2d, ours_out, ours_3d = _time_frames(two), _time_frames(out), _time_frames(three)
    peer = _zoompan_fps(still, n)
    rows = [
        ("2D zoom + turn + pan (cubic, one resampling per frame)", ours_2d, ours_2d / peer),
        ("2D zoom out to 0.6 (mip-mapped, reflect border)", ours_out, ours_out / peer),
        ("3D dolly + pan through depth (reprojection, background layer)", ours_3d, ours_3d / peer),
        ("FFmpeg zoompan (peer; integer-pixel crop, jitters)", peer, 1.0),
    ]
    lines = [
        "## animate: camera moves over a still at 1280x720",
        "",
        f"Still: {name} ({still.shape[1]}x{still.shape[0]}), {n} frames rendered to RGB arrays (no encoding).",
        "",
        "| what | frames/s | vs FFmpeg zoompan |",
        "|---|---:|---:|",
    ]
    lines += [f"| {label} | {fps:.1f} | {ratio:.2f}x |" for label, fps, ratio in rows]
    lines += ["", f"3D costs {ours_2d / ours_3d:.1f}x the time of 2D per frame."]
    return "\n".join(lines) + "\n"
