"""Frame interpolation against FFmpeg's ``minterpolate=mi_mode=mci``, side by side in one run.

For each 720p clip of ../shared/data/clips (cups, blocks, juggle): decode the first few seconds,
keep every other frame (written losslessly, so both tools read identical input), interpolate back
to the original rate with each tool, and score the regenerated held-out frames against the real
ones (PSNR, RGB). Speed is output frames per second of wall time, each tool decoding the same
half-rate file and producing RGB frames (FFmpeg: rawvideo to a pipe; shotgraph: the clip's
frames). FFmpeg comes from Debian (``apt-get install -y ffmpeg``) when it is not on PATH.
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import peers  # bench/peers.py: the peer tools, installed on first use

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from shotgraph.clip import RetimeClip, SliceClip  # noqa: E402
from shotgraph.media import VideoEncoding, open_video, write_clip  # noqa: E402
from shotgraph.media.encode import AudioEncoding  # noqa: E402
from shotgraph.ops.interpolate import interpolate  # noqa: E402

CLIPS = ("cups", "blocks", "juggle")
DATA_DIRS = (ROOT.parent / "shared" / "data" / "clips", Path("/work/shared/data/clips"))


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float(10 * np.log10(255.0**2 / max(mse, 1e-10)))


def run_ffmpeg(ffmpeg: str, half: Path, out_fps, width: int, height: int) -> tuple[list[np.ndarray], float]:
    command = [ffmpeg, "-v", "error", "-i", str(half), "-vf",
               f"minterpolate=fps={out_fps.numerator}/{out_fps.denominator}:mi_mode=mci",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:"]
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, check=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu_seconds = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    raw = np.frombuffer(result.stdout, np.uint8)
    frames = raw.reshape(-1, height, width, 3)
    return list(frames), seconds, cpu_seconds


def run_ours(half: Path) -> tuple[list[np.ndarray], float, float]:
    cpu = time.process_time()
    start = time.perf_counter()
    clip = interpolate(open_video(half), factor=2)
    frames = [np.array(f) for f in clip.frames()]
    return frames, time.perf_counter() - start, time.process_time() - cpu


def bench_clip(ffmpeg: str, path: Path, seconds: float, work: Path) -> dict:
    source = open_video(path, audio=False)
    n = int(round(seconds * float(source.video.fps))) | 1  # odd: the last frame is kept
    segment = SliceClip(source, 0, n)
    truth = [np.array(f) for f in segment.frames()]
    half_clip = RetimeClip(segment, np.arange(0, n, 2), source.video.fps / 2)  # frames 0, 2, ..., n-1
    half = work / f"{path.stem}-half.mkv"
    write_clip(half_clip, half, VideoEncoding(codec="x264rgb"), AudioEncoding(codec="none"))
    width, height = source.video.width, source.video.height
    theirs, their_seconds, their_cpu = run_ffmpeg(ffmpeg, half, source.video.fps, width, height)
    ours, our_seconds, our_cpu = run_ours(half)
    held_out = range(1, n - 1, 2)
    common = [i for i in held_out if i < len(theirs) and i < len(ours)]
    return {
        "clip": path.stem, "size": f"{width}x{height}", "fps": float(source.video.fps), "frames": n,
        "held_out": len(common),
        "ffmpeg_fps": len(theirs) / their_seconds, "ours_fps": len(ours) / our_seconds,
        "ffmpeg_cpu_ms": 1000 * their_cpu / len(theirs), "ours_cpu_ms": 1000 * our_cpu / len(ours),
        "ffmpeg_psnr": float(np.mean([psnr(theirs[i], truth[i]) for i in common])),
        "ours_psnr": float(np.mean([psnr(ours[i], truth[i]) for i in common])),
        "ours_kept_psnr": float(np.mean([psnr(ours[i], truth[i]) for i in range(0, min(n, len(ours)), 2)])),
    }


def run(quick: bool) -> str:
    title = "## Frame interpolation (x2) vs FFmpeg minterpolate mci\n\n"
    folder = next((d for d in DATA_DIRS if all((d / f"{c}.mp4").exists() for c in CLIPS)), None)
    if folder is None:
        return title + "Skipped: the 720p clips of ../shared/data/clips are not present.\n"
    ffmpeg = peers.ffmpeg()
    if ffmpeg is None:
        return title + "Skipped: no ffmpeg (and apt-get could not install it).\n"
    seconds = 1.5 if quick else 3.0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in CLIPS:
            rows.append(bench_clip(ffmpeg, folder / f"{name}.mp4", seconds, Path(tmp)))
            print(rows[-1], flush=True)
    lines = [
        title,
        f"First {seconds:g} s of each clip; every other frame dropped and interpolated back (x2, "
        "default settings: DIS flow, scene-cut and duplicate detection on). PSNR (RGB) on the "
        "held-out frames; speed is output frames per second of wall time, decoding included; CPU is "
        "processor time per output frame, all threads (FFmpeg's minterpolate uses one, shotgraph two: "
        "flow estimation runs ahead of frame synthesis). On a busy machine the wall-clock ratio "
        "swings with the load; CPU time does not.\n",
        "| clip | frames | held out | ffmpeg fps | shotgraph fps | speed | ffmpeg CPU | shotgraph CPU "
        "| ffmpeg PSNR | shotgraph PSNR | gain |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(f"| {r['clip']} ({r['size']} @ {r['fps']:.3g}) | {r['frames']} | {r['held_out']} | "
                     f"{r['ffmpeg_fps']:.1f} | {r['ours_fps']:.1f} | {r['ours_fps'] / r['ffmpeg_fps']:.1f}x | "
                     f"{r['ffmpeg_cpu_ms']:.0f} ms | {r['ours_cpu_ms']:.0f} ms | "
                     f"{r['ffmpeg_psnr']:.2f} dB | {r['ours_psnr']:.2f} dB | {r['ours_psnr'] - r['ffmpeg_psnr']:+.2f} dB |")
    speed = np.mean([r["ours_fps"] / r["ffmpeg_fps"] for r in rows])
    gain = np.mean([r["ours_psnr"] - r["ffmpeg_psnr"] for r in rows])
    lines.append("")
    cpu_ratio = np.mean([r["ffmpeg_cpu_ms"] / r["ours_cpu_ms"] for r in rows])
    lines.append(f"Mean: **{speed:.1f}x** FFmpeg's speed (wall clock), {cpu_ratio:.1f}x less CPU per frame, "
                 f"**{gain:+.2f} dB** PSNR (goal: >= 5x and > 0 dB). "
                 f"Kept frames pass through exactly (PSNR {min(r['ours_kept_psnr'] for r in rows):.0f} dB).")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(run("--quick" in sys.argv))
