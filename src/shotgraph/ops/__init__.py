"""Ops: one module per op.

Each module holds the op's params model, its registration (which exposes it to the project file and
the CLI, see :mod:`.registry`) and, where the op is one, its documented clip -> clip function (the
Python API, validated once at the top). The work itself lives in the capability packages below
(:mod:`shotgraph.media`, :mod:`shotgraph.flow`, :mod:`shotgraph.finish`, ...) and the model
families in :mod:`shotgraph.backends`.
"""

from importlib import import_module

__all__ = ["OpContext", "OpKind", "OpSpec", "get_op", "load_ops", "op"]


def __getattr__(name: str):
    # loaded on first use: the CLI lists ops from :mod:`.index` without importing the registry
    if name not in __all__:
        raise AttributeError(f"module 'shotgraph.ops' has no attribute {name!r}")
    return getattr(import_module("shotgraph.ops.registry"), name)
