"""Media pipeline: decode -> resize -> encode, shotgraph vs the ffmpeg CLI; memory vs input length.

1. Speed: a 1080p clip resized to 720p (Lanczos) and encoded with the same x264 settings
   (crf 18, preset medium, mbtree off: shotgraph's deterministic default) plus AAC audio, by
   ``shotgraph resize`` and by ``ffmpeg``, run alternately, best of N.
2. Memory: peak RSS of ``shotgraph resize`` on a 1-minute and a 5-minute 1080p input (ultrafast
   preset, so the long run stays short; memory does not depend on the preset).

Input: /work/shared/data/clips/cups.mp4 upscaled to 1080p when present, else a synthetic clip.
Debian's ffmpeg is installed with apt-get if absent.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import peers  # bench/peers.py: the peer tools, installed on first use

WORK = Path(__file__).parent / "work" / "media"
SHARED_CLIP = Path(__file__).resolve().parents[2] / "shared" / "data" / "clips" / "cups.mp4"
X264 = ["-c:v", "libx264", "-crf", "18", "-preset", "medium", "-x264-params", "mbtree=0", "-pix_fmt", "yuv420p"]


def timed(command: list[str]) -> tuple[float, int]:
    """Wall seconds and peak RSS (MB) of a command (a single process, measured by wait4)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{command[0]} failed: {process.stderr.read().decode()[-2000:]}")
    return seconds, usage.ru_maxrss // 1024


def make_inputs(ffmpeg: str, seconds: int) -> Path:
    WORK.mkdir(parents=True, exist_ok=True)
    base = WORK / "base_1080p.mp4"
    if not base.exists():
        if SHARED_CLIP.exists():
            source = ["-i", str(SHARED_CLIP)]
        else:
            source = ["-f", "lavfi", "-i", "testsrc2=size=1920x1080:rate=30000/1001:duration=10",
                      "-f", "lavfi", "-i", "sine=frequency=440:duration=10"]
        subprocess.run([ffmpeg, "-y", "-v", "error", *source, "-vf", "scale=1920:1080:flags=lanczos",
                        "-c:v", "libx264", "-crf", "16", "-preset", "fast", "-c:a", "aac", "-t", "10",
                        str(base)], check=True)
    if seconds <= 10:
        return base
    looped = WORK / f"loop_{seconds}s.mp4"
    if not looped.exists():
        subprocess.run([ffmpeg, "-y", "-v", "error", "-stream_loop", "-1", "-i", str(base), "-t", str(seconds),
                        "-c", "copy", str(looped)], check=True)
    return looped


def shotgraph_cmd(src: Path, dst: Path, preset: str) -> list[str]:
    return [sys.executable, "-m", "shotgraph", "resize", str(src), "-o", str(dst), "--width", "1280", "--height",
            "720", "--mode", "stretch", "--crf", "18", "--encoder-preset", preset]


def ffmpeg_cmd(ffmpeg: str, src: Path, dst: Path, preset: str) -> list[str]:
    x264 = [a if a != "medium" else preset for a in X264]
    return [ffmpeg, "-y", "-v", "error", "-i", str(src), "-vf", "scale=1280:720:flags=lanczos", *x264,
            "-c:a", "aac", "-b:a", "192k", str(dst)]


def run(quick: bool) -> str:
    ffmpeg = peers.ffmpeg()
    if ffmpeg is None:
        raise SystemExit("bench media: no ffmpeg on PATH and apt-get could not install it")
    version = subprocess.run([ffmpeg, "-version"], capture_output=True, text=True).stdout.split("\n")[0]
    clip = make_inputs(ffmpeg, 10)
    repeats = 1 if quick else 3
    ours, theirs = [], []
    for _ in range(repeats):  # alternate so both see the same machine state
        ours.append(timed(shotgraph_cmd(clip, WORK / "ours.mp4", "medium")))
        theirs.append(timed(ffmpeg_cmd(ffmpeg, clip, WORK / "ffmpeg.mp4", "medium")))
    best_ours = min(s for s, _ in ours)
    best_ffmpeg = min(s for s, _ in theirs)
    frames = 300
    lines = [
        "## Media pipeline: decode -> resize -> encode (issue 2)",
        "",
        f"Input: 10 s 1080p H.264 + AAC ({'cups.mp4 upscaled' if SHARED_CLIP.exists() else 'synthetic'}), "
        f"resized to 1280x720 with Lanczos, x264 crf 18 preset medium (mbtree off for both), AAC 192k. "
        f"Best of {repeats}. Peer: {version}.",
        "",
        "| tool | seconds | fps | peak RSS (MB) |",
        "|---|---|---|---|",
        f"| shotgraph resize | {best_ours:.2f} | {frames / best_ours:.1f} | {max(m for _, m in ours)} |",
        f"| ffmpeg | {best_ffmpeg:.2f} | {frames / best_ffmpeg:.1f} | {max(m for _, m in theirs)} |",
        "",
        f"**Time ratio shotgraph / ffmpeg: {best_ours / best_ffmpeg:.2f}x** (goal: within 1.3x).",
        "",
    ]
    lengths = [10, 30] if quick else [60, 300]
    rows = []
    for seconds in lengths:
        src = make_inputs(ffmpeg, seconds)
        wall, peak = timed(shotgraph_cmd(src, WORK / f"mem_{seconds}.mp4", "ultrafast"))
        rows.append((seconds, wall, peak))
    growth = rows[1][2] / rows[0][2] - 1
    lines += [
        "Peak memory of `shotgraph resize` (1080p -> 720p, ultrafast) against input length:",
        "",
        "| input | seconds | peak RSS (MB) |",
        "|---|---|---|",
        *[f"| {s // 60} min {s % 60} s | {w:.1f} | {p} |" for s, w, p in rows],
        "",
        f"**Peak memory growth from {lengths[0]} s to {lengths[1]} s: {growth * 100:+.1f}%** (goal: within 10%).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
