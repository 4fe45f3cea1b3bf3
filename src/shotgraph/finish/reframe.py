"""Reframe to another aspect (16:9 to 9:16 or 1:1, ...): a centre crop, or a crop that follows
the subject.

Smart mode runs an analysis pass on small frames sampled a few times a second: faces (OpenCV's
bundled Haar cascade), else where things move (frame differences), else what stands out
(spectral-residual saliency). The per-sample subject positions are filled where nothing was
found, interpolated to every frame, smoothed (Gaussian, ``smoothing`` seconds) and slew-limited,
so the virtual camera glides instead of jittering. Only the path (one number per frame) is kept,
then frames stream through the moving crop. Deliverables reframe with it (``fit: smart``), and the
``reframe`` op exposes it as a step.
"""

from __future__ import annotations

from dataclasses import replace
from functools import lru_cache
from typing import Literal

import cv2
import numpy as np

from shotgraph.clip import Clip, MapClip
from shotgraph.errors import ParamError
from shotgraph.media.resize import scale_frame

ANALYSIS_WIDTH = 320
SAMPLES_PER_SECOND = 6


def parse_aspect(text: str) -> float:
    try:
        w, h = (float(v) for v in str(text).replace("/", ":").split(":"))
        if w <= 0 or h <= 0:
            raise ValueError
    except ValueError:
        raise ValueError(f"{text!r} is not an aspect like 9:16 or 1:1") from None
    return w / h


def crop_size(width: int, height: int, aspect: float) -> tuple[int, int]:
    """The largest even-sided window of ``aspect`` inside ``width`` x ``height``."""
    if width / height > aspect:
        w, h = height * aspect, height
    else:
        w, h = width, width / aspect
    return max(2, int(w) // 2 * 2), max(2, int(h) // 2 * 2)


@lru_cache(maxsize=1)
def _face_detector():
    return cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")


def subject_centre(small: np.ndarray, previous: np.ndarray | None) -> tuple[float, float] | None:
    """Where the subject is in a small RGB frame, as fractions of its size; None if nothing stands out."""
    grey = cv2.cvtColor(small[..., :3], cv2.COLOR_RGB2GRAY)
    faces = _face_detector().detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5,
                                              minSize=(max(12, small.shape[0] // 12),) * 2)
    height, width = grey.shape
    if len(faces):
        x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
        return (x + w / 2) / width, (y + h / 2) / height
    weights = None
    if previous is not None:
        motion = cv2.GaussianBlur(cv2.absdiff(grey, previous).astype(np.float32), (0, 0), 3)
        if motion.max() > 12:
            weights = np.where(motion > 0.5 * motion.max(), motion, 0)
    if weights is None:
        ok, saliency = cv2.saliency.StaticSaliencySpectralResidual_create().computeSaliency(small[..., :3])
        if not ok or saliency.max() <= 0:
            return None
        weights = np.where(saliency > 0.6 * saliency.max(), saliency, 0).astype(np.float32)
    total = weights.sum()
    if total <= 0:
        return None
    ys, xs = np.mgrid[0:height, 0:width]
    return float((weights * xs).sum() / total + 0.5) / width, float((weights * ys).sum() / total + 0.5) / height


def subject_path(clip: Clip) -> np.ndarray:
    """``(n_frames, 2)`` subject centre per frame (fractions), NaN-free: gaps are held / centred."""
    n = clip.n_frames
    every = max(1, round(float(clip.video.fps) / SAMPLES_PER_SECOND))
    small_w = min(ANALYSIS_WIDTH, clip.video.width)
    small_h = max(2, round(clip.video.height * small_w / clip.video.width))
    picks, found = [], []
    previous = None
    for index, frame in enumerate(clip.frames()):
        if index % every:
            continue
        small = cv2.resize(frame[..., :3], (small_w, small_h), interpolation=cv2.INTER_AREA)
        centre = subject_centre(small, previous)
        previous = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
        if centre is not None:
            picks.append(index)
            found.append(centre)
    if not picks:
        return np.full((n, 2), 0.5)
    points = np.asarray(found)
    frames = np.arange(n)
    return np.stack([np.interp(frames, picks, points[:, 0]), np.interp(frames, picks, points[:, 1])], axis=1)


def smooth_path(path: np.ndarray, fps: float, smoothing: float, max_speed: float) -> np.ndarray:
    """Gaussian-smoothed, then slew-limited (``max_speed`` of the frame per second) camera path."""
    from scipy.ndimage import gaussian_filter1d  # scipy loads in ~0.2 s: only when reframing

    smoothed = gaussian_filter1d(path, sigma=smoothing * fps, axis=0, mode="nearest") if smoothing > 0 else path.copy()
    step = max_speed / fps
    limited = smoothed.copy()
    for k in range(1, len(limited)):
        limited[k] = limited[k - 1] + np.clip(smoothed[k] - limited[k - 1], -step, step)
    return limited


def reframe(clip: Clip, aspect: float | str, width: int | None = None, height: int | None = None,
            mode: Literal["center", "smart"] = "smart", smoothing: float = 0.6, max_speed: float = 0.5) -> Clip:
    """``clip`` cropped to ``aspect`` (centred, or following the subject) and scaled to ``width`` x ``height``."""
    ratio = parse_aspect(aspect) if isinstance(aspect, str) else float(aspect)
    v = clip.video
    crop_w, crop_h = crop_size(v.width, v.height, ratio)
    if width is None and height is None:
        width, height = crop_w, crop_h
    elif width is None or height is None:
        width = width or max(2, round(height * ratio / 2) * 2)
        height = height or max(2, round(width / ratio / 2) * 2)
    if abs(width / height - ratio) > 0.02:
        raise ParamError(f"reframe: {width}x{height} is not the aspect {aspect}")
    if mode == "smart":
        path = smooth_path(subject_path(clip), float(v.fps), smoothing, max_speed)
    else:
        path = np.full((clip.n_frames, 2), 0.5)
    left = np.clip(np.round(path[:, 0] * v.width - crop_w / 2), 0, v.width - crop_w).astype(int)
    top = np.clip(np.round(path[:, 1] * v.height - crop_h / 2), 0, v.height - crop_h).astype(int)

    def crop(frame: np.ndarray, index: int) -> np.ndarray:
        window = frame[top[index] : top[index] + crop_h, left[index] : left[index] + crop_w]
        return scale_frame(np.ascontiguousarray(window), width, height)

    out = MapClip(clip, crop, replace(v, width=width, height=height), name=f"{clip.name} {aspect}")
    out.crop_left, out.crop_top = left, top  # the camera path, for inspection and tests
    return out
