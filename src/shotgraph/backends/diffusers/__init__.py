"""Video generation with diffusers: one adapter module per model family.

``svd`` (Stable Video Diffusion), ``cogvideox``, ``ltx`` (LTX-Video), ``wan`` (Wan 2.1),
``animatediff`` (with ControlNet guides) and ``modelscope`` each describe their pipelines and call
arguments (:mod:`.family`); :mod:`.loader` loads weights offline from local folders and applies the
memory savers; :mod:`.video` runs one segment; :mod:`.img2img` is the per-frame image-to-image
adapter (what a Deforum-style loop diffuses each frame with).

Importing this package does not import torch or diffusers; they load when a model first runs.
"""
