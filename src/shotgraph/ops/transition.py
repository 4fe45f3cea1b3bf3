"""The ``transition`` op: join the shot so far to another clip through a crossfade, dip, wipe or
zoom-through (the blends and the joining are :mod:`shotgraph.finish.transitions`)."""

from __future__ import annotations

from pydantic import Field

from shotgraph.finish.transitions import TransitionSpec, transition
from shotgraph.media.retime import ConformMode
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import ClipRef


class TransitionParams(TransitionSpec):
    """Join the shot so far to ``clip`` through a transition."""

    clip: ClipRef = Field(description="the shot (or video asset) that comes in")
    fit: ConformMode = Field("pad", description="how the incoming clip is fitted to this one's size")


@op("transition", version=1, params=TransitionParams, kind=OpKind.FILTER,
    summary="Join the shot to another clip through a crossfade, dip, wipe or zoom-through.")
def _run(inputs, params: TransitionParams, ctx):
    spec = TransitionSpec(**params.model_dump(exclude={"clip", "fit"}))
    return transition(inputs[0], ctx.clip(params.clip), spec, params.fit)
