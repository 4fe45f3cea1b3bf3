"""Edit render: a 10-clip 1080p cut with crossfades and music, shotgraph vs MoviePy, same run.

Both render the same cut from the same H.264 sources (2 s each, 0.5 s crossfades, a music bed
faded out at the end) to H.264 (x264 veryfast, CRF 18) + AAC. Each tool runs in its own process;
wall time and that process's peak resident memory (``wait4``) are reported, and the ratios. The
sources are cut from /work/shared/data clips (scaled to 1080p) when present, else synthetic.

    python bench/run.py edit            # 10 clips x 2 s at 1080p
    python bench/run.py edit --quick    # 4 clips x 1 s at 720p
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
import wave
from pathlib import Path

import numpy as np

import peers  # bench/peers.py: the peer tools, installed on first use

HERE = Path(__file__).parent
WORK = HERE / "work" / "edit"
SHARED = Path(__file__).resolve().parents[1].parent.parent / "shared" / "data" / "clips"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data/clips")
CROSSFADE = 0.5


def _sources(n: int, seconds: float, width: int, height: int) -> list[Path]:
    """``n`` H.264 clips of ``seconds`` at ``width`` x ``height``, 24 fps, with sound."""
    sys.path.insert(0, str(HERE.parent / "src"))
    from fractions import Fraction

    from shotgraph.clip import AudioInfo, FunctionClip, VideoInfo
    from shotgraph.media import open_video, write_clip
    from shotgraph.media.encode import VideoEncoding
    from shotgraph.media.retime import conform
    from shotgraph.media.retime import trim

    WORK.mkdir(parents=True, exist_ok=True)
    real = sorted(SHARED.glob("*.mp4")) if SHARED.is_dir() else []
    paths = []
    for i in range(n):
        path = WORK / f"src{i:02d}_{width}x{height}_{seconds:g}.mp4"
        paths.append(path)
        if path.exists():
            continue
        if real:
            source = open_video(real[i % len(real)])
            start = (i // len(real)) * seconds % max(source.video.duration - seconds, 0.1)
            clip = conform(trim(source, start, duration=seconds), width, height, Fraction(24), "crop")
        else:
            def frame(k, i=i):
                yy, xx = np.mgrid[0:height, 0:width]
                return np.stack([(xx + 8 * k + 40 * i) % 256, (yy + 3 * k) % 256,
                                 np.full_like(xx, 25 * i % 256)], -1).astype(np.uint8)
            rate = 48000
            clip = FunctionClip(VideoInfo(width, height, Fraction(24), round(seconds * 24)), frame, AudioInfo(rate, 2),
                                lambda s, e, i=i: iter([np.repeat((0.1 * np.sin(2 * np.pi * (220 + 40 * i) * np.arange(s, e) / rate))[None], 2, 0).astype(np.float32)]))
        write_clip(clip, path, VideoEncoding(codec="h264", crf=18, preset="veryfast"))
    return paths


def _music(seconds: float) -> Path:
    path = WORK / f"music_{seconds:g}.wav"
    if not path.exists():
        rate = 48000
        t = np.arange(int(seconds * rate)) / rate
        chord = sum(np.sin(2 * np.pi * f * t) for f in (220.0, 277.18, 329.63)) / 3
        pulse = 0.6 + 0.4 * (np.sin(2 * np.pi * 2 * t) > 0)
        data = (0.25 * chord * pulse * 32767).astype("<i2")
        with wave.open(str(path), "wb") as handle:
            handle.setnchannels(1)
            handle.setsampwidth(2)
            handle.setframerate(rate)
            handle.writeframes(data.tobytes())
    return path


SHOTGRAPH = """
import sys, yaml
from pathlib import Path
sys.path.insert(0, {src!r})
from shotgraph.finish.delivery import deliver_to_file, delivery_params, prepare
from shotgraph.finish.edit import EditParams, edit
from shotgraph.finish.mix import AudioTrack
from shotgraph.media import open_video
paths, music, out = {paths!r}, {music!r}, Path({out!r})
params = EditParams.model_validate({{
    "fps": 24, "width": {width}, "height": {height},
    "clips": [{{"shot": p, **({{"transition": {{"kind": "crossfade", "duration": {fade}}}}} if i else {{}})}}
              for i, p in enumerate(paths)],
    "audio": [{{"file": music, "gain_db": -6, "fade_out": 1.0}}]}})
cut = edit([open_video(p) for p in paths], params, [AudioTrack(Path(music), params.audio[0])])
deliver = delivery_params(out, None, {{"video": {{"codec": "h264", "crf": 18, "preset": "veryfast"}},
                                      "audio": {{"codec": "aac", "bitrate": "192k"}}, "validate": "off"}})
deliver_to_file(prepare(cut, deliver), out, "off")
"""

MOVIEPY = """
from moviepy import AudioFileClip, CompositeAudioClip, VideoFileClip, concatenate_videoclips, vfx, afx
paths, music, out = {paths!r}, {music!r}, {out!r}
clips = [VideoFileClip(p) for p in paths]
clips = [clips[0]] + [c.with_effects([vfx.CrossFadeIn({fade})]) for c in clips[1:]]
video = concatenate_videoclips(clips, padding=-{fade}, method="compose")
bed = AudioFileClip(music).with_volume_scaled(0.5).with_duration(video.duration).with_effects([afx.AudioFadeOut(1.0)])
video = video.with_audio(CompositeAudioClip([video.audio, bed]))
video.write_videofile(out, fps=24, codec="libx264", preset="veryfast", ffmpeg_params=["-crf", "18"],
                      audio_codec="aac", audio_bitrate="192k", logger=None)
"""


def _measure(python: Path, code: str) -> tuple[float, float, float, str]:
    """Wall seconds, CPU seconds and peak resident memory (MB) of ``code`` run in a fresh Python
    process, over its whole process tree (MoviePy's work happens partly in ffmpeg child
    processes). CPU time is what a busy shared machine distorts least."""
    import resource
    import threading

    import psutil

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    clock = time.perf_counter()
    process = subprocess.Popen([str(python), "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    peak = [0]

    def poll() -> None:
        root = psutil.Process(process.pid)
        while process.poll() is None:
            try:
                tree = [root] + root.children(recursive=True)
                peak[0] = max(peak[0], sum(p.memory_info().rss for p in tree if p.is_running()))
            except psutil.Error:
                pass
            time.sleep(0.02)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    _, stderr = process.communicate()
    seconds = time.perf_counter() - clock
    watcher.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)  # includes the children it waited for
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    error = stderr.decode()[-600:] if process.returncode else ""
    return seconds, cpu, peak[0] / 2**20, error


def _frames(path: Path) -> int:
    import av

    with av.open(str(path)) as container:
        return sum(1 for p in container.demux(container.streams.video[0]) if p.size)


def run(quick: bool) -> str:
    n, seconds, (width, height) = (4, 1.0, (1280, 720)) if quick else (10, 2.0, (1920, 1080))
    paths = [str(p) for p in _sources(n, seconds, width, height)]
    music = str(_music(n * seconds + 2))
    expected = round(n * seconds * 24 - (n - 1) * CROSSFADE * 24)
    rows = []
    moviepy = peers.peer_python("moviepy", "moviepy>=2,<3", "moviepy")
    for name, template, python in (("shotgraph", SHOTGRAPH, Path(sys.executable)), ("MoviePy 2", MOVIEPY, moviepy)):
        out = WORK / f"out_{name.split()[0].lower()}.mp4"
        code = textwrap.dedent(template).format(src=str(HERE.parent / "src"), paths=paths, music=music, out=str(out),
                                                width=width, height=height, fade=CROSSFADE)
        wall, cpu, peak, error = _measure(python, code)
        frames = _frames(out) if out.exists() and not error else 0
        rows.append((name, wall, cpu, peak, frames, error))
    (_, sg_wall, sg_cpu, sg_peak, _, sg_error), (_, mp_wall, mp_cpu, mp_peak, _, mp_error) = rows
    lines = [
        "## Edit render: 10-clip cut with crossfades and music vs MoviePy",
        "",
        f"{n} clips x {seconds:g} s at {width}x{height} 24 fps, {CROSSFADE:g} s crossfades, music bed; x264 veryfast "
        f"CRF 18 + AAC 192k. Expected {expected} frames. Sources: "
        f"{'/work/shared/data clips scaled' if SHARED.is_dir() else 'synthetic'}.",
        "",
        "| tool | wall (s) | CPU (s) | peak RSS, process tree (MB) | frames out |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, wall, cpu, peak, frames, error in rows:
        lines.append(f"| {name} | {wall:.1f} | {cpu:.1f} | {peak:.0f} | {frames}{' (failed)' if error else ''} |")
    if not sg_error and not mp_error:
        lines += ["", f"shotgraph: **{mp_wall / sg_wall:.2f}x** faster by wall time, **{mp_cpu / sg_cpu:.2f}x** less CPU, "
                      f"**{mp_peak / sg_peak:.2f}x** less peak memory (goal: >= 3x faster, lower memory)."]
    for name, *_, error in rows:
        if error:
            lines += ["", f"{name} failed: `{error.strip().splitlines()[-1] if error.strip() else error}`"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
