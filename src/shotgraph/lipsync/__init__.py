"""Lip-sync and talking heads: make a face in a video or a photo speak a given audio track.

The pieces, each small and testable on its own:

- :mod:`.speech`: the driving audio, its exact length, and per-hop spectral features (16 kHz mono);
- :mod:`.visemes`: a phoneme-free viseme classifier turning features into mouth opening and width;
- :mod:`.geometry`: MediaPipe face-mesh topology and the target landmarks for a mouth/jaw/eye pose;
- :mod:`.warp`: the landmark-driven piecewise-affine warp and the inner-mouth fill;
- :mod:`.motion`: blinks and subtle head motion for talking heads made from a photo;
- :mod:`.timeline`: how a face video is stretched or cut to the audio's length;
- :mod:`.render`: the clips the ``lipsync`` op returns for the default (mesh) backend;
- :mod:`.sync`: measuring the audio-visual offset of a result (``shotgraph sync-check``).
"""
