"""The ``overlay`` op: text, an image or a picture-in-picture clip over a time range of the shot
(the layers are :mod:`shotgraph.finish.overlay`)."""

from __future__ import annotations

from shotgraph.finish.overlay import OverlaySpec, overlay
from shotgraph.ops.registry import OpKind, op


@op("overlay", version=1, params=OverlaySpec, kind=OpKind.FILTER,
    summary="Text, an image or a picture-in-picture clip over a time range (shipped DejaVu font).")
def _run(inputs, params: OverlaySpec, ctx):
    return overlay(inputs[0], [params], ctx.clip, ctx.file)
