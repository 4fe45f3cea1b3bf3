"""The default (mesh) backend's clips: a talking head from a photo, a re-animated mouth in a video.

Both are lazy clips: frame ``k`` is computed when asked for, from the face's landmarks and the pose
the audio gives frame ``k``, so memory stays bounded and any frame range can be read on its own.
In a video, the landmarks of each frame are smoothed over a few neighbouring frames in the face's
own coordinates (position, scale and roll taken out), which removes landmark jitter without
lagging behind head motion.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from shotgraph.clip import Clip, VideoInfo
from shotgraph.lipsync.faces import Face, LandmarkerFactory, Landmarker, pick_face
from shotgraph.lipsync.geometry import (INNER_LOWER, INNER_UPPER, OUTER_LOWER, OUTER_UPPER, FaceFrame, Pose,
                                        head_ring, head_transform, inner_gap, posed_landmarks)
from shotgraph.lipsync.speech import SpeechFile
from shotgraph.lipsync.timeline import frames_by_index
from shotgraph.lipsync.warp import MouthColours, draw_lip_seam, fill_inner_mouth, region_of_interest, warp_region

SMOOTH_RADIUS = 2  # landmarks of frames k-2..k+2 smooth frame k
_SMOOTH_WEIGHTS = np.array([1.0, 2.0, 3.0, 2.0, 1.0])
_RING_SCALE = 1.45  # anchors around the head: the jaw and head move the skin inside this ring
_CLOSING_FRINGE = 0.3  # of the lip thickness, squeezed with the interior when a mouth closes


@dataclass(frozen=True)
class FacePick:
    """Which face to animate: ``index`` counts faces from the left; a ``box`` (x, y, w, h) wins."""

    index: int = 0
    box: tuple[float, float, float, float] | None = None

    def choose(self, faces: list[Face]) -> Face | None:
        return pick_face(faces, self.index, self.box)

    def describe(self) -> str:
        return f"the face overlapping box {list(self.box)}" if self.box else f"face {self.index} (from the left)"


def _smoothstep(x: float, lo: float, hi: float) -> float:
    t = min(max((x - lo) / (hi - lo), 0.0), 1.0)
    return t * t * (3 - 2 * t)


def animate_face(frame: np.ndarray, points: np.ndarray, pose: Pose, colours: MouthColours) -> np.ndarray:
    """``frame`` with the face at ``points`` moved into ``pose``; everything outside its region kept."""
    target = posed_landmarks(points, pose)
    unit = FaceFrame.of(target).unit
    target_gap, source_gap = inner_gap(target) * unit, max(inner_gap(points), 0.0) * unit
    source = _closing_source(points, source_gap - target_gap, unit)
    ring = head_ring(points, _RING_SCALE)
    ring_target = ring
    if pose.head_angle or pose.head_dx or pose.head_dy or pose.head_scale:
        matrix = head_transform(FaceFrame.of(points), pose)
        ring_target = (ring @ matrix[:, :2].T + matrix[:, 2]).astype(np.float32)
    roi = region_of_interest([ring, ring_target], frame.shape, 0.08)
    out = warp_region(frame, np.concatenate([source, ring]), np.concatenate([target, ring_target]), roi)
    # paint the interior where the source mouth was not open enough to supply it
    strength = _smoothstep(target_gap, 1.5, 4.0) * (1 - _smoothstep(source_gap / max(target_gap, 1e-3), 0.55, 0.95))
    out = fill_inner_mouth(out, target, colours, strength)
    closing = _smoothstep((source_gap - target_gap) / unit, 0.02, 0.08) * (1 - _smoothstep(target_gap, 1.5, 4.0))
    return draw_lip_seam(out, target, colours, closing)


def _closing_source(points: np.ndarray, closing_px: float, unit: float) -> np.ndarray:
    """Warp sources for a mouth that closes: the inner-lip points are taken a little into the lips,
    so the dark fringe just inside the lips (landmarks sit a pixel or two off the edge) is squeezed
    into the lip line too instead of showing as a dark band."""
    amount = _CLOSING_FRINGE * _smoothstep(closing_px / unit, 0.0, 0.15)
    if amount <= 0:
        return points
    source = points.copy()
    for inner, outer in ((INNER_UPPER[1:-1], OUTER_UPPER[1:-1]), (INNER_LOWER[1:-1], OUTER_LOWER[1:-1])):
        source[inner] += amount * (points[outer] - points[inner])
    return source


def speech_audio(speech: SpeechFile):
    """``make_audio(start, stop)`` for a clip carrying ``speech`` in its own format."""
    read = speech.reader()
    return lambda start, stop: read(start, stop)


class TalkingPhotoClip(Clip):
    """A talking head from one photo: mouth from the audio, blinks and sway from the seed."""

    def __init__(self, image: np.ndarray, points: np.ndarray, poses: list[Pose], fps: Fraction,
                 speech: SpeechFile, name: str = "lipsync"):
        height, width = image.shape[:2]
        super().__init__(VideoInfo(width, height, fps, len(poses), image.shape[2] == 4), speech.info, name)
        self.image = image
        self.points = points
        self.poses = poses
        self.colours = MouthColours.sample(image, points)
        self.make_audio = speech_audio(speech)

    def _frames(self, start, stop):
        for k in range(start, stop):
            yield animate_face(self.image, self.points, self.poses[k], self.colours)

    def _audio(self, start, stop):
        return self.make_audio(start, stop)


def _similarity(points: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """Centre, scale and rotation (2x2) of a face: its shape without position, size and roll."""
    centre = points.mean(axis=0)
    scale = float(np.sqrt(((points - centre) ** 2).sum(axis=1).mean()))
    frame = FaceFrame.of(points)
    rotation = np.stack([frame.x_axis, frame.y_axis])  # rows: axes
    return centre, max(scale, 1e-6), rotation


def smooth_landmarks(window: list[np.ndarray | None], weights: np.ndarray) -> np.ndarray | None:
    """The middle entry of ``window`` with its shape averaged over the window (missing faces skipped)."""
    middle = window[len(window) // 2]
    if middle is None:
        return None
    centre, scale, rotation = _similarity(middle)
    total, weight_sum = np.zeros_like(middle, dtype=np.float64), 0.0
    for weight, points in zip(weights, window):
        if points is None:
            continue
        c, s, r = _similarity(points)
        total += weight * ((points - c) @ r.T / s)
        weight_sum += weight
    shape = total / weight_sum
    return (shape * scale @ rotation + centre).astype(np.float32)


def tracked_faces(source: Clip, index_map: np.ndarray, start: int, stop: int, pick: FacePick,
                  landmarkers: LandmarkerFactory, max_faces: int = 4) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
    """``(frame, landmarks or None)`` for output frames ``start..stop-1`` of ``source`` read through
    ``index_map``, landmarks smoothed over ``SMOOTH_RADIUS`` frames each side (bounded window)."""
    if start == stop:
        return
    radius = SMOOTH_RADIUS
    first, last = max(0, start - radius), min(len(index_map), stop + radius)
    cache: OrderedDict[int, np.ndarray | None] = OrderedDict()  # source index -> landmarks
    frames: list[np.ndarray] = []
    marks: list[np.ndarray | None] = []

    def emit(centre: int, window_start: int):
        at = centre - window_start
        window = [marks[i] if 0 <= i < len(marks) else None for i in range(at - radius, at + radius + 1)]
        return frames[at], smooth_landmarks(window, _SMOOTH_WEIGHTS)

    with landmarkers(max_faces) as landmarker:
        window_start = first
        for k, frame in enumerate(frames_by_index(source, index_map[first:last]), first):
            source_index = int(index_map[k])
            if source_index not in cache:  # pingpong and hold show a frame more than once
                face = pick.choose(landmarker.detect(frame))
                cache[source_index] = None if face is None else face.points
                while len(cache) > 4 * radius + 2:
                    cache.popitem(last=False)
            frames.append(frame)
            marks.append(cache[source_index])
            if k - radius >= start:
                yield emit(k - radius, window_start)
            if len(frames) > 2 * radius + 1:
                frames.pop(0)
                marks.pop(0)
                window_start += 1
        for centre in range(max(start, last - radius), stop):
            yield emit(centre, window_start)


class LipsyncVideoClip(Clip):
    """A face video (stretched or cut to the audio by ``index_map``) with its mouth re-animated."""

    def __init__(self, source: Clip, index_map: np.ndarray, poses: list[Pose], speech: SpeechFile,
                 pick: FacePick, landmarkers: LandmarkerFactory, max_faces: int = 4, name: str | None = None):
        video: VideoInfo = replace(source.video, n_frames=len(index_map))
        super().__init__(video, speech.info, name or source.name)
        self.source = source
        self.index_map = np.asarray(index_map, np.int64)
        self.poses = poses
        self.pick = pick
        self.landmarkers = landmarkers
        self.max_faces = max_faces
        self.make_audio = speech_audio(speech)

    def _frames(self, start, stop):
        faces = tracked_faces(self.source, self.index_map, start, stop, self.pick, self.landmarkers, self.max_faces)
        for k, (frame, points) in enumerate(faces, start):
            if points is None:
                yield frame  # no face here: the frame passes through untouched
            else:
                yield animate_face(frame, points, self.poses[k], MouthColours.sample(frame, points))

    def _audio(self, start, stop):
        return self.make_audio(start, stop)


def find_face(landmarker: Landmarker, frame: np.ndarray, pick: FacePick, where: str) -> Face:
    """The chosen face in ``frame``, or a clear error saying what was found instead."""
    from shotgraph.errors import MediaError, ParamError

    faces = landmarker.detect(frame)
    if not faces:
        raise MediaError(f"{where}: no face found")
    face = pick.choose(faces)
    if face is None:
        boxes = ", ".join(f"{i}: {[round(v) for v in f.box]}" for i, f in enumerate(faces))
        raise ParamError(f"{where}: {pick.describe()} not found; faces found (index: x, y, w, h): {boxes}")
    return face

