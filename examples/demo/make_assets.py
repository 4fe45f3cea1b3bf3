"""Regenerate the demo's assets (all made by this script: no third-party media).

    python examples/demo/make_assets.py

Writes deterministic files into ``examples/demo/assets/``: three painted stills (one with the
depth map its 3D camera move uses), a title card, a short rendered clip of orbiting shapes with a
tone, and a piece of synthesised music.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.media.writer import write_clip

HERE = Path(__file__).parent / "assets"
W, H = 1600, 900
RNG = np.random.default_rng(2026)


def _vertical_gradient(top, bottom, height, width):
    t = np.linspace(0, 1, height)[:, None, None]
    return (np.array(top) * (1 - t) + np.array(bottom) * t).repeat(width, axis=1)


def _ridge(width, base, roughness, seed):
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, width)
    y = np.full(width, base, np.float64)
    for octave in range(1, 7):
        phase = rng.uniform(0, 2 * np.pi)
        y += roughness / octave * np.sin(2 * np.pi * octave * 1.7 * x + phase)
    return y


def sunrise() -> Image.Image:
    sky = _vertical_gradient((40, 60, 120), (250, 170, 110), H, W)
    image = Image.fromarray(sky.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    draw.ellipse((W * 0.58, H * 0.38, W * 0.58 + 160, H * 0.38 + 160), fill=(255, 226, 150))
    image = image.filter(ImageFilter.GaussianBlur(2))
    draw = ImageDraw.Draw(image)
    for layer, (colour, base, rough) in enumerate([((92, 74, 110), 0.55, 0.06), ((60, 52, 84), 0.66, 0.05),
                                                   ((34, 32, 54), 0.78, 0.04)]):
        ridge = _ridge(W, base * H, rough * H, seed=layer)
        draw.polygon([(0, H)] + [(x, float(ridge[x])) for x in range(0, W, 4)] + [(W, H)], fill=colour)
    # Trees on the nearest ridge: texture that makes camera motion readable.
    ridge = _ridge(W, 0.78 * H, 0.04 * H, seed=2)
    for x in RNG.integers(0, W, 140):
        top = float(ridge[x]) - RNG.uniform(20, 60)
        draw.polygon([(x - 10, ridge[x] + 5), (x, top), (x + 10, ridge[x] + 5)], fill=(22, 30, 36))
    return image


def city() -> Image.Image:
    sky = _vertical_gradient((8, 10, 30), (40, 30, 70), H, W)
    image = Image.fromarray(sky.astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(220):  # stars
        x, y = RNG.uniform(0, W), RNG.uniform(0, H * 0.5)
        draw.point((x, y), fill=(220, 220, 255))
    x = 0
    while x < W:
        width = int(RNG.integers(60, 150))
        height = int(RNG.integers(int(H * 0.2), int(H * 0.65)))
        shade = int(RNG.integers(20, 45))
        draw.rectangle((x, H - height, x + width, H), fill=(shade, shade, shade + 12))
        for wy in range(H - height + 12, H - 10, 18):
            for wx in range(x + 8, x + width - 8, 14):
                if RNG.random() < 0.35:
                    draw.rectangle((wx, wy, wx + 6, wy + 9), fill=(255, 214, 120))
        x += width + int(RNG.integers(2, 12))
    return image


def _mask(polygon) -> np.ndarray:
    canvas = Image.new("L", (W, H), 0)
    ImageDraw.Draw(canvas).polygon(polygon, fill=255)
    return np.asarray(canvas) > 127


def valley() -> tuple[Image.Image, Image.Image]:
    """A layered landscape (misty ridges, a near slope, a pine) and its depth map (white = near).

    Each layer is painted into the picture and its depth into the depth map from the same shape,
    so the two match exactly: the depth the demo's 3D camera move flies through.
    """
    rng = np.random.default_rng(7)
    picture = Image.fromarray(_vertical_gradient((120, 160, 210), (235, 215, 190), H, W).astype(np.uint8))
    paint = ImageDraw.Draw(picture)
    depth = np.zeros((H, W), np.float32)  # the sky is the farthest thing
    layers = [  # colour, ridge height (fraction of H), roughness, disparity (0 far .. 255 near)
        ((150, 160, 190), 0.42, 0.05, 40), ((118, 132, 164), 0.52, 0.05, 70),
        ((86, 104, 128), 0.62, 0.04, 110), ((58, 80, 80), 0.74, 0.035, 160),
    ]
    for layer, (colour, base, rough, near) in enumerate(layers):
        ridge = _ridge(W, base * H, rough * H, seed=10 + layer)
        outline = [(0, H)] + [(x, float(ridge[x])) for x in range(0, W, 4)] + [(W, H)]
        paint.polygon(outline, fill=colour)
        depth[_mask(outline)] = near
    # a near slope rising to the right, coming closer towards the bottom of the frame
    slope = [(W * 0.45, H), (W * 0.62, H * 0.80), (W * 0.8, H * 0.70), (W, H * 0.66), (W, H)]
    paint.polygon(slope, fill=(44, 58, 40))
    rows = np.clip(200 + 55 * (np.arange(H) - H * 0.66) / (H * 0.34), 200, 255)[:, None].repeat(W, axis=1)
    on_slope = _mask(slope)
    depth[on_slope] = rows[on_slope]
    for _ in range(900):  # grass: near detail that shows the parallax
        x, y = rng.uniform(W * 0.5, W), rng.uniform(H * 0.72, H)
        if on_slope[min(int(y), H - 1), min(int(x), W - 1)]:
            paint.line([(x, y), (x + rng.uniform(-3, 3), y - rng.uniform(6, 14))], fill=(70, 92, 52), width=2)
    trunk_x, ground = W * 0.8, H * 0.74
    for tier in range(5):
        half, top = 90 - tier * 15, ground - 60 - tier * 60
        tree = [(trunk_x - half, top + 90), (trunk_x, top), (trunk_x + half, top + 90)]
        paint.polygon(tree, fill=(24, 44, 30))
        depth[_mask(tree)] = 235
    trunk = [(trunk_x - 10, ground - 40), (trunk_x + 10, ground - 40), (trunk_x + 10, ground + 20),
             (trunk_x - 10, ground + 20)]
    paint.polygon(trunk, fill=(52, 36, 26))
    depth[_mask(trunk)] = 235
    picture = picture.filter(ImageFilter.GaussianBlur(0.6))
    return picture, Image.fromarray(depth.astype(np.uint8))


def title() -> Image.Image:
    image = Image.fromarray(_vertical_gradient((18, 18, 28), (48, 28, 64), 720, 1280).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    big, small = ImageFont.load_default(size=120), ImageFont.load_default(size=40)
    draw.text((640, 320), "shotgraph", font=big, fill=(245, 240, 255), anchor="mm")
    draw.text((640, 440), "storyboard  >  shots  >  edit  >  master", font=small, fill=(190, 180, 220), anchor="mm")
    return image


def orbit_clip(path: Path) -> None:
    """Four seconds of shapes orbiting a centre, with a gliding tone: a stand-in for camera footage."""
    fps, width, height, seconds = Fraction(24), 960, 540, 4
    yy, xx = np.mgrid[0:height, 0:width]
    background = (np.stack([20 + 30 * (xx / width), 30 + 40 * (yy / height), 60 + 0 * xx], -1)).astype(np.uint8)

    def frame(index: int) -> np.ndarray:
        image = Image.fromarray(background.copy())
        draw = ImageDraw.Draw(image)
        t = index / float(fps)
        for k, colour in enumerate([(240, 90, 80), (90, 200, 120), (90, 140, 250), (250, 210, 80)]):
            angle = t * 1.3 + k * np.pi / 2
            cx, cy = width / 2 + 260 * np.cos(angle), height / 2 + 150 * np.sin(angle)
            r = 40 + 10 * k
            draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour, outline=(255, 255, 255), width=3)
        return np.asarray(image)

    rate = 48000

    def tone(start: int, stop: int):
        n = np.arange(start, stop) / rate
        freq = 220 + 40 * np.sin(2 * np.pi * 0.25 * n)
        phase = 2 * np.pi * np.cumsum(freq) / rate + 2 * np.pi * 220 * start / rate
        wave = 0.2 * np.sin(phase) * np.minimum(1, np.minimum(n, seconds - n) * 4)
        yield np.stack([wave, wave]).astype(np.float32)

    clip = FunctionClip(VideoInfo(width, height, fps, seconds * int(fps)), frame, AudioInfo(rate, 2), tone,
                        name="orbit")
    write_clip(clip, path, VideoEncoding(crf=20, preset="medium"), AudioEncoding(bitrate="128k"))


def music(path: Path, seconds: float = 14.0, rate: int = 44100) -> None:
    """A slow four-chord pad with a plucked arpeggio and a soft pulse, written as FLAC."""
    t = np.arange(int(seconds * rate)) / rate
    chords = [[220.0, 277.18, 329.63], [196.0, 246.94, 293.66], [174.61, 220.0, 261.63], [196.0, 246.94, 329.63]]
    bar = 3.5
    left = np.zeros_like(t)
    right = np.zeros_like(t)
    for i, chord in enumerate(chords * 2):
        start = i * bar
        if start >= seconds:
            break
        seg = (t >= start) & (t < start + bar + 0.5)
        local = t[seg] - start
        env = np.minimum(1, local / 0.6) * np.exp(-np.maximum(0, local - bar) * 6)
        for j, f in enumerate(chord):
            pad = np.sin(2 * np.pi * f * local) + 0.3 * np.sin(2 * np.pi * 2 * f * local + j)
            left[seg] += 0.06 * env * pad * (1.1 - 0.2 * j)
            right[seg] += 0.06 * env * pad * (0.7 + 0.2 * j)
        for k in range(8):  # arpeggio
            note_start = start + k * bar / 8
            f = chord[k % 3] * 2
            seg2 = (t >= note_start) & (t < note_start + 0.4)
            local2 = t[seg2] - note_start
            pluck = 0.08 * np.exp(-local2 * 9) * np.sin(2 * np.pi * f * local2)
            left[seg2] += pluck * (0.6 if k % 2 else 1.0)
            right[seg2] += pluck * (1.0 if k % 2 else 0.6)
    beat = (t % 0.875) < 0.12
    kick = 0.12 * np.exp(-(t % 0.875) * 30) * np.sin(2 * np.pi * 55 * (t % 0.875)) * beat
    left += kick
    right += kick
    audio = np.stack([left, right]).astype(np.float32)
    audio /= np.abs(audio).max() / 0.8
    clip = FunctionClip(VideoInfo(16, 16, Fraction(25), int(seconds * 25)), lambda i: np.zeros((16, 16, 3), np.uint8),
                        AudioInfo(rate, 2), lambda s, e: iter([audio[:, s:e]]))
    _write_audio_only(clip, path)


def _write_audio_only(clip, path: Path) -> None:
    import av

    from shotgraph.media.samples import to_av_frame

    with av.open(str(path), "w", format="flac", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("flac", rate=clip.audio.sample_rate)
        stream.layout = "stereo"
        position = 0
        for chunk in clip.audio_samples():
            container.mux(stream.encode(to_av_frame(chunk, clip.audio.sample_rate, position)))
            position += chunk.shape[1]
        container.mux(stream.encode(None))


def main() -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    sunrise().save(HERE / "sunrise.png", optimize=True)
    city().save(HERE / "city.png", optimize=True)
    title().save(HERE / "title.png", optimize=True)
    picture, depth = valley()
    picture.save(HERE / "valley.png", optimize=True)
    depth.save(HERE / "valley_depth.png", optimize=True)
    orbit_clip(HERE / "orbit.mp4")
    music(HERE / "music.flac")
    for path in sorted(HERE.iterdir()):
        print(f"{path.name:14s} {path.stat().st_size / 1024:8.0f} KB")


if __name__ == "__main__":
    main()
