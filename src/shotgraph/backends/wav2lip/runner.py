"""Running Wav2Lip on a clip: checkpoint loading, face crops, mel windows, feathered paste-back.

Per output frame (in batches of ``batch_size``, so memory stays bounded): the face box comes from
the MediaPipe landmarks (smoothed over 5 frames, like Wav2Lip's own box smoothing) with a margin
below the chin; the crop is resized to 96x96 and fed, as BGR, with its lower half blanked, next to
itself as the reference; the audio window is the 16 mel columns starting at the frame's time.
The network's face is resized back to the box and blended over the frame's lower face with a
feathered mask, so the upper face keeps its full resolution and no box edge shows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import cv2
import numpy as np

from shotgraph.backends.mediapipe.face import FaceLandmarker
from shotgraph.backends.wav2lip import WEIGHTS_FAMILY, WEIGHTS_FILES, WEIGHTS_SOURCE
from shotgraph.backends.wav2lip.mel import STEP, frame_window_start, mel_columns, n_columns
from shotgraph.backends.weights import find_weights
from shotgraph.clip import AudioInfo, Clip, VideoInfo
from shotgraph.errors import MissingWeightsError
from shotgraph.lipsync.render import FacePick, speech_audio, tracked_faces
from shotgraph.lipsync.speech import ANALYSIS_RATE, SpeechFile

IMG_SIZE = 96
CHIN_MARGIN = 0.08  # of the face height, below the lowest landmark (Wav2Lip pads 10 px under the chin)
SIDE_MARGIN = 0.04
_FEATHER = 0.12  # of the box size: width of the blend ramps


def load_wav2lip(path: Path):
    """A Wav2Lip generator with the checkpoint's weights, in eval mode on the CPU."""
    import torch

    from shotgraph.backends.wav2lip.model import Wav2Lip

    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # corrupt file, or a pickle that is not plain tensors
        raise MissingWeightsError(f"{path} is not a readable Wav2Lip checkpoint ({error}); download "
                                  f"wav2lip.pth or wav2lip_gan.pth from {WEIGHTS_SOURCE}") from None
    state = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else None
    if not isinstance(state, dict):
        raise MissingWeightsError(f"{path} holds no state_dict; expected a Wav2Lip checkpoint from {WEIGHTS_SOURCE}")
    state = {key.removeprefix("module."): value for key, value in state.items()}
    model = Wav2Lip()
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        detail = (f"missing {', '.join(missing[:3])}" if missing else f"unexpected {', '.join(unexpected[:3])}")
        raise MissingWeightsError(f"{path} is not a Wav2Lip generator checkpoint ({detail}...); the "
                                  f"SyncNet expert or discriminator checkpoints do not work here")
    return model.eval()


def face_box(points: np.ndarray, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)``: the landmarks' box, a little wider, and taller below the chin."""
    low, high = points.min(axis=0), points.max(axis=0)
    size = high - low
    x0 = low[0] - SIDE_MARGIN * size[0]
    x1 = high[0] + SIDE_MARGIN * size[0]
    y1 = high[1] + CHIN_MARGIN * size[1]
    height, width = shape[:2]
    return (int(max(0, np.floor(x0))), int(max(0, np.floor(low[1]))), int(min(width, np.ceil(x1))),
            int(min(height, np.ceil(y1))))


def feather_mask(width: int, height: int) -> np.ndarray:
    """Blend weights over a face box: the lower face, fading out at the sides, the bottom and
    towards the eyes (the network only redraws the lower half)."""
    ramp = lambda t: np.clip(t / _FEATHER, 0, 1)  # noqa: E731
    xs = (np.arange(width) + 0.5) / width
    ys = (np.arange(height) + 0.5) / height
    across = np.minimum(ramp(xs), ramp(1 - xs))
    down = np.clip((ys - 0.42) / 0.14, 0, 1) * ramp(1 - ys)
    return (down[:, None] * across[None, :]).astype(np.float32)


def network_input(crops: list[np.ndarray]) -> np.ndarray:
    """``(B, 6, 96, 96)`` float32: BGR crops with the lower half blanked, then the crops themselves."""
    faces = np.stack([cv2.resize(np.ascontiguousarray(c[..., 2::-1]), (IMG_SIZE, IMG_SIZE)) for c in crops])
    masked = faces.copy()
    masked[:, IMG_SIZE // 2 :] = 0
    stacked = np.concatenate([masked, faces], axis=3).astype(np.float32) / 255.0
    return np.ascontiguousarray(stacked.transpose(0, 3, 1, 2))


def paste(frame: np.ndarray, face_bgr: np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """``frame`` with the network's 96x96 BGR face (0..1) blended into ``box``."""
    x0, y0, x1, y1 = box
    width, height = x1 - x0, y1 - y0
    if width < 2 or height < 2:
        return frame
    face = cv2.resize(face_bgr[..., ::-1] * 255.0, (width, height), interpolation=cv2.INTER_CUBIC)
    alpha = feather_mask(width, height)[..., None]
    out = frame.copy()
    region = out[y0:y1, x0:x1, :3].astype(np.float32)
    out[y0:y1, x0:x1, :3] = np.clip(region + (face - region) * alpha + 0.5, 0, 255).astype(np.uint8)
    return out


class Wav2LipClip(Clip):
    """A face video or photo with its lower face redrawn by Wav2Lip for each audio window."""

    def __init__(self, source: Clip | np.ndarray, index_map: np.ndarray, fps: Fraction, speech: SpeechFile,
                 pick: FacePick, max_faces: int, model, batch_size: int, name: str):
        if isinstance(source, np.ndarray):
            height, width = source.shape[:2]
            video = VideoInfo(width, height, fps, len(index_map), source.shape[2] == 4)
        else:
            video = replace(source.video, n_frames=len(index_map))
        super().__init__(video, speech.info, name)
        self.source = source
        self.index_map = np.asarray(index_map, np.int64)
        self.speech = speech
        self.pick = pick
        self.max_faces = max_faces
        self.model = model
        self.batch_size = batch_size
        self.n_audio = round(speech.n_samples * ANALYSIS_RATE / speech.info.sample_rate)
        self.make_audio = speech_audio(speech)

    def _faces(self, start: int, stop: int) -> Iterator[tuple[np.ndarray, np.ndarray | None]]:
        if isinstance(self.source, np.ndarray):
            with FaceLandmarker(self.max_faces) as landmarker:
                face = self.pick.choose(landmarker.detect(self.source))
            points = None if face is None else face.points
            for _ in range(start, stop):
                yield self.source, points
        else:
            yield from tracked_faces(self.source, self.index_map, start, stop, self.pick, FaceLandmarker, self.max_faces)

    def _mel_windows(self, frames: list[int]) -> np.ndarray:
        """``(B, 1, 80, 16)``: the mel window of each frame, computed from the audio under them."""
        total = n_columns(self.n_audio)
        starts = [frame_window_start(k, self.video.fps, total) for k in frames]
        first, last = min(starts), max(starts) + STEP
        read = self.speech.reader(AudioInfo(ANALYSIS_RATE, 1))
        columns = mel_columns(read, self.n_audio, first, last)
        return np.stack([columns[:, s - first : s - first + STEP] for s in starts])[:, None]

    def _frames(self, start, stop):
        import torch

        faces = self._faces(start, stop)
        for batch_start in range(start, stop, self.batch_size):
            batch = range(batch_start, min(stop, batch_start + self.batch_size))
            items = [next(faces) for _ in batch]
            with_face = [i for i, (_, points) in enumerate(items) if points is not None]
            outputs = [frame for frame, _ in items]
            if with_face:
                boxes = [face_box(items[i][1], items[i][0].shape) for i in with_face]
                crops = [items[i][0][y0:y1, x0:x1, :3] for i, (x0, y0, x1, y1) in zip(with_face, boxes)]
                mels = self._mel_windows([batch[i] for i in with_face])
                with torch.inference_mode():
                    predicted = self.model(torch.from_numpy(mels), torch.from_numpy(network_input(crops)))
                predicted = predicted.numpy().transpose(0, 2, 3, 1)
                for i, box, face in zip(with_face, boxes, predicted):
                    outputs[i] = paste(items[i][0], face, box)
            yield from outputs

    def _audio(self, start, stop):
        return self.make_audio(start, stop)


def wav2lip_clip(source: Clip | np.ndarray, index_map: np.ndarray, fps: Fraction, speech: SpeechFile,
                 pick: FacePick, max_faces: int, checkpoint: Path | str | None, batch_size: int, name: str) -> Clip:
    """The Wav2Lip backend's result (see the module docstring); the checkpoint is loaded up front."""
    weights = find_weights(WEIGHTS_FAMILY, WEIGHTS_FILES, WEIGHTS_SOURCE, checkpoint)
    model = load_wav2lip(weights)  # a wrong or corrupt file fails now, not mid-render
    return Wav2LipClip(source, index_map, fps, speech, pick, max_faces, model, batch_size, name)
