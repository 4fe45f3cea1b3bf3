"""Generated shots, independent of the model that makes them.

:mod:`.video` is what every video-generation backend offers (one segment per call, a
:class:`~shotgraph.generation.video.VideoRequest` in, a clip out); :mod:`.longshot` builds shots
longer than a model's clip from continued, colour-matched segments, the same way for every backend.
The backends themselves (diffusers families, hosted services) live in :mod:`shotgraph.backends`.
"""
