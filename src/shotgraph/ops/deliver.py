"""The ``deliver`` op: a project's deliverable, encoded and validated (:mod:`shotgraph.finish.delivery`)."""

from __future__ import annotations

from shotgraph.finish.delivery import DeliverParams, EncodedFile, prepare
from shotgraph.ops.registry import OpKind, op


@op("deliver", version=3, params=DeliverParams, kind=OpKind.FILTER, cli=False,
    summary="Encode to a final file from a preset or explicit settings; validate the result.")
def _run(inputs, params: DeliverParams, ctx):
    return EncodedFile(prepare(inputs[0], params), params, ctx.threads, ctx.log)
