"""The content-addressed cache: one folder per node key, written atomically, locked while built.

Layout under the cache root::

    objects/ab/abcdef.../meta.json      what made it: op, params, inputs, timing, output hashes
    objects/ab/abcdef.../clip.nut       the payload (or media.mp4, ...)
    tmp/<key>-<pid>-<rand>/             entries being written; renamed into objects/ when complete
    locks/<key>.lock                    flock held while a process computes that key
    resume/<key>/                       progress an op kept to resume an interrupted computation of
                                        that key (OpContext.resume_dir); removed once the entry exists

An entry exists only once its folder has been renamed into ``objects/`` with its ``meta.json``
inside, so a crash (even ``kill -9``) can leave only a ``tmp/`` folder, which the next run deletes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

META = "meta.json"


@dataclass
class CacheEntry:
    key: str
    path: Path
    meta: dict
    size: int
    last_used: float


class Cache:
    def __init__(self, root: Path | str):
        self.root = Path(root)
        self.objects = self.root / "objects"
        self.tmp = self.root / "tmp"
        self.locks = self.root / "locks"
        self.resume = self.root / "resume"

    def resume_path(self, key: str) -> Path:
        """Where an op computing ``key`` may keep progress that survives an interrupted run."""
        return self.resume / key

    def entry_path(self, key: str) -> Path:
        return self.objects / key[:2] / key

    def has(self, key: str) -> bool:
        return (self.entry_path(key) / META).is_file()

    def meta(self, key: str) -> dict:
        return json.loads((self.entry_path(key) / META).read_text())

    def touch(self, key: str) -> None:
        with contextlib.suppress(OSError):
            os.utime(self.entry_path(key) / META)

    @contextlib.contextmanager
    def lock(self, key: str) -> Iterator[None]:
        """Hold an exclusive lock on ``key`` (blocks while another process builds it)."""
        self.locks.mkdir(parents=True, exist_ok=True)
        with open(self.locks / f"{key}.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    @contextlib.contextmanager
    def writing(self, key: str) -> Iterator[tuple[Path, dict]]:
        """Yield ``(folder, meta)``; on success the meta is saved and the folder becomes the entry."""
        self.tmp.mkdir(parents=True, exist_ok=True)
        folder = self.tmp / f"{key}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        folder.mkdir()
        meta: dict = {"key": key}
        try:
            yield folder, meta
            (folder / META).write_text(json.dumps(meta, indent=1, sort_keys=True))
            for path in folder.iterdir():
                with open(path, "rb") as handle:
                    os.fsync(handle.fileno())
            final = self.entry_path(key)
            final.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.rename(folder, final)
            except OSError:
                if not self.has(key):  # not "someone else finished first": a real failure
                    raise
        finally:
            if folder.exists():
                shutil.rmtree(folder, ignore_errors=True)

    def clean_tmp(self) -> int:
        """Remove unfinished entries whose writer is gone.

        A writer holds the key's lock while its temporary folder exists, and the kernel drops
        the lock when the process dies (kill -9 included), so a folder whose key lock can be
        taken is an orphan. (PIDs are no test: dead workers linger as zombies, and PIDs get reused.)
        """
        removed = 0
        if not self.tmp.is_dir():
            return 0
        for folder in self.tmp.iterdir():
            key = folder.name.split("-")[0]
            with self._try_lock(key) as free:
                if free:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
        return removed

    def clean_resume(self, keep: set[str] | None = None, older_than: float | None = None) -> int:
        """Remove kept progress (``resume/<key>/``) that no run will pick up: keys not in ``keep``
        (when given), or untouched for ``older_than`` seconds (when given). Progress whose key is
        being computed right now (its lock is held) stays."""
        removed = 0
        if not self.resume.is_dir() or (keep is None and older_than is None):
            return 0
        now = time.time()
        for folder in self.resume.iterdir():
            unused = keep is not None and folder.name not in keep
            stale = older_than is not None and now - folder.stat().st_mtime > older_than
            if not (unused or stale):
                continue
            with self._try_lock(folder.name) as free:
                if free:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
        return removed

    @contextlib.contextmanager
    def _try_lock(self, key: str) -> Iterator[bool]:
        self.locks.mkdir(parents=True, exist_ok=True)
        with open(self.locks / f"{key}.lock", "a") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def entries(self) -> Iterator[CacheEntry]:
        if not self.objects.is_dir():
            return
        for shard in sorted(self.objects.iterdir()):
            for folder in sorted(shard.iterdir()):
                meta_path = folder / META
                if not meta_path.is_file():
                    continue
                try:
                    meta = json.loads(meta_path.read_text())
                except (OSError, ValueError):
                    meta = {}
                size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
                yield CacheEntry(folder.name, folder, meta, size, meta_path.stat().st_mtime)

    def remove(self, key: str) -> None:
        with self.lock(key):
            path = self.entry_path(key)
            if path.exists():
                trash = self.tmp / f"{key}-trash-{uuid.uuid4().hex[:6]}"
                self.tmp.mkdir(parents=True, exist_ok=True)
                os.rename(path, trash)  # vanish atomically, then delete at leisure
                shutil.rmtree(trash, ignore_errors=True)
        with contextlib.suppress(OSError):
            (self.locks / f"{key}.lock").unlink()


def now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
