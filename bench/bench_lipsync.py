"""Lip-sync at 720p: frames per second of the default (mesh) backend, against Wav2Lip on the CPU.

Inputs: ``shared/data/faces/full3.png`` (a portrait) and ``shared/data/speech/radio34.wav`` (8 s
of speech) when present, else a drawn face and synthetic speech. The portrait is placed on a
1280x720 frame. Rows:

- photo -> talking head (mesh): landmarks once, then warp + fill per frame;
- video -> re-animated mouth (mesh): MediaPipe landmarks on every frame, then warp + fill;
- the same video through Wav2Lip (the real network, random weights: its cost does not depend on
  the weight values), MediaPipe boxes, batch 16: the peer;
- decode + encode of the same video with nothing done: the floor.

Each row renders and encodes to H.264 (crf 20, veryfast), so fps includes decoding and encoding.
The sync offset and mouth/speech correlation of the mesh results are measured with sync-check.
"""

from __future__ import annotations

import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.exists():
    SHARED = Path("/work/shared/data")
sys.path.insert(0, str(ROOT / "tests"))  # synthetic fallbacks


def _inputs(folder: Path, quick: bool) -> tuple[Path, Path, str]:
    import cv2

    from shotgraph.media import read_image, write_image

    portrait, speech = SHARED / "faces" / "full3.png", SHARED / "speech" / "radio34.wav"
    if portrait.exists() and speech.exists():
        image, source = read_image(portrait)[..., :3], "shared/data faces/full3.png + speech/radio34.wav"
    else:
        from talking import draw_face, speech_like, write_wav

        image = draw_face(720)
        synthetic = speech_like(8.0, 16000, seed=1)
        speech = write_wav(folder / "speech.wav", synthetic.samples, synthetic.rate)
        source = "a drawn face + synthetic speech (shared/data absent)"
    scale = 720 / image.shape[0]
    image = cv2.resize(image, (round(image.shape[1] * scale), 720), interpolation=cv2.INTER_AREA)
    canvas = np.full((720, 1280, 3), 40, np.uint8)
    x = (1280 - image.shape[1]) // 2
    canvas[:, x : x + image.shape[1]] = image[:, : 1280 - x]
    write_image(folder / "face720.png", canvas)
    if quick:  # the first 2 s of the speech
        from shotgraph.clip import FunctionClip, VideoInfo
        from shotgraph.lipsync.speech import open_speech
        from shotgraph.media import AudioEncoding, write_clip

        audio = open_speech(speech)
        read = audio.reader()
        clip = FunctionClip(VideoInfo(16, 16, Fraction(25), 50), lambda i: np.zeros((16, 16, 3), np.uint8),
                            audio.info, lambda s, e: read(s, e))
        speech = write_clip(clip, folder / "speech2s.mkv", audio=AudioEncoding(codec="flac"))
    return folder / "face720.png", speech, source


def _timed_write(clip, path: Path) -> float:
    from shotgraph.media import VideoEncoding, write_clip

    start = time.perf_counter()
    write_clip(clip, path, VideoEncoding(crf=20, preset="veryfast"))
    return clip.n_frames / (time.perf_counter() - start)


def run(quick: bool) -> str:
    from shotgraph.backends.mediapipe.face import FaceLandmarker
    from shotgraph.lipsync.sync import measure_sync
    from shotgraph.media import open_video
    from shotgraph.ops.lipsync import lipsync

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        face, speech, source = _inputs(folder, quick)
        talking = lipsync(face, speech, fps=25)
        photo_fps = _timed_write(talking, folder / "talk.mp4")
        photo_sync = measure_sync(open_video(folder / "talk.mp4"), FaceLandmarker)
        rows.append(("photo -> talking head (mesh)", photo_fps, photo_sync))

        dubbed = lipsync(folder / "talk.mp4", speech)
        video_fps = _timed_write(dubbed, folder / "dub.mp4")
        video_sync = measure_sync(open_video(folder / "dub.mp4"), FaceLandmarker)
        rows.append(("video -> re-animated mouth (mesh)", video_fps, video_sync))

        floor = _timed_write(open_video(folder / "talk.mp4"), folder / "copy.mp4")
        wav2lip_fps = None
        try:
            import torch

            from shotgraph.backends.wav2lip.model import Wav2Lip

            torch.manual_seed(0)
            weights = folder / "wav2lip.pth"
            torch.save({"state_dict": Wav2Lip().state_dict()}, weights)
            peer = lipsync(folder / "talk.mp4", speech, backend="wav2lip", checkpoint=weights, batch_size=16)
            wav2lip_fps = _timed_write(peer, folder / "w2l.mp4")
        except ImportError:
            pass
        n_frames = talking.n_frames

    lines = [
        "## Lip-sync (720p)",
        "",
        f"{n_frames} frames at 25 fps, 1280x720, from {source}; H.264 crf 20 veryfast; fps includes decode + encode.",
        "",
        "| pipeline | fps | vs Wav2Lip (CPU) | sync offset | mouth/speech correlation |",
        "|---|---|---|---|---|",
    ]
    for name, fps, sync in rows:
        ratio = f"{fps / wav2lip_fps:.1f}x" if wav2lip_fps else "n/a"
        lines.append(f"| {name} | {fps:.1f} | {ratio} | {sync.offset_ms:+.0f} ms | {sync.correlation:.2f} |")
    if wav2lip_fps:
        lines.append(f"| Wav2Lip network (random weights), MediaPipe boxes, batch 16 | {wav2lip_fps:.1f} | 1.0x | | |")
    lines.append(f"| decode + encode only (floor) | {floor:.1f} | | | |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
