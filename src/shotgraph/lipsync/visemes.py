"""A phoneme-free viseme classifier: mouth shapes from loudness and spectral shape alone.

Each 10 ms hop gets soft weights over six visemes from a few robust cues:

========  ===========================================  ===================
viseme    cue                                          mouth (open, width)
========  ===========================================  ===================
rest      below the speech gate (silence, breath)      closed, neutral
MBP       quiet murmur with nothing above 600 Hz (m)   closed, neutral
FV        noise above 1.5 kHz, no voicing (f, s, sh)   nearly closed, spread
AA        vowel, 600-1500 Hz strong against < 600 Hz  wide open
EE        close vowel, 1500-3500 Hz above 600-1500 Hz  half open, spread
OO        close vowel, 600-1500 Hz above 1500-3500 Hz  half open, rounded
========  ===========================================  ===================

Vowels are told apart by ratios of band energies (so loudness and the voice's spectral tilt
cancel): an open vowel's F1 lies in 600-1500 Hz; a close front vowel has a valley there and its F2
above 1500 Hz; a close rounded vowel keeps F2 low, in 600-1500 Hz. Opening also grows with loudness relative
to the speaker's own level (the 95th percentile of active hops), so shouting opens wider than
murmuring. The blended (open, width) tracks are smoothed with a zero-phase Gaussian (no lag: the
mouth stays in sync) and sampled at video frame centres.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np

from shotgraph.lipsync.speech import SILENCE_DB, SpeechFeatures

VISEMES = ("rest", "MBP", "FV", "AA", "EE", "OO")
# (open 0..1, width -1 rounded .. +1 spread) of each viseme at full loudness
SHAPES = np.array([
    [0.00, 0.0],
    [0.00, 0.0],
    [0.16, 0.3],
    [1.00, 0.1],
    [0.50, 0.6],
    [0.60, -0.7],
], np.float32)
GATE_DB = 35.0  # hops this far below the speaker's level are silence
DYNAMIC_DB = 30.0  # loudness range mapped onto opening


def _smoothstep(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    t = np.clip((x - lo) / (hi - lo), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def speaker_level(features: SpeechFeatures) -> float:
    """The speaker's loud level (dB): the 95th percentile of non-silent hops."""
    voiced = features.db[features.db > SILENCE_DB + 10]
    return float(np.percentile(voiced, 95)) if voiced.size else SILENCE_DB


def viseme_weights(features: SpeechFeatures) -> tuple[np.ndarray, np.ndarray]:
    """Soft viseme weights ``(n_hops, 6)`` (rows sum to 1) and loudness ``(n_hops,)`` in 0..1."""
    level = speaker_level(features)
    gate = level - GATE_DB
    active = _smoothstep(features.db, gate, gate + 6.0) if level > SILENCE_DB else np.zeros_like(features.db)
    loud = np.clip((features.db - (level - DYNAMIC_DB)) / DYNAMIC_DB, 0.0, 1.0)
    quiet = 1 - _smoothstep(loud, 0.3, 0.6)
    nasal = _smoothstep(features.low, 0.9, 0.98) * quiet
    fricative = _smoothstep(features.high + features.front, 0.5, 0.75) * (1 - nasal)
    vowel = (1 - nasal) * (1 - fricative)
    # vowel quality from band-energy ratios (dB-like, so the voice's loudness and tilt cancel):
    # open vowels put F1 in 600-1500 Hz; of the close ones, front vowels put F2 above 1500 Hz
    # while rounded back vowels keep it in 600-1500 Hz (Peterson & Barney's formant levels)
    open_ = _smoothstep(np.log10((features.mid + 1e-9) / (features.low + 1e-9)), -1.0, 0.0)
    front = _smoothstep(np.log10((features.front + 1e-9) / (features.mid + 1e-9)), -0.8, 0.0)
    spread = (1 - open_) * front
    rounded = (1 - open_) * (1 - front)
    weights = np.stack([
        1 - active,
        active * nasal,
        active * fricative,
        active * vowel * open_,
        active * vowel * spread,
        active * vowel * rounded,
    ], axis=1).astype(np.float32)
    weights /= weights.sum(axis=1, keepdims=True)
    return weights, loud.astype(np.float32)


def gaussian_smooth(values: np.ndarray, sigma: float) -> np.ndarray:
    """Zero-phase Gaussian smoothing along the first axis (``sigma`` in samples), edges held."""
    if sigma <= 0 or len(values) < 2:
        return values.astype(np.float32)
    radius = int(np.ceil(3 * sigma))
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    taps /= taps.sum()
    padded = np.pad(values.astype(np.float64), [(radius, radius)] + [(0, 0)] * (values.ndim - 1), mode="edge")
    out = np.apply_along_axis(lambda column: np.convolve(column, taps, mode="valid"), 0, padded)
    return out.astype(np.float32)


@dataclass(frozen=True)
class MouthTrack:
    """What the mouth does in each video frame."""

    open: np.ndarray  # 0 closed .. 1 wide open
    width: np.ndarray  # -1 rounded .. +1 spread
    viseme: np.ndarray  # index into VISEMES of the strongest viseme
    loudness: np.ndarray  # 0..1, slow-varying speech energy (head nods)

    def __len__(self) -> int:
        return len(self.open)


def mouth_track(features: SpeechFeatures, fps: Fraction, n_frames: int, smoothing: float = 0.035,
                intensity: float = 1.0) -> MouthTrack:
    """Per-frame mouth shapes for ``n_frames`` frames at ``fps`` (frame ``k`` shows ``(k + .5) / fps``).

    ``smoothing`` is the Gaussian sigma in seconds; at low frame rates it widens so that the shape
    sampled at a frame's centre stands for the whole frame (no aliasing of short syllables).
    """
    weights, loud = viseme_weights(features)
    loud_scale = 0.45 + 0.55 * loud
    open_hop = (weights @ SHAPES[:, 0]) * loud_scale
    width_hop = weights @ SHAPES[:, 1]
    hop = features.hop_seconds
    sigma = float(np.hypot(smoothing, 0.3 / float(fps))) / hop
    smoothed = gaussian_smooth(np.stack([open_hop, width_hop], axis=1), sigma)
    slow = gaussian_smooth(loud * (1 - weights[:, 0]), 0.4 / hop)
    centres = (np.arange(n_frames) + 0.5) / float(fps) / hop
    hops = np.arange(len(features), dtype=np.float64)

    def at_frames(track: np.ndarray) -> np.ndarray:
        if len(track) == 0:
            return np.zeros(n_frames, np.float32)
        return np.interp(centres, hops, track, right=0.0).astype(np.float32)

    nearest = np.clip(np.round(centres).astype(np.int64), 0, max(len(features) - 1, 0))
    viseme = np.argmax(weights, axis=1)[nearest] if len(features) else np.zeros(n_frames, np.int64)
    return MouthTrack(
        open=np.clip(at_frames(smoothed[:, 0]) * intensity, 0.0, 1.5),
        width=np.clip(at_frames(smoothed[:, 1]), -1.0, 1.0),
        viseme=viseme.astype(np.int64),
        loudness=at_frames(slow),
    )
