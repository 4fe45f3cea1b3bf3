"""Importing torchvision when its compiled ops do not match the installed torch.

PyPI's Linux torchvision wheels are built against CUDA torch. Next to the CPU-only torch wheel
(what shotgraph installs; the CUDA one is gigabytes), torchvision's ``_C`` library cannot load, and
``import torchvision`` then fails with ``operator torchvision::nms does not exist`` because two of
its fake-tensor registrations are not guarded. Everything else in torchvision is Python and works:
spandrel only needs ``torchvision.transforms.functional``, RAFT only ``torchvision.models``.

:func:`import_torchvision` declares the schemas of those two ops (``nms``, ``qnms``) so the import
succeeds; calling them still raises (they have no kernel), which is the truth on such an install.
With a matching torchvision (a CUDA torch, or the CPU build from PyTorch's own index) nothing is
done.
"""

from __future__ import annotations

import importlib.util
import sys
import threading

_LOCK = threading.Lock()
_SCHEMAS = {
    "nms": "nms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
    "qnms": "qnms(Tensor dets, Tensor scores, float iou_threshold) -> Tensor",
}
_LIBRARY = None  # kept alive: dropping a torch.library.Library removes its definitions


def import_torchvision():
    """``import torchvision``, working around a torchvision built for another torch (see above)."""
    global _LIBRARY
    with _LOCK:
        if "torchvision" in sys.modules and hasattr(sys.modules["torchvision"], "transforms"):
            return sys.modules["torchvision"]
        try:
            import torchvision
        except RuntimeError as error:
            if "torchvision::" not in str(error):
                raise
            import torch

            for name in [n for n in sys.modules if n == "torchvision" or n.startswith("torchvision.")]:
                del sys.modules[name]
            _LIBRARY = torch.library.Library("torchvision", "DEF")
            for schema in _SCHEMAS.values():
                _LIBRARY.define(schema)
            import torchvision
        return torchvision


def prepare() -> None:
    """Call before importing transformers, diffusers, spandrel or sam2: they import torchvision
    when it is installed (spandrel pulls it in), and a mismatched one would break them."""
    if "torchvision" not in sys.modules and importlib.util.find_spec("torchvision") is not None:
        import_torchvision()
