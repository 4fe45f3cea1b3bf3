"""shotgraph: AI-assisted video as one reproducible, cached graph.

Layers, bottom to top; a module imports only from its own layer or those below it (a test checks it):

- ``errors``, ``fsutil``, ``background``, ``progress``, ``validation``: shared basics
- ``clip`` (the lazy, re-iterable frame + audio stream every op consumes and produces), ``params``
  (the parameter types ops are built from) and ``media`` (PyAV reading, writing, probing, resizing
  and retiming clips)
- capability code, each with no model in it: ``flow`` (optical flow, warping), ``motion`` (camera
  paths, 2D/3D reprojection), ``masks``, ``lipsync``, ``finish`` (edit, mix, transitions, titles,
  loudness, LUTs, delivery, conform), ``generation`` (what video models offer, long shots),
  ``scenes``, ``schedule``, ``colour_match``
- ``backends``: one adapter per model family, each declaring its :class:`~shotgraph.backends.base.Backend`
  (what it needs installed, where its weights are)
- ``ops``: one module per op (params, registration, the Python function), reached through
  :mod:`shotgraph.ops.registry`
- ``graph``: project file, content-addressed cache, executor, manifests, replay, conform export
- ``cli``: the ``shotgraph`` command (a private layer: nothing here imports it)
"""

__version__ = "0.1.0"
