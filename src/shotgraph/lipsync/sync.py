"""Measuring lip sync: the audio-visual offset of a talking-face video.

Per frame, the mouth opening (the face mesh's inner-lip gap, in mouth widths) and the speech
energy under that frame (dB, mapped onto the speaker's 40 dB range). The offset is the lag that
maximises their normalised cross-correlation, refined to a fraction of a frame by a parabola
through the peak. A positive offset means the mouth moves *after* the sound (the video lags the
audio; shift the video earlier, or delay the audio, by that much).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction

import numpy as np

from shotgraph.clip import AudioInfo, Clip
from shotgraph.errors import MediaError
from shotgraph.lipsync.faces import LandmarkerFactory, pick_face

ENERGY_RANGE_DB = 40.0
MIN_CONFIDENT_CORRELATION = 0.4


@dataclass(frozen=True)
class SyncReport:
    offset_ms: float
    offset_frames: float
    correlation: float  # at the best lag: how much the mouth follows the speech (-1..1)
    correlation_at_zero: float
    fps: float
    frames: int
    frames_with_face: int
    max_offset_ms: float

    @property
    def confident(self) -> bool:
        """The mouth clearly follows the speech, and the best lag is inside the searched range."""
        return bool(self.correlation >= MIN_CONFIDENT_CORRELATION and abs(self.offset_ms) < self.max_offset_ms - 1e-6)

    def as_dict(self) -> dict:
        values = {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}
        return {**values, "confident": bool(self.confident)}


def mouth_openings(clip: Clip, landmarkers: LandmarkerFactory, face_index: int = 0) -> np.ndarray:
    """Inner-lip gap (mouth widths) of the chosen face in every frame; NaN where no face is found."""
    from shotgraph.lipsync.geometry import inner_gap

    openings = np.full(clip.n_frames, np.nan)
    with landmarkers(max(4, face_index + 1)) as landmarker:
        for k, frame in enumerate(clip.frames()):
            face = pick_face(landmarker.detect(frame), face_index)
            if face is not None:
                openings[k] = inner_gap(face.points)
    return openings


def speech_activity(clip: Clip) -> np.ndarray:
    """Speech energy under each frame, mapped to 0 (40 dB below the loud level) .. 1 (loud)."""
    from shotgraph.lipsync.speech import frame_energy_db
    from shotgraph.clip import conform_audio

    mono = (chunk[0] for chunk in conform_audio(clip, AudioInfo(clip.audio.sample_rate, 1)))
    db = frame_energy_db(mono, clip.audio.sample_rate, clip.video.fps, clip.n_frames)
    level = float(np.percentile(db, 95))
    return np.clip((db - (level - ENERGY_RANGE_DB)) / ENERGY_RANGE_DB, 0.0, 1.0)


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    if len(a) < 3 or a.std() < 1e-9 or b.std() < 1e-9:
        return 0.0
    return float(np.corrcoef(a, b)[0, 1])


def best_lag(opening: np.ndarray, activity: np.ndarray, max_lag: int) -> tuple[float, float, float]:
    """``(lag in frames, correlation there, correlation at lag 0)``; lag > 0: the mouth is late."""
    n = len(opening)
    max_lag = max(1, min(max_lag, n // 3))
    lags = np.arange(-max_lag, max_lag + 1)
    scores = np.array([
        _correlation(opening[max(lag, 0) : n + min(lag, 0)], activity[max(-lag, 0) : n - max(lag, 0)])
        for lag in lags
    ])
    peak = int(np.argmax(scores))
    lag = float(lags[peak])
    if 0 < peak < len(scores) - 1:  # parabola through the peak and its neighbours
        left, centre, right = scores[peak - 1 : peak + 2]
        curvature = left - 2 * centre + right
        if curvature < 0:
            lag += 0.5 * (left - right) / curvature
    return lag, float(scores[peak]), float(scores[max_lag])


def measure_sync(clip: Clip, landmarkers: LandmarkerFactory, face_index: int = 0,
                 max_offset_ms: float = 500.0) -> SyncReport:
    """The audio-visual offset of ``clip``'s chosen face (see the module docstring), its landmarks
    found by ``landmarkers`` (e.g. :class:`shotgraph.backends.mediapipe.face.FaceLandmarker`)."""
    if clip.audio is None:
        raise MediaError(f"{clip.name} has no audio: nothing to check the mouth against")
    openings = mouth_openings(clip, landmarkers, face_index)
    found = ~np.isnan(openings)
    if found.sum() < max(3, 0.5 * clip.n_frames):
        raise MediaError(f"{clip.name}: face {face_index} found in only {int(found.sum())} of {clip.n_frames} "
                         "frames; sync needs a visible face in most frames")
    frame_index = np.arange(clip.n_frames)
    openings = np.interp(frame_index, frame_index[found], openings[found])
    activity = speech_activity(clip)
    fps = Fraction(clip.video.fps)
    max_lag = int(np.ceil(max_offset_ms / 1000 * float(fps)))
    lag, score, at_zero = best_lag(openings, activity, max_lag)
    return SyncReport(offset_ms=float(lag * 1000 / float(fps)), offset_frames=float(lag), correlation=float(score),
                      correlation_at_zero=at_zero, fps=float(fps), frames=clip.n_frames,
                      frames_with_face=int(found.sum()), max_offset_ms=max_lag * 1000 / float(fps))
