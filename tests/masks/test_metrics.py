"""J and F as DAVIS defines them, on masks whose answers are known."""

import numpy as np

from shotgraph.masks.metrics import boundary_map, contour_accuracy, j_and_f, region_similarity


def square(size=100, x0=20, y0=20, side=40):
    mask = np.zeros((size, size), np.uint8)
    mask[y0 : y0 + side, x0 : x0 + side] = 255
    return mask


def test_identical_masks_score_one_and_disjoint_zero():
    assert j_and_f(square(), square()) == (1.0, 1.0)
    assert region_similarity(square(x0=0, side=20), square(x0=60, side=20)) == 0.0
    assert contour_accuracy(square(x0=0, y0=0, side=20), square(x0=70, y0=70, side=20)) == 0.0


def test_iou_of_half_overlapping_squares():
    # 40x40 squares shifted by 20: intersection 800, union 2400
    assert abs(region_similarity(square(x0=20), square(x0=40)) - 800 / 2400) < 1e-9


def test_boundary_is_one_pixel_ring():
    edge = boundary_map(square())
    assert edge.sum() == 4 * 40 - 4 or abs(int(edge.sum()) - 156) <= 4


def test_contour_accuracy_tolerates_shifts_within_the_davis_bound():
    # 100x100: diagonal 141, tolerance ceil(0.008 * 141) = 2 pixels
    assert contour_accuracy(square(x0=22), square()) == 1.0
    assert contour_accuracy(square(x0=30), square()) < 0.6
