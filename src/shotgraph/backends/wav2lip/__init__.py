"""Wav2Lip (Prajwal et al., 2020): a network that redraws the lower half of a face to match speech.

The network, its mel-spectrogram front end and the crop/paste-back are implemented here; the
weights are the public checkpoints the user downloads (``wav2lip.pth`` or ``wav2lip_gan.pth``),
loaded as saved (a ``state_dict`` whose keys may carry DataParallel's ``module.`` prefix). Faces
are found with the same MediaPipe detector as the default backend.
"""

from __future__ import annotations

from shotgraph.backends.base import Backend
from shotgraph.backends.weights import family_weights, folder_checkpoint

WEIGHTS_FAMILY = "wav2lip"
WEIGHTS_FILES = ("wav2lip_gan.pth", "wav2lip.pth")
WEIGHTS_SOURCE = ("the Wav2Lip project (github.com/Rudrabha/Wav2Lip, 'Getting the weights': "
                  "Wav2Lip or Wav2Lip + GAN)")

WAV2LIP = Backend(
    "wav2lip",
    "Wav2Lip network in torch with your checkpoint; MediaPipe face detection; feathered paste-back",
    requires=("torch", "mediapipe"),
    extra="wav2lip",
    weights=f"{WEIGHTS_FAMILY}/{' or '.join(WEIGHTS_FILES)} from {WEIGHTS_SOURCE}",
    weights_check=lambda: family_weights(WEIGHTS_FAMILY, [(name.removesuffix(".pth"), (name,)) for name in WEIGHTS_FILES],
                                         WEIGHTS_SOURCE),
    locate=folder_checkpoint(WEIGHTS_FAMILY, WEIGHTS_FILES, WEIGHTS_SOURCE, field="checkpoint"),
)
