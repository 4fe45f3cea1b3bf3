"""Computing one node: the part of the executor that runs in worker processes.

A :class:`NodeTask` is plain, picklable data: which op, its validated params, and where its
inputs are (a cached entry's clip file, or another task to compute inline for ``cache: false``
steps). :func:`compute` runs the op, writes the result into a temporary cache folder and commits
it atomically under the node's key.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel

from shotgraph.clip import Clip
from shotgraph.errors import UserError, in_context
from shotgraph.graph.cache import Cache, now_iso
from shotgraph.graph.hashing import sha256_file
from shotgraph.media.encode import AudioEncoding, VideoEncoding
from shotgraph.media.reader import open_video
from shotgraph.media.writer import write_clip
from shotgraph.ops.registry import OpContext, get_op

INTERMEDIATE = "clip.nut"

Progress = Callable[[str, int, int], None]


@dataclass
class InputSpec:
    node_id: str
    clip_path: str | None = None  # a cached entry's clip file
    task: "NodeTask | None" = None  # computed inline instead (cache: false)


@dataclass
class NodeTask:
    node_id: str
    op: str
    params: BaseModel
    key: str
    seed: int | None
    primary: InputSpec | None
    refs: dict[str, InputSpec] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    cache_root: str = ""
    threads: int = 0
    meta: dict = field(default_factory=dict)  # extra facts recorded in the entry (node id, params)


def open_input(spec: InputSpec, work_dir: Path, threads: int) -> Clip:
    if spec.clip_path is not None:
        return open_video(spec.clip_path)
    result = build(spec.task, work_dir, threads)
    if not isinstance(result, Clip):
        raise UserError(f"{spec.node_id} does not produce a clip, so it cannot feed another step")
    return result


def build(task: NodeTask, work_dir: Path, threads: int):
    """Run the task's op on its inputs: a Clip, or an artifact that writes its own files."""
    op = get_op(task.op)
    inputs = [open_input(task.primary, work_dir, threads)] if task.primary else []

    def resolve_clip(ref: str) -> Clip:
        if ref not in task.refs:
            raise UserError(f"{task.node_id}: {ref!r} is not an input of this step")
        return open_input(task.refs[ref], work_dir, threads)

    def resolve_file(ref: str) -> Path:
        if ref not in task.files:
            raise UserError(f"{task.node_id}: {ref!r} is not a file input of this step")
        return Path(task.files[ref])

    resume_dir = Cache(task.cache_root).resume_path(task.key) if task.cache_root else None
    ctx = OpContext(task.node_id, task.seed, work_dir, resolve_clip, resolve_file, threads, resume_dir=resume_dir)
    return op.run(inputs, task.params, ctx)


def _with_inline_inputs(task: NodeTask):
    """``task`` and every task computed inline for it (its ``cache: false`` inputs)."""
    yield task
    for spec in ([task.primary] if task.primary else []) + list(task.refs.values()):
        if spec.task is not None:
            yield from _with_inline_inputs(spec.task)


def intermediate_encoding(clip: Clip) -> tuple[VideoEncoding, AudioEncoding]:
    """Lossless, fast, exact-timestamp storage for cached clips: x264 RGB at qp 0 (FFV1 with alpha)."""
    video = VideoEncoding(codec="ffv1") if clip.video.alpha else VideoEncoding(codec="x264rgb")
    return video, AudioEncoding(codec="pcm_f32le")


@contextlib.contextmanager
def _naming_node(node_id: str, scratch: Path):
    """User errors raised inside an op name a file, field or frame, but not which step of the
    project hit it: put the node (``shots.NAME.steps[i]``, ``edit``...) in front. Paths inside the
    cache's scratch folder (where the node's output is being written) mean nothing to the user."""
    try:
        yield
    except UserError as error:
        inside = re.escape(str(scratch)) + r"/\S+"
        error.args = (re.sub(inside, "the output", re.sub(inside + ": ", "", str(error))),)
        raise in_context(error, node_id)


def compute(task: NodeTask, progress: Progress | None = None) -> dict:
    """Compute ``task`` into the cache (unless another process already did) and describe the result."""
    cache = Cache(task.cache_root)
    started, clock = now_iso(), time.perf_counter()
    with cache.lock(task.key), _naming_node(task.node_id, cache.tmp):
        if cache.has(task.key):
            return {"node": task.node_id, "key": task.key, "status": "cached"}
        with cache.writing(task.key) as (folder, meta):
            work_dir = folder / "work"
            work_dir.mkdir()
            result = build(task, work_dir, task.threads)
            total = result.n_frames if isinstance(result, Clip) else result.total_frames
            on_frame = _throttled(progress, task.node_id, total)
            if isinstance(result, Clip):
                video, audio = intermediate_encoding(result)
                write_clip(result, folder / INTERMEDIATE, video, audio, on_frame, task.threads)
                files, clip_file = [INTERMEDIATE], INTERMEDIATE
            else:
                files, clip_file = result.write(folder, on_frame), result.clip_file
            shutil.rmtree(work_dir, ignore_errors=True)
            outputs = [{"file": name, "sha256": sha256_file(folder / name), "bytes": (folder / name).stat().st_size}
                       for name in files]
            meta.update(task.meta)
            meta.update({
                "op": task.op,
                "seed": task.seed,
                "clip_file": clip_file,
                "frames": total,
                "outputs": outputs,
                "created": started,
                "seconds": round(time.perf_counter() - clock, 3),
            })
        for done in _with_inline_inputs(task):  # committed: nothing is left to resume
            shutil.rmtree(cache.resume_path(done.key), ignore_errors=True)
    return {"node": task.node_id, "key": task.key, "status": "computed", "started": started,
            "seconds": meta["seconds"], "outputs": outputs, "frames": total, "pid": os.getpid()}


def _throttled(progress: Progress | None, node_id: str, total: int) -> Callable[[int], None] | None:
    if progress is None:
        return None
    last = [0.0]
    progress(node_id, 0, total)

    def on_frame(done: int) -> None:
        now = time.monotonic()
        if now - last[0] >= 0.1 or done == total:
            last[0] = now
            progress(node_id, done, total)

    return on_frame


# -- worker process plumbing ---------------------------------------------------------------------

_QUEUE = None


def worker_init(queue) -> None:
    """Pool initializer: die with the parent, leave Ctrl-C to it, report progress on ``queue``."""
    import signal

    global _QUEUE
    _QUEUE = queue
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:  # Linux: if the parent is killed (even kill -9), the kernel kills us too
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
        if os.getppid() == 1:
            os._exit(1)
    except OSError:
        pass


def worker_compute(task: NodeTask) -> dict:
    def report(node_id: str, done: int, total: int) -> None:
        _QUEUE.put((node_id, done, total))

    return compute(task, report if _QUEUE is not None else None)
