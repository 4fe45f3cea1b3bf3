"""Upscaling speed on CPU: frames per second per model at 480p -> x2 / x4, and the pipeline's
overhead over bare ncnn calls on the same frames (goal: under 10%).

The peer here is the bare ncnn call (what realesrgan-ncnn-vulkan does on CPU, minus Vulkan, which
this machine lacks): the same network, the same decoded frames, numpy in and out. Two bare
baselines are timed: serial with all cores in ncnn, and frames in parallel (one ncnn thread per
core, the way the pipeline runs 480p); overhead is measured against the faster one.

Input: /work/shared/data/clips/onepiece_demo.mp4 (640x480 anime) when present, else a synthetic
640x480 clip. Frames are decoded before timing, so decoding is not counted.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
CLIP_NAME = "data/clips/onepiece_demo.mp4"
CANDIDATES = [REPO.parent / "shared" / CLIP_NAME, REPO.parent.parent / "shared" / CLIP_NAME]


def _frames(count: int) -> tuple[list[np.ndarray], str]:
    from shotgraph.media import open_video

    for path in CANDIDATES:
        if path.exists():
            clip = open_video(path)
            start = min(48, max(0, clip.n_frames - count))  # past the title card
            frames = [f.copy() for f in clip.frames(start, start + count)]
            return frames, f"`{path.name}` frames {start}-{start + count - 1} ({clip.video.width}x{clip.video.height})"
    import sys

    sys.path.insert(0, str(REPO / "tests"))
    from synthetic import index_frame  # the tests' helpers, when the shared data is absent

    return [index_frame(i, 640, 480) for i in range(count)], "synthetic 640x480 frames"


def _clip(frames: list[np.ndarray]):
    from shotgraph.clip import FunctionClip, VideoInfo

    height, width = frames[0].shape[:2]
    return FunctionClip(VideoInfo(width, height, Fraction(24), len(frames)), lambda i: frames[i])


def _timed(run) -> tuple[float, float]:
    """(wall seconds, CPU seconds of all this process's threads) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    run()
    return time.perf_counter() - wall, time.process_time() - cpu


def _best_interleaved(runs: dict, repeats: int) -> dict[str, tuple[float, float]]:
    """Best wall and best CPU time of each run, alternating them so that load from other processes
    hits all alike (this machine is shared)."""
    best = {name: (float("inf"), float("inf")) for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            wall, cpu = _timed(run)
            best[name] = (min(best[name][0], wall), min(best[name][1], cpu))
    return best


def _pipeline(frames, scale, model, **options) -> float:
    from shotgraph.ops.upscale import upscale

    def run():
        for _ in upscale(_clip(frames), scale, model=model, **options).frames():
            pass

    return run


def _bare_ncnn(frames, network: str, threads: int, workers: int):
    """The bare call: uint8 HWC -> float CHW -> ncnn -> uint8 HWC, nothing else."""
    import ncnn

    from shotgraph.backends.realesrgan import MODELS, models_folder

    folder = models_folder()
    net = ncnn.Net()
    net.opt.use_vulkan_compute = False
    net.opt.num_threads = threads
    net.load_param(str(folder / MODELS[network].files[0]))
    net.load_model(str(folder / MODELS[network].files[1]))

    def one(frame):
        chw = np.ascontiguousarray(frame.transpose(2, 0, 1), dtype=np.float32) / 255.0
        extractor = net.create_extractor()
        extractor.input("data", ncnn.Mat(chw))
        _, out = extractor.extract("output")
        return np.clip(np.array(out).transpose(1, 2, 0) * 255 + 0.5, 0, 255).astype(np.uint8)

    def run():
        if workers == 1:
            for frame in frames:
                one(frame)
        else:
            with ThreadPoolExecutor(workers) as pool:
                list(pool.map(one, frames))

    return run


def run(quick: bool) -> str:
    cores = os.cpu_count() or 1
    lines = ["## Upscaling (Real-ESRGAN ncnn on CPU)", ""]
    # realesrgan-x4plus takes minutes per 480p frame on 2 cores: one frame says its speed
    fast_count, slow_count = (3, 1) if quick else (6, 1)
    frames, source = _frames(fast_count)
    lines += [f"Input: {source}. {cores} cores. fps = output frames per second, decoding excluded.", "",
              "| model | network | 480p -> x2 fps | 480p -> x4 fps |", "|---|---|---|---|"]
    table = [("realesr-animevideov3", "x2 / x4 native", fast_count),
             ("realesrgan-x4plus", "x4 (x2 = x4 then area-reduced)", slow_count),
             ("realesrgan-x4plus-anime", "x4 (x2 = x4 then area-reduced)", slow_count),
             ("lanczos", "no model", fast_count)]
    for model, network, count in table:
        cells = []
        for scale in (2, 4):
            if quick and model == "realesrgan-x4plus-anime":
                cells.append("not run (quick)")
                continue
            if scale == 2 and model.startswith("realesrgan-x4plus"):  # x2 is the x4 network, then reduced
                cells.append("as x4 (same network)")
                continue
            wall, _ = _timed(_pipeline(frames[:count], scale, model))
            cells.append(f"{count / wall:.3g}")
        lines.append(f"| {model} | {network} | {cells[0]} | {cells[1]} |")

    repeats = 2
    lines += ["", "Pipeline overhead over bare ncnn calls on the same frames (realesr-animevideov3; at 480p "
              "the pipeline takes whole frames, its default 2 GB budget fitting two at once; best of "
              f"{repeats} interleaved runs; wall seconds / CPU seconds):", "",
              "| scale | bare ncnn, serial, {c} threads | bare ncnn, {c} frames in parallel | "
              "shotgraph upscale | overhead (wall) | overhead (CPU) |".format(c=cores), "|---|---|---|---|---|---|"]
    for scale in (2, 4):
        network = f"realesr-animevideov3-x{scale}"
        best = _best_interleaved({"serial": _bare_ncnn(frames, network, cores, 1),
                                  "parallel": _bare_ncnn(frames, network, 1, cores),
                                  "pipeline": _pipeline(frames, scale, "realesr-animevideov3")}, repeats)
        bare_wall = min(best["serial"][0], best["parallel"][0])
        bare_cpu = min(best["serial"][1], best["parallel"][1])
        cells = " | ".join(f"{w:.2f} / {c:.2f}" for w, c in best.values())
        lines.append(f"| x{scale} | {cells} | {best['pipeline'][0] / bare_wall - 1:+.1%} | "
                     f"{best['pipeline'][1] / bare_cpu - 1:+.1%} |")

    tiles = _best_interleaved({"whole": _pipeline(frames, 2, "realesr-animevideov3", tile=0),
                               "tiled": _pipeline(frames, 2, "realesr-animevideov3", tile=160)}, 1)
    lines += ["", f"Tiling cost at x2 (tile 160 + 16 px overlap vs whole frames, CPU time): "
              f"{tiles['tiled'][1] / tiles['whole'][1] - 1:+.1%}: the overlap is computed twice; tiles are "
              "only used when a frame does not fit `memory_mb`.", ""]
    return "\n".join(lines)
