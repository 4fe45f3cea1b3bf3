"""Optical-flow backends: OpenCV DIS and Farneback (:mod:`shotgraph.flow`) and RAFT (torch).

The ops that estimate motion (``flow``, ``deflicker``, ``interpolate``) offer these backends and
build their estimator with :func:`make_flow_estimator`.
"""

from __future__ import annotations

from pathlib import Path

from shotgraph.backends.opencv import DIS, FARNEBACK
from shotgraph.backends.raft import RAFT
from shotgraph.flow.estimate import FlowEstimator, FlowPreset, make_estimator

FLOW_BACKENDS = (DIS, FARNEBACK, RAFT)


def make_flow_estimator(backend: str = "dis", preset: FlowPreset = "medium", scale: float = 1.0,
                        weights: str | Path | None = None, threads: int = 0) -> FlowEstimator:
    """A reusable estimator for ``backend`` (``dis``, ``farneback`` or ``raft``; RAFT's checkpoint is
    ``weights`` or the one in the models folder)."""
    if backend == RAFT.name:
        from shotgraph.backends.raft import RaftFlow

        return RaftFlow(weights=weights, preset=preset, scale=scale, threads=threads)
    return make_estimator(backend, preset, scale)
