"""Flow as a picture: the Middlebury colour wheel (hue = direction, saturation = speed).

Zero motion is white; a vector pointing right is red, down is blue-green... exactly the colour
code of Baker et al. (2011) that flow papers and tools share, so pictures compare at a glance.
"""

from __future__ import annotations

import numpy as np

# Colour-wheel segments (Baker et al.): red-yellow, yellow-green, green-cyan, cyan-blue,
# blue-magenta, magenta-red, with these many steps each (perceptually even spacing).
_SEGMENTS = (15, 6, 4, 11, 13, 6)


def _wheel() -> np.ndarray:
    ry, yg, gc, cb, bm, mr = _SEGMENTS
    rows = []
    ramp = lambda n: np.floor(255 * np.arange(n) / n)  # noqa: E731
    rows.append(np.stack([np.full(ry, 255), ramp(ry), np.zeros(ry)], 1))
    rows.append(np.stack([255 - ramp(yg), np.full(yg, 255), np.zeros(yg)], 1))
    rows.append(np.stack([np.zeros(gc), np.full(gc, 255), ramp(gc)], 1))
    rows.append(np.stack([np.zeros(cb), 255 - ramp(cb), np.full(cb, 255)], 1))
    rows.append(np.stack([ramp(bm), np.zeros(bm), np.full(bm, 255)], 1))
    rows.append(np.stack([np.full(mr, 255), np.zeros(mr), 255 - ramp(mr)], 1))
    return np.concatenate(rows).astype(np.float32) / 255.0


_WHEEL = _wheel()


def flow_to_rgb(flow: np.ndarray, max_motion: float | None = None) -> np.ndarray:
    """An RGB uint8 picture of ``flow``.

    ``max_motion`` (pixels) is the speed shown fully saturated; faster vectors are darkened. None
    uses this field's largest motion (pass a fixed value when visualising a video, or the colours
    of a steady motion would flicker with every fast frame).
    """
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"flow must be (height, width, 2), got {flow.shape}")
    u = np.nan_to_num(flow[..., 0].astype(np.float32))
    v = np.nan_to_num(flow[..., 1].astype(np.float32))
    radius = np.hypot(u, v)
    if max_motion is None:
        max_motion = float(radius.max())
    max_motion = max(max_motion, 1e-6)
    radius = radius / max_motion
    n = len(_WHEEL)
    angle = np.arctan2(-v, -u) / np.pi  # -1..1
    position = (angle + 1) / 2 * (n - 1)
    k0 = np.floor(position).astype(np.int32)
    k1 = (k0 + 1) % n
    frac = (position - k0)[..., None]
    colour = (1 - frac) * _WHEEL[k0] + frac * _WHEEL[k1]
    inside = (radius <= 1)[..., None]
    colour = np.where(inside, 1 - radius[..., None] * (1 - colour), colour * 0.75)
    return np.clip(colour * 255 + 0.5, 0, 255).astype(np.uint8)


def colour_wheel(size: int = 256) -> np.ndarray:
    """The legend: a disc whose every pixel is coloured by the vector from the centre to it."""
    half = (size - 1) / 2
    ys, xs = np.mgrid[0:size, 0:size].astype(np.float32)
    flow = np.stack([xs - half, ys - half], axis=2)
    picture = flow_to_rgb(flow, max_motion=half)
    picture[np.hypot(xs - half, ys - half) > half] = 255
    return picture
