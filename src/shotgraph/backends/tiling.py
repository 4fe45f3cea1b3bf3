"""Tiled inference: run an image-to-image model over overlapping tiles and blend them seamlessly.

A super-resolution network's working memory grows with the area it sees (Real-ESRGAN x4plus needs
about 48 KB per input pixel in ncnn), so a 4K output is made from tiles whose size is set by a
memory budget, not by the frame. Each tile is the *core* it is responsible for plus ``overlap``
pixels of context on every side that has a neighbour. Where two tiles overlap, the outer half of
each one's context is dropped (a network's output next to a tile border is unreliable) and the rest
is cross-faded with linear ramps that sum to one (a separable partition of unity over the grid),
so no seam is visible and no weight normalisation pass is needed. A model whose receptive field
is under ``overlap / 2`` gives exactly its untiled output.

Tile functions take an ``(h, w, 3)`` uint8 RGB tile and return the ``(h*s, w*s, 3)`` float32 result
in 0..1 (unclipped). Tiles of consecutive frames form one job stream, so tiles and frames both
run in parallel when a thread pool is given.
"""

from __future__ import annotations

import itertools
import math
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np

TileFn = Callable[[np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Span:
    """One tile along one axis: it owns ``core_start:core_end``, reads ``crop_start:crop_end``, and
    cross-fades over ``fade`` pixels on each side it shares with a neighbour (0 at the frame edge)."""

    core_start: int
    core_end: int
    crop_start: int
    crop_end: int
    fade_left: int = 0
    fade_right: int = 0


def axis_spans(length: int, tile: int, overlap: int) -> list[Span]:
    """Equal-ish tiles of at most ``tile`` pixels covering ``0:length``; ``tile <= 0`` means one.

    Every crop has the same length (tiles at the frame edge take their missing context from the
    inner side): ncnn keeps a memory pool per blob size, so varying tile shapes would grow it.
    """
    if tile <= 0 or tile >= length:
        return [Span(0, length, 0, length)]
    count = math.ceil(length / tile)
    edges = [round(i * length / count) for i in range(count + 1)]
    # The cross-fade zones of a tile's two sides must not meet: keep overlap under half a core.
    overlap = min(overlap, min(b - a for a, b in zip(edges, edges[1:])) // 2)
    window = min(length, max(b - a for a, b in zip(edges, edges[1:])) + 2 * overlap)
    spans = []
    for a, b in zip(edges, edges[1:]):
        start = min(max(0, a - overlap), length - window)
        spans.append(Span(a, b, start, start + window, overlap if a > 0 else 0, overlap if b < length else 0))
    return spans


def _edge_ramp(fade: int, scale: int) -> np.ndarray:
    """Weights across the ``2 * fade`` input pixels two neighbours share, from the outer edge in:
    0 for the outer quarter (output next to a tile's border, where the network saw padding, is never
    used), then linear to 1 across the middle half. The neighbour's ramp is the mirror image, so
    the two sum to one at every pixel."""
    zone = 2 * fade * scale
    dead = (fade // 2) * scale
    ramp_length = zone - 2 * dead
    ramp = np.zeros(zone, np.float32)
    ramp[dead : dead + ramp_length] = (np.arange(ramp_length, dtype=np.float32) + 0.5) / ramp_length
    ramp[dead + ramp_length :] = 1
    return ramp


def blend_weights(span: Span, scale: int) -> np.ndarray:
    """Per output pixel of the tile's crop: 1 over its core, cross-fade ramps into the zones shared
    with neighbours, 0 over any further context it read."""
    weights = np.zeros((span.crop_end - span.crop_start) * scale, np.float32)
    first = (span.core_start - span.fade_left - span.crop_start) * scale
    last = (span.core_end + span.fade_right - span.crop_start) * scale
    weights[first:last] = 1
    if span.fade_left:
        ramp = _edge_ramp(span.fade_left, scale)
        weights[first : first + len(ramp)] = ramp
    if span.fade_right:
        ramp = _edge_ramp(span.fade_right, scale)[::-1]
        weights[last - len(ramp) : last] = np.minimum(weights[last - len(ramp) : last], ramp)
    return weights


def to_uint8(image: np.ndarray, inplace: bool = False) -> np.ndarray:
    """Float 0..1 → uint8 with rounding and clipping (models overshoot slightly). ``inplace`` reuses
    ``image`` as scratch: a 4K float frame is 100 MB, and each temporary would be another."""
    scratch = image if inplace else image.copy()
    scratch *= 255.0
    scratch += 0.5
    np.clip(scratch, 0, 255, out=scratch)
    return scratch.astype(np.uint8)


def tiles_of(shape: tuple[int, ...], tile: int, overlap: int) -> list[tuple[Span, Span]]:
    height, width = shape[:2]
    return [(ys, xs) for ys in axis_spans(height, tile, overlap) for xs in axis_spans(width, tile, overlap)]


def assemble(shape: tuple[int, ...], scale: int, tiles: Sequence[tuple[Span, Span]],
             outputs: Iterable[np.ndarray]) -> np.ndarray:
    """Blend tile outputs (in ``tiles`` order) into the full uint8 result."""
    height, width = shape[:2]
    outputs = iter(outputs)
    if len(tiles) == 1:
        return to_uint8(_checked(next(outputs), height * scale, width * scale), inplace=True)
    result = np.zeros((height * scale, width * scale, 3), np.float32)
    for (ys, xs), output in zip(tiles, outputs):
        h, w = (ys.crop_end - ys.crop_start) * scale, (xs.crop_end - xs.crop_start) * scale
        weight = blend_weights(ys, scale)[:, None, None] * blend_weights(xs, scale)[None, :, None]
        result[ys.crop_start * scale : ys.crop_end * scale, xs.crop_start * scale : xs.crop_end * scale] += (
            _checked(output, h, w) * weight
        )
    return to_uint8(result, inplace=True)


def _checked(output: np.ndarray, height: int, width: int) -> np.ndarray:
    if output.shape != (height, width, 3):
        raise RuntimeError(f"model returned a {output.shape} tile, expected {(height, width, 3)}")
    return output


def ordered_map(fn: Callable, items: Iterable, pool: Executor | None, in_flight: int) -> Iterator:
    """``map(fn, items)`` on ``pool`` with at most ``in_flight`` calls pending, results in order:
    the caller's work (decoding the next frame, blending the last) overlaps the pool's, and memory
    stays bounded whatever the length of ``items``."""
    if pool is None:
        yield from map(fn, items)
        return
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= in_flight:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def run_tiled(
    images: Iterable[np.ndarray],
    fn: TileFn,
    scale: int,
    tile: int,
    overlap: int,
    pool: Executor | None = None,
    in_flight: int = 1,
) -> Iterator[np.ndarray]:
    """Apply ``fn`` to each image through overlapping tiles, yielding uint8 results in order.

    All tiles of all images form one job stream on ``pool``: tiles of one big image and tiles of
    consecutive frames run in parallel alike."""
    plans: deque[tuple[tuple[int, ...], list[tuple[Span, Span]]]] = deque()

    def crops() -> Iterator[np.ndarray]:
        for image in images:
            plan = tiles_of(image.shape, tile, overlap)
            plans.append((image.shape, plan))  # before its first crop, so the consumer finds it
            for ys, xs in plan:
                yield np.ascontiguousarray(image[ys.crop_start : ys.crop_end, xs.crop_start : xs.crop_end, :3])

    outputs = ordered_map(fn, crops(), pool, in_flight)
    for first in outputs:
        shape, plan = plans.popleft()
        yield assemble(shape, scale, plan, itertools.chain([first], itertools.islice(outputs, len(plan) - 1)))
