"""The Deforum loop (animation by feedback img2img), in small parts.

:mod:`.loop` the loop itself (move, colour coherence, contrast, noise, img2img per keyframe);
:mod:`.cadence` the frames between keyframes; :mod:`.prompts` prompt schedules; :mod:`.store` the
keyframes on disk (checkpoints to resume from). The op, its parameters and the Python API are in
:mod:`shotgraph.ops.deforum`; cameras come from :mod:`shotgraph.motion`, as ``animate``'s do.
"""
