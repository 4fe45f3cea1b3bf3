"""Life for a talking head made from a single photo: blinks and subtle head motion.

Both are deterministic functions of the seed and the frame rate: the same seed gives the same
blinks and sway at any point of the clip, so frames can be rendered in any order.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np

from shotgraph.lipsync.geometry import Pose
from shotgraph.lipsync.visemes import MouthTrack

# A blink: the lids close in ~70 ms, stay shut ~50 ms and reopen in ~150 ms.
_CLOSE, _HOLD, _OPEN = 0.07, 0.05, 0.15
_BLINK_GAP = (2.5, 5.5)  # seconds between blinks (people blink every 2-10 s while talking)
# head sway amplitudes at head_motion = 1: degrees, face heights, face heights, relative scale
_SWAY = {"head_angle": 1.6, "head_dx": 0.010, "head_dy": 0.006, "head_scale": 0.008}
_NOD = 0.012  # extra downward head travel (face heights) while speaking loudly


def blink_track(n_frames: int, fps: Fraction, seed: int) -> np.ndarray:
    """Eyelid closure 0..1 per frame; a frame shows a blink if any part of its interval does."""
    rng = np.random.default_rng([seed, 1])
    duration = n_frames / float(fps)
    starts = []
    t = rng.uniform(0.6, 2.0)
    while t < duration:
        starts.append(t)
        t += rng.uniform(*_BLINK_GAP)
    # sample each frame at three instants so a short blink is never skipped at low frame rates
    instants = (np.arange(n_frames)[:, None] + np.array([0.2, 0.5, 0.8])) / float(fps)
    closure = np.zeros_like(instants)
    for start in starts:
        local = instants - start
        closing = np.clip(local / _CLOSE, 0, 1)
        opening = np.clip(1 - (local - _CLOSE - _HOLD) / _OPEN, 0, 1)
        closure = np.maximum(closure, np.where(local < _CLOSE + _HOLD, closing, opening) * (local >= 0))
    return closure.max(axis=1).astype(np.float32)


def sway_track(n_frames: int, fps: Fraction, seed: int, amount: float) -> dict[str, np.ndarray]:
    """Slow head sway: three incommensurate sines per axis (0.05-0.4 Hz) with random phases."""
    rng = np.random.default_rng([seed, 2])
    t = (np.arange(n_frames) + 0.5) / float(fps)
    tracks = {}
    for name, amplitude in _SWAY.items():
        freqs = rng.uniform(0.05, 0.4, 3)
        phases = rng.uniform(0, 2 * np.pi, 3)
        weights = np.array([0.5, 0.3, 0.2])
        tracks[name] = amount * amplitude * (weights[:, None] * np.sin(2 * np.pi * freqs[:, None] * t + phases[:, None])).sum(0)
    return tracks


def talking_head_poses(track: MouthTrack, fps: Fraction, seed: int, head_motion: float,
                       blinks: bool) -> list[Pose]:
    """A pose per frame for a photo: the mouth from the audio, plus blinks, sway and speech nods."""
    n = len(track)
    blink = blink_track(n, fps, seed) if blinks else np.zeros(n, np.float32)
    sway = sway_track(n, fps, seed, head_motion)
    nod = head_motion * _NOD * track.loudness
    return [
        Pose(open=float(track.open[k]), width=float(track.width[k]), blink=float(blink[k]),
             head_angle=float(sway["head_angle"][k]), head_dx=float(sway["head_dx"][k]),
             head_dy=float(sway["head_dy"][k] + nod[k]), head_scale=float(sway["head_scale"][k]))
        for k in range(n)
    ]
