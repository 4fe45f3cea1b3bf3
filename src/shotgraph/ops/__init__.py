"""Ops: one module per capability.

Each module holds pure functions on frames, a documented clip -> clip function (the Python API),
and the registration that exposes it to the project file and the CLI (see :mod:`.registry`).
"""

from shotgraph.ops.registry import Backend, OpContext, OpKind, OpSpec, get_op, load_ops, op

__all__ = ["Backend", "OpContext", "OpKind", "OpSpec", "get_op", "load_ops", "op"]
