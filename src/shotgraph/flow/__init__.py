"""Dense optical flow: estimation, warping, occlusion masks, flow files and colour-wheel pictures.

This is the motion toolkit the interpolation, deflicker, mask-propagation and denoise features
share. Conventions, everywhere in shotgraph:

- a **flow** is a ``float32`` array of shape ``(height, width, 2)``; ``flow[y, x] = (dx, dy)`` in
  pixels says where the pixel at ``(x, y)`` of the first image is found in the second one;
- ``compute_flow(a, b)`` is the *forward* flow a→b; ``compute_flow(b, a)`` the backward flow;
- :func:`warp` is a backward warp: ``warp(b, compute_flow(a, b))`` rebuilds ``a`` from ``b``'s
  pixels (wherever ``a``'s content is visible in ``b``);
- :func:`consistency_mask` is True where forward and backward flow agree (the pixel is visible in
  both images); its complement is the occlusion mask.

Typical use::

    from shotgraph.flow import compute_flow, warp, consistency_mask

    fwd = compute_flow(prev, cur, method="dis", preset="medium")
    bwd = compute_flow(cur, prev, method="dis", preset="medium")
    predicted = warp(cur, fwd)                       # prev, rebuilt from cur
    visible = consistency_mask(fwd, bwd)             # where that prediction can be trusted

For many frames, build the estimator once with :func:`make_estimator`. RAFT (torch, a checkpoint you
bring) is a backend: :func:`shotgraph.backends.flow.make_flow_estimator` builds any of the three.
"""

from shotgraph.flow.estimate import (
    FLOW_METHODS,
    FLOW_PRESETS,
    FlowEstimator,
    FlowMethod,
    FlowPreset,
    compute_flow,
    make_estimator,
)
from shotgraph.flow.io import read_flo, read_flow_png16, write_flo, write_flow_png16
from shotgraph.flow.visualise import colour_wheel, flow_to_rgb
from shotgraph.flow.warp import (
    consistency_mask,
    flow_magnitude,
    occlusion_mask,
    resize_flow,
    round_trip_error,
    warp,
    warping_error,
)

__all__ = [
    "FLOW_METHODS",
    "FLOW_PRESETS",
    "FlowEstimator",
    "FlowMethod",
    "FlowPreset",
    "colour_wheel",
    "compute_flow",
    "consistency_mask",
    "flow_magnitude",
    "flow_to_rgb",
    "make_estimator",
    "occlusion_mask",
    "read_flo",
    "read_flow_png16",
    "round_trip_error",
    "resize_flow",
    "warp",
    "warping_error",
    "write_flo",
    "write_flow_png16",
]
