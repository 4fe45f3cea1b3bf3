"""Synthetic media with known content, built by the tests themselves (no network, no ../shared).

Frames carry their own index so tests can check exactly which frame they got: :func:`index_frame`
paints a binary code of the index in big blocks that survive H.264, and :func:`read_index`
decodes it. Audio is tones and clicks placed at known samples.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo, samples_for_frames

CODE_BITS = 12
BLOCK = 16


def index_frame(index: int, width: int = 320, height: int = 240, seed: int = 0) -> np.ndarray:
    """A textured frame whose top row of blocks spells ``index`` in binary (white = 1)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width]
    frame = np.stack([(xx * 255 // max(width - 1, 1)), (yy * 255 // max(height - 1, 1)),
                      np.full_like(xx, 96)], -1).astype(np.uint8)
    frame = np.clip(frame.astype(np.int16) + rng.integers(-8, 8, frame.shape), 0, 255).astype(np.uint8)
    for bit in range(CODE_BITS):
        value = 255 if (index >> bit) & 1 else 0
        frame[0:BLOCK, bit * BLOCK : (bit + 1) * BLOCK] = value
    # a moving square: motion the eye (and flow) can follow
    x = (index * 4) % max(width - 40, 1)
    frame[BLOCK + 20 : BLOCK + 60, x : x + 40] = (250, 60, 40)
    return frame


def read_index(frame: np.ndarray) -> int:
    value = 0
    for bit in range(CODE_BITS):
        block = frame[2 : BLOCK - 2, bit * BLOCK + 2 : (bit + 1) * BLOCK - 2]
        if block.mean() > 127:
            value |= 1 << bit
    return value


def tone(start: int, stop: int, rate: int, freq: float = 440.0, channels: int = 2, amp: float = 0.3):
    t = np.arange(start, stop) / rate
    wave = (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(wave[None], channels, axis=0)


def indexed_clip(n_frames: int = 48, fps=Fraction(24), width: int = 320, height: int = 240,
                 audio: bool = True, rate: int = 48000) -> FunctionClip:
    """Frames that know their index, with a 440 Hz tone (if ``audio``)."""
    info = VideoInfo(width, height, Fraction(fps), n_frames)
    make_audio = (lambda s, e: iter([tone(s, e, rate)])) if audio else None
    return FunctionClip(info, lambda i: index_frame(i, width, height), AudioInfo(rate, 2) if audio else None,
                        make_audio, name="indexed")


def write_vfr_video(path: Path, times: list[float], width: int = 320, height: int = 240,
                    click_frames: tuple[int, ...] = (), rate: int = 48000) -> None:
    """An H.264 MKV whose frame ``i`` is shown at ``times[i]`` seconds (variable frame rate).

    Frame ``i`` carries the code ``i``. Audio is silence with a short click at the presentation
    time of every frame in ``click_frames`` (for sync checks).
    """
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=1000)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.time_base = Fraction(1, 1000)
        stream.options = {"crf": "12", "preset": "ultrafast", "bf": "0"}
        audio = container.add_stream("aac", rate=rate)
        audio.layout = "stereo"
        end = times[-1] + 0.05
        samples = np.zeros((2, int(end * rate) + rate // 10), np.float32)
        for frame_index in click_frames:
            at = int(round(times[frame_index] * rate))
            samples[:, at : at + 240] = 0.8
        for i, t in enumerate(times):
            frame = av.VideoFrame.from_ndarray(index_frame(i, width, height), format="rgb24")
            frame.pts = int(round(t * 1000))
            frame.time_base = Fraction(1, 1000)
            container.mux(stream.encode(frame.reformat(format="yuv420p", dst_colorspace="ITU601",
                                                          dst_color_range="MPEG")))
        container.mux(stream.encode(None))
        for start in range(0, samples.shape[1], 1024):
            chunk = np.ascontiguousarray(samples[:, start : start + 1024])
            frame = av.AudioFrame.from_ndarray(chunk, format="fltp", layout="stereo")
            frame.sample_rate, frame.pts = rate, start
            container.mux(audio.encode(frame))
        container.mux(audio.encode(None))


def click_positions(audio: np.ndarray, threshold: float = 0.3) -> list[int]:
    """Sample indices where clicks start (rising edges above ``threshold``)."""
    loud = np.abs(audio).max(axis=0) > threshold
    edges = np.flatnonzero(loud[1:] & ~loud[:-1]) + 1
    if loud[0]:
        edges = np.concatenate([[0], edges])
    # merge edges closer than 5 ms (AAC ringing)
    merged: list[int] = []
    for edge in edges:
        if not merged or edge - merged[-1] > 240:
            merged.append(int(edge))
    return merged


def colour_chart(width: int = 512, height: int = 384, patch: int = 64) -> tuple[np.ndarray, list[tuple]]:
    """A chart of saturated, pastel and grey patches; returns the image and the patch colours."""
    colours = []
    for r in (0, 128, 255):
        for g in (0, 128, 255):
            for b in (0, 128, 255):
                colours.append((r, g, b))
    colours += [(64, 64, 64), (192, 192, 192), (16, 16, 16), (235, 235, 235), (200, 80, 40), (40, 120, 200),
                (120, 200, 60), (220, 180, 140), (90, 60, 140)]
    image = np.zeros((height, width, 3), np.uint8)
    cols = width // patch
    placed = []
    for k, colour in enumerate(colours):
        y, x = divmod(k, cols)
        if (y + 1) * patch > height:
            break
        image[y * patch : (y + 1) * patch, x * patch : (x + 1) * patch] = colour
        placed.append((y * patch, x * patch, colour))
    return image, placed


def samples_at(frame: int, fps: Fraction, rate: int) -> int:
    return samples_for_frames(frame, Fraction(fps), rate)
