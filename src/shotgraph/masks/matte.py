"""From masks to mattes and cut-outs: soft, edge-aware alpha for compositing.

A hard 0/255 mask cuts along pixel edges; compositing wants a matte that follows the picture's own
edges with partial coverage. :func:`edge_aware_matte` runs a guided filter (OpenCV contrib) with
the frame as guide, which snaps the mask's edge to the image's edge and gives hair-width detail
soft values, while flat regions stay fully in or out.
"""

from __future__ import annotations

import cv2
import numpy as np


def edge_aware_matte(frame: np.ndarray, mask: np.ndarray, radius: int) -> np.ndarray:
    """A soft uint8 matte from ``mask``, guided by ``frame``; ``radius`` 0 returns the mask."""
    if radius <= 0:
        return mask
    guide = np.ascontiguousarray(frame[..., :3])
    # eps is relative to the 0..255 range of the guide: lower follows finer image edges
    soft = cv2.ximgproc.guidedFilter(guide, mask.astype(np.float32), radius, (0.02 * 255) ** 2)
    return np.clip(soft + 0.5, 0, 255).astype(np.uint8)


def cutout(frame: np.ndarray, matte: np.ndarray) -> np.ndarray:
    """RGBA: the frame's colour with ``matte`` as alpha."""
    return np.dstack([frame[..., :3], matte])
