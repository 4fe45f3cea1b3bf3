"""The classical backends: OpenCV (and NumPy) methods that need no model and ship with the core.

Their code lives with the capability they serve (:mod:`shotgraph.flow` for optical flow,
:mod:`shotgraph.masks` for GrabCut and keying, :mod:`shotgraph.media.resize` for Lanczos); they
are declared here, once, so that ops list them like any model family.
"""

from __future__ import annotations

from shotgraph.backends.base import Backend

DIS = Backend("dis", "optical flow by OpenCV DIS (default; CPU, no model)")
FARNEBACK = Backend("farneback", "optical flow by OpenCV Farneback (CPU, no model)")
GRABCUT = Backend("grabcut", "OpenCV GrabCut on prompted frames, optical-flow propagation refined per frame")
CHROMA = Backend("chroma", "chroma / colour key with spill suppression, every frame")
LANCZOS = Backend("lanczos", "OpenCV Lanczos-4, no model")
