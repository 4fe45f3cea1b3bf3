"""Lip-sync: make a face in a video or a photo speak the given audio.

``shotgraph lipsync FACE AUDIO -o OUT`` or, in a project, ``{op: lipsync, face: portrait, audio:
line1}`` as a shot's source, or ``{op: lipsync, audio: line1}`` as a step (it animates the shot so
far). The output carries the audio, in its own rate and channels, and lasts exactly as long
(rounded up to a whole frame; the audio is padded with under a frame of silence).

- From a **video**, the chosen face's mouth and jaw are re-animated frame by frame; everything
  outside the face's region, other faces included, is untouched. A video shorter than the audio is
  extended (``extend``: pingpong, loop or hold); a longer one is cut at the audio's end
  (``longer: trim``) or kept whole with silence after the audio (``longer: keep``).
- From a **photo** (an image file, a one-frame clip, or a still shot whose frames are identical),
  a talking head is made at ``fps``: mouth and jaw from the audio, blinks and subtle head motion
  from the seed (``head_motion``, ``blinks``).

Backends: ``mesh`` (default; offline on CPU with MediaPipe 0.10.21's face mesh, which ships in its
wheel) and ``wav2lip`` (the Wav2Lip network in torch, with a checkpoint you download).
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from shotgraph.backends.mediapipe.face import MESH, FaceLandmarker
from shotgraph.backends.wav2lip import WAV2LIP
from shotgraph.clip import Clip
from shotgraph.errors import ParamError, UserError
from shotgraph.lipsync.timeline import Extend, source_index_map
from shotgraph.media.images import read_image
from shotgraph.media.reader import IMAGE_SUFFIXES, open_video
from shotgraph.ops.registry import OpKind, backend_names, op, python_params
from shotgraph.params import FileRef, Fps

BACKENDS = (MESH, WAV2LIP)

DEFAULT_PHOTO_FPS = Fraction(25)


def _parse_box(value: Any) -> Any:
    if isinstance(value, str):
        parts = value.replace(" ", "").split(",")
        try:
            value = [float(p) for p in parts]
        except ValueError:
            raise ValueError(f"{value!r} is not a box: write x,y,w,h in pixels, e.g. 320,80,200,240") from None
    if value is not None:
        if len(value) != 4 or value[2] <= 0 or value[3] <= 0:
            raise ValueError("a face box is x,y,w,h in pixels with positive width and height")
    return value


FaceBox = Annotated[tuple[float, float, float, float] | str, BeforeValidator(_parse_box)]


class LipsyncParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    face: FileRef | None = Field(None, description="photo or video of the face (as a step: the shot so far)")
    audio: FileRef = Field(description="speech to lip-sync to: any audio (or video) file, any rate")
    backend: backend_names(BACKENDS) = Field("mesh", description="mesh (offline, CPU) | wav2lip (needs a checkpoint)")
    face_index: int = Field(0, ge=0, description="which face to animate, counting from the left")
    face_box: FaceBox | None = Field(None, description="x,y,w,h: animate the face overlapping this box instead")
    fps: Fps | None = Field(None, description="frame rate of a talking head made from a photo (videos keep theirs)")
    extend: Extend = Field("pingpong", description="video shorter than the audio: pingpong | loop | hold")
    longer: Literal["trim", "keep"] = Field("trim", description="video longer than the audio: trim | keep")
    intensity: float = Field(1.0, ge=0, le=2, description="mesh: how wide the mouth opens (1 = natural)")
    smoothing: float = Field(0.035, ge=0, le=0.2, description="mesh: seconds of temporal smoothing of mouth shapes")
    head_motion: float = Field(1.0, ge=0, le=3, description="photo: head sway and nods (0 keeps the head still)")
    blinks: bool = Field(True, description="photo: blink every few seconds")
    checkpoint: FileRef | None = Field(None, description="wav2lip: checkpoint file (default: the models folder)")
    batch_size: int = Field(16, ge=1, le=256, description="wav2lip: faces per network batch")


def _is_still(clip: Clip) -> bool:
    """A one-frame clip, or one whose first, middle and last frames are identical (a held photo)."""
    n = clip.n_frames
    if n == 1:
        return True
    samples = [clip.frame_at(i) for i in sorted({0, n // 2, n - 1})]
    return all(np.array_equal(samples[0], other) for other in samples[1:])


def _fit_to_audio(face, photo, speech, fps, extend: Extend, longer: str) -> tuple[Fraction, np.ndarray]:
    """The output frame rate, and the source frame each output frame shows (see the module docstring)."""
    if photo is not None:
        rate = Fraction(fps) if fps is not None else DEFAULT_PHOTO_FPS
        return rate, np.zeros(speech.frames_needed(rate), np.int64)
    rate = face.video.fps
    n_frames = speech.frames_needed(rate)
    if longer == "keep":
        n_frames = max(n_frames, face.n_frames)
    return rate, source_index_map(face.n_frames, n_frames, extend)


def _check_face(face, photo, pick, max_faces: int, name: str) -> np.ndarray | None:
    """The photo's chosen face landmarks; for a video, fail early (and clearly) when the chosen face
    is in none of its first, middle and last frames."""
    from shotgraph.lipsync.render import find_face

    with FaceLandmarker(max_faces) as landmarker:
        if photo is not None:
            return find_face(landmarker, photo, pick, name).points
        problems: list[UserError] = []
        for index in sorted({0, face.n_frames // 2, face.n_frames - 1}):
            try:
                find_face(landmarker, face.frame_at(index), pick, f"{name} frame {index}")
                return None
            except UserError as error:
                problems.append(error)
        raise problems[0]


def lipsync(face: Clip | np.ndarray | Path | str, audio: Path | str, *, seed: int = 0,
            checkpoint: Path | str | None = None, **options) -> Clip:
    """A clip of ``face`` (a clip, an RGB(A) image array, or a photo/video path) speaking ``audio``:
    ``lipsync("portrait.png", "line.wav", fps=25)``.

    ``options`` are :class:`LipsyncParams` fields (checked here, once). See the module docstring
    for what happens to photos, short and long videos; the result carries ``audio`` and lasts as
    long as it.
    """
    params = python_params("lipsync", {"audio": str(audio), **options})
    return lipsync_clip(face, Path(audio), params, seed, Path(checkpoint) if checkpoint else None)


def lipsync_clip(face: Clip | np.ndarray | Path | str, audio: Path, params: LipsyncParams, seed: int = 0,
                 checkpoint: Path | None = None) -> Clip:
    """The op's work on validated ``params``."""
    from shotgraph.lipsync.motion import talking_head_poses
    from shotgraph.lipsync.render import FacePick, LipsyncVideoClip, TalkingPhotoClip
    from shotgraph.lipsync.speech import open_speech, speech_features
    from shotgraph.lipsync.visemes import mouth_track

    pick = FacePick(params.face_index, tuple(params.face_box) if params.face_box is not None else None)
    name = "lipsync"
    if isinstance(face, (str, Path)):
        path = Path(face)
        name = path.name
        face = read_image(path) if path.suffix.lower() in IMAGE_SUFFIXES else open_video(path, audio=False)
    photo = face if isinstance(face, np.ndarray) else (face.frame_at(0) if _is_still(face) else None)
    speech = open_speech(audio)
    rate, index_map = _fit_to_audio(face, photo, speech, params.fps, params.extend, params.longer)
    max_faces = max(4, params.face_index + 1)
    chosen = _check_face(face, photo, pick, max_faces, name)

    if params.backend == "wav2lip":
        from shotgraph.backends.wav2lip.runner import wav2lip_clip

        source = photo if photo is not None else face
        return wav2lip_clip(source, index_map, rate, speech, pick, max_faces, checkpoint, params.batch_size, name)

    track = mouth_track(speech_features(speech.analysis_samples()), rate, len(index_map), params.smoothing,
                        params.intensity)
    if photo is not None:
        poses = talking_head_poses(track, rate, seed, params.head_motion, params.blinks)
        return TalkingPhotoClip(photo, chosen, poses, rate, speech, name)
    from shotgraph.lipsync.geometry import Pose

    poses = [Pose(open=float(o), width=float(w)) for o, w in zip(track.open, track.width)]
    return LipsyncVideoClip(face, index_map, poses, speech, pick, FaceLandmarker, max_faces, name)


@op("lipsync", version=1, params=LipsyncParams, kind=OpKind.ANY, seeded=True, backends=BACKENDS,
    summary="Make a face in a video or photo speak an audio track (talking head from a photo).",
    project_defaults={"fps": "fps"}, cli_inputs=("face", "audio"))
def _run(inputs, params: LipsyncParams, ctx):
    if inputs and params.face is not None:
        raise ParamError("lipsync: as a step it animates the shot so far; remove 'face' (or use it as the source)")
    if not inputs and params.face is None:
        raise ParamError("lipsync: face: give the photo or video of the face to animate")
    face = inputs[0] if inputs else ctx.file(params.face)
    return lipsync_clip(face, ctx.file(params.audio), params, ctx.seed or 0,
                        ctx.file(params.checkpoint) if params.checkpoint else None)
