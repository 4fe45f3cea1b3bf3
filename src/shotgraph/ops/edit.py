"""The ``edit`` op: the project's cut (the edit model and its rendering are :mod:`shotgraph.finish.edit`)."""

from __future__ import annotations

from shotgraph.finish.edit import EditParams, edit
from shotgraph.finish.mix import AudioTrack
from shotgraph.ops.registry import OpKind, op


@op("edit", version=2, params=EditParams, kind=OpKind.SOURCE, cli=False,
    summary="The cut: clips with in/out, transitions, speed, freeze frames, titles, overlays and mixed audio.",
    project_defaults={"fps": "fps", "width": "width", "height": "height"})
def _run(inputs, params: EditParams, ctx):
    clips = [ctx.clip(spec.shot) if spec.shot is not None else None for spec in params.clips]
    tracks = [AudioTrack(ctx.file(track.file), track) for track in params.audio]
    return edit(clips, params, tracks, ctx.clip, ctx.file)
