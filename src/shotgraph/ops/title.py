"""The ``title`` op: a title card as a shot source (the drawing is :mod:`shotgraph.finish.title`)."""

from __future__ import annotations

from pydantic import Field

from shotgraph.finish.title import TitleSpec, title
from shotgraph.ops.registry import OpKind, op
from shotgraph.params import Fps


class TitleParams(TitleSpec):
    fps: Fps | None = None
    width: int | None = Field(None, gt=0)
    height: int | None = Field(None, gt=0)


@op("title", version=1, params=TitleParams, kind=OpKind.SOURCE,
    summary="A title card: text (and a subtitle) on a colour, with the shipped DejaVu font.",
    project_defaults={"fps": "fps", "width": "width", "height": "height"})
def _run(inputs, params: TitleParams, ctx):
    spec = TitleSpec(**params.model_dump(exclude={"fps", "width", "height"}))
    return title(spec, params.width, params.height, params.fps)
