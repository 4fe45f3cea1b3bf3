"""Synthetic faces and speech for lip-sync tests (no network, no ../shared).

:func:`draw_face` paints a flat cartoon face that MediaPipe's face detector and face mesh find
(checked: the mesh's inner-lip landmarks follow the drawn mouth's opening). :func:`speech_like`
makes speech-like audio: voiced syllables (a glottal pulse train through three formant
resonators, /a/ /i/ /u/), a few fricative noise bursts, grouped into words and phrases with pauses
of known position.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np
from scipy.signal import butter, lfilter

from shotgraph.clip import FunctionClip, VideoInfo
from shotgraph.media import write_clip

SKIN = (224, 172, 140)
BACKGROUND = (70, 110, 160)


def draw_face(size: int = 256, mouth_open: float = 0.0, dx: float = 0.0, dy: float = 0.0,
              canvas: np.ndarray | None = None, centre_x: float | None = None) -> np.ndarray:
    """A frontal cartoon face (RGB), mouth ``mouth_open`` 0..1, shifted by ``dx, dy`` pixels."""
    img = np.full((size, size, 3), BACKGROUND, np.uint8) if canvas is None else canvas
    s = size / 512
    c = (centre_x if centre_x is not None else img.shape[1] / 2) + dx
    m = size / 2 + dy

    def p(x, y):
        return int(round(c + x * s)), int(round(m + y * s))

    def ax(a, b):
        return max(1, int(round(a * s))), max(1, int(round(b * s)))

    cv2.rectangle(img, p(-60, 120), p(60, 512), (205, 150, 120), -1)  # neck
    cv2.ellipse(img, p(0, -30), ax(150, 185), 0, 0, 360, (60, 40, 30), -1)  # hair
    cv2.ellipse(img, p(0, 10), ax(130, 170), 0, 0, 360, SKIN, -1)
    for side in (-1, 1):
        cv2.ellipse(img, p(side * 130, 10), ax(18, 35), 0, 0, 360, (215, 160, 130), -1)  # ear
        cv2.ellipse(img, p(side * 55, -55), ax(35, 10), 0, 180, 360, (70, 45, 30), max(1, int(6 * s)))  # brow
        cv2.ellipse(img, p(side * 55, -25), ax(28, 13), 0, 0, 360, (250, 250, 250), -1)
        cv2.circle(img, p(side * 55, -25), max(1, int(11 * s)), (90, 60, 40), -1)
        cv2.circle(img, p(side * 55, -25), max(1, int(5 * s)), (10, 10, 10), -1)
        cv2.ellipse(img, p(side * 55, -25), ax(28, 13), 0, 0, 360, (120, 80, 60), max(1, int(2 * s)))
    nose = np.array([p(0, -15), p(-18, 40), p(18, 40)], np.int32)
    cv2.polylines(img, [nose], False, (180, 120, 95), max(1, int(3 * s)))
    cv2.ellipse(img, p(0, 42), ax(22, 9), 0, 0, 180, (170, 110, 90), max(1, int(3 * s)))
    cv2.ellipse(img, p(0, 90), ax(50, 10 + mouth_open * 25), 0, 0, 360, (170, 70, 70), -1)
    if mouth_open > 0.05:
        cv2.ellipse(img, p(0, 90), ax(40, mouth_open * 22), 0, 0, 360, (60, 15, 20), -1)
    else:
        cv2.line(img, p(-48, 90), p(48, 90), (110, 40, 40), max(1, int(3 * s)))
    return cv2.GaussianBlur(img, (0, 0), 1.5 * s + 0.3)


def two_faces(size: int = 256) -> np.ndarray:
    """Two faces side by side in one ``(size, 2 * size)`` frame; the right one's mouth is open."""
    canvas = np.full((size, 2 * size, 3), BACKGROUND, np.uint8)
    left = draw_face(size, 0.0, canvas=canvas.copy(), centre_x=size / 2)
    both = draw_face(size, 0.6, canvas=left, centre_x=1.5 * size)
    return both


# -- speech ----------------------------------------------------------------------------------------

VOWELS = {"a": (730, 1090, 2440), "i": (270, 2290, 3010), "u": (300, 870, 2240)}


@dataclass
class Speech:
    samples: np.ndarray  # float32 mono
    rate: int
    voiced: list[tuple[float, float]]  # (start, end) seconds of each sound

    @property
    def seconds(self) -> float:
        return len(self.samples) / self.rate

    def silent_frames(self, fps: Fraction, n_frames: int, margin: float = 0.15) -> np.ndarray:
        """Frames whose whole interval is at least ``margin`` seconds away from any sound."""
        starts = np.arange(n_frames) / float(fps)
        ends = starts + 1 / float(fps)
        quiet = np.ones(n_frames, bool)
        for start, end in self.voiced:
            quiet &= (ends < start - margin) | (starts > end + margin)
        return quiet


def _resonate(signal: np.ndarray, freq: float, bandwidth: float, rate: int) -> np.ndarray:
    r = np.exp(-np.pi * bandwidth / rate)
    theta = 2 * np.pi * freq / rate
    return lfilter([1 - r], [1, -2 * r * np.cos(theta), r * r], signal)


def speech_like(seconds: float = 4.0, rate: int = 16000, seed: int = 0, lead_in: float = 0.5) -> Speech:
    """Phrases of 2-4 syllables with pauses of 0.45-0.8 s, starting after ``lead_in`` seconds."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * rate))
    voiced = []
    t = lead_in
    while True:
        syllables = rng.integers(2, 5)
        for _ in range(syllables):
            length = rng.uniform(0.14, 0.28)
            if t + length > seconds - 0.3:
                break
            n = int(length * rate)
            f0 = rng.uniform(105, 140)
            phase = np.cumsum(np.full(n, f0 / rate))
            pulses = (np.diff(np.floor(phase), prepend=0) > 0).astype(float)
            vowel = VOWELS["aiu"[rng.integers(0, 3)]]
            sound = sum(_resonate(pulses, f, 70 + 20 * k, rate) * (1.0, 0.5, 0.25)[k] for k, f in enumerate(vowel))
            envelope = np.sin(np.pi * np.linspace(0, 1, n)) ** 0.6 * rng.uniform(0.5, 1.0)
            start = int(t * rate)
            out[start : start + n] += sound * envelope
            if rng.random() < 0.3:  # a fricative onset before the vowel
                noise_n = int(0.05 * rate)
                b, a = butter(4, 3000 / (rate / 2), "high")
                noise = lfilter(b, a, rng.standard_normal(noise_n)) * 0.08
                onset = max(0, start - noise_n)
                out[onset:start] += noise[: start - onset]
                voiced.append((onset / rate, t + length))
            else:
                voiced.append((t, t + length))
            t += length + rng.uniform(0.03, 0.08)
        t += rng.uniform(0.45, 0.8)
        if t > seconds - 0.5:
            break
    peak = np.abs(out).max() or 1.0
    return Speech((0.6 * out / peak).astype(np.float32), rate, voiced)


def write_wav(path: Path, samples: np.ndarray, rate: int) -> Path:
    """16-bit PCM mono WAV."""
    with wave.open(str(path), "wb") as handle:
        handle.setnchannels(1)
        handle.setsampwidth(2)
        handle.setframerate(rate)
        handle.writeframes((np.clip(samples, -1, 1) * 32767).astype("<i2").tobytes())
    return path


def face_video(path: Path, n_frames: int, fps=Fraction(25), size: int = 256) -> Path:
    """A face video whose head drifts and whose own mouth opens and closes (0.7 Hz), silent."""

    def frame(k: int) -> np.ndarray:
        t = k / float(fps)
        mouth = max(0.0, np.sin(2 * np.pi * 0.7 * t)) * 0.7
        return draw_face(size, mouth, dx=6 * np.sin(2 * np.pi * 0.3 * t), dy=3 * np.sin(2 * np.pi * 0.5 * t))

    clip = FunctionClip(VideoInfo(size, size, Fraction(fps), n_frames), frame, name="face")
    return write_clip(clip, path)
