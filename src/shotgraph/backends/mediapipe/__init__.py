"""Models that ship inside the ``mediapipe`` 0.10.21 wheel: face detection and face mesh
(:mod:`.face`), selfie segmentation (:mod:`.selfie`) and BlazePose (:mod:`.pose`).

MediaPipe is an optional extra (``pip install 'shotgraph[faces]'``, i.e. ``mediapipe==0.10.21``): it
pins ``numpy<2`` and ``opencv-contrib-python`` 4.11, the pair the core already uses. Newer MediaPipe
(1.x) no longer ships the models, so the version is pinned exactly.
"""

from __future__ import annotations

import importlib.util

from shotgraph.errors import BackendUnavailableError

PACKAGE = "mediapipe==0.10.21"
INSTALL_HINT = "pip install 'shotgraph[faces]' (that is: pip install mediapipe==0.10.21 scipy)"
IN_WHEEL = f"inside the {PACKAGE} wheel"


def require_mediapipe(what: str) -> None:
    """Raise a clear error naming the package to install when MediaPipe is missing."""
    if importlib.util.find_spec("mediapipe") is None:
        raise BackendUnavailableError(
            f"{what} needs MediaPipe 0.10.21, whose models ship inside its wheel: {INSTALL_HINT}"
        )
