"""Tiled inference: spans cover the frame, cross-fades sum to one, and a local model tiled equals it untiled."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
import pytest

from shotgraph.backends.tiling import Span, axis_spans, blend_weights, run_tiled, tiles_of


@pytest.mark.parametrize("length,tile,overlap", [(100, 0, 8), (100, 100, 8), (100, 30, 8), (257, 64, 16), (65, 64, 40)])
def test_spans_cover_the_axis_once_with_context(length, tile, overlap):
    spans = axis_spans(length, tile, overlap)
    assert spans[0].core_start == 0 and spans[-1].core_end == length
    for left, right in zip(spans, spans[1:]):
        assert left.core_end == right.core_start
        assert right.fade_left == left.fade_right > 0  # the two sides of one cross-fade
        assert right.crop_start <= right.core_start - right.fade_left and left.crop_end >= left.core_end + left.fade_right
    if len(spans) > 1:
        assert all(s.core_end - s.core_start <= tile for s in spans)
        assert len({s.crop_end - s.crop_start for s in spans}) == 1  # one tile shape: ncnn's pool reuses it
    assert all(0 <= s.crop_start <= s.core_start < s.core_end <= s.crop_end <= length for s in spans)


@pytest.mark.parametrize("scale", [1, 2, 4])
def test_blend_weights_sum_to_one_everywhere(scale):
    spans = axis_spans(300, 70, 12)
    total = np.zeros(300 * scale)
    for span in spans:
        total[span.crop_start * scale : span.crop_end * scale] += blend_weights(span, scale)
    np.testing.assert_allclose(total, 1.0, atol=1e-6)


def test_a_single_span_has_flat_weights():
    assert np.all(blend_weights(Span(0, 50, 0, 50), 2) == 1)


def _local_model(scale: int):
    """A model whose receptive field is 2 px: 5x5 blur then pixel repeat (float 0..1 out)."""

    def run(tile: np.ndarray) -> np.ndarray:
        blurred = cv2.GaussianBlur(tile.astype(np.float32) / 255, (5, 5), 1.0, borderType=cv2.BORDER_REFLECT)
        return np.repeat(np.repeat(blurred, scale, 0), scale, 1)

    return run


def test_tiled_local_model_equals_untiled(rng):
    image = rng.integers(0, 256, (97, 131, 3), dtype=np.uint8)
    model = _local_model(2)
    whole = next(run_tiled([image], model, 2, tile=0, overlap=0))
    with ThreadPoolExecutor(2) as pool:
        tiled = next(run_tiled([image], model, 2, tile=32, overlap=8, pool=pool, in_flight=3))
    assert len(tiles_of(image.shape, 32, 8)) == 20
    assert tiled.shape == whole.shape == (194, 262, 3)
    assert np.abs(tiled.astype(int) - whole).max() <= 1  # float summation order only


def test_frames_stream_through_one_pool_in_order(rng):
    frames = [rng.integers(0, 256, (40, 56, 3), dtype=np.uint8) for _ in range(5)]
    model = _local_model(3)
    expected = [next(run_tiled([f], model, 3, 0, 0)) for f in frames]
    with ThreadPoolExecutor(2) as pool:
        got = list(run_tiled(iter(frames), model, 3, tile=24, overlap=4, pool=pool, in_flight=3))
    assert len(got) == 5
    for a, b in zip(got, expected):
        assert np.abs(a.astype(int) - b).max() <= 1


def test_a_model_returning_the_wrong_size_is_reported(rng):
    image = rng.integers(0, 256, (40, 40, 3), dtype=np.uint8)
    with pytest.raises(RuntimeError, match="expected"):
        next(run_tiled([image], _local_model(2), 3, tile=16, overlap=4))
