"""Content hashes and canonical forms: the raw material of cache keys.

A node's key hashes its op name and version, its canonical params, its seed and the keys of its
inputs, with files replaced by the SHA-256 of their content. So renaming or moving an asset keeps
the cache, and touching a file without changing it does too, but any real change is noticed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from enum import Enum
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shotgraph.fsutil import write_bytes_atomic
from shotgraph.params import ClipRef, FileRef, StepRef

CHUNK = 1 << 20
LARGE_WEIGHTS = 1 << 30


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def sha256_json(value: Any) -> str:
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class FileHasher:
    """SHA-256 of files and folders, remembered by (path, size, mtime, inode) across runs."""

    def __init__(self, memo_path: Path | None = None):
        self.memo_path = memo_path
        self.memo: dict[str, list] = {}
        self.dirty = False
        if memo_path and memo_path.exists():
            try:
                self.memo = json.loads(memo_path.read_text())
            except (OSError, ValueError):
                self.memo = {}

    def __call__(self, path: Path) -> str:
        path = Path(path).resolve()
        if path.is_dir():
            parts = [(p.name, self(p)) for p in sorted(path.iterdir()) if p.is_file() and not p.name.startswith(".")]
            return sha256_json(parts)
        stat = path.stat()
        stamp = [stat.st_size, stat.st_mtime_ns, stat.st_ino]
        known = self.memo.get(str(path))
        if known and known[:3] == stamp:
            return known[3]
        digest = sha256_file(path)
        self.memo[str(path)] = stamp + [digest]
        self.dirty = True
        return digest

    def fingerprint(self, path: Path) -> str:
        """A content fingerprint for model weights: SHA-256 for files up to 1 GiB (remembered, so
        computed once per file version); larger files by size and modification time (hashing many
        GB on every plan is not worth it); folders over all the files inside."""
        path = Path(path).resolve()
        if path.is_dir():
            parts = [(str(p.relative_to(path)), self.fingerprint(p)) for p in sorted(path.rglob("*"))
                     if p.is_file() and not p.name.startswith(".")]
            return sha256_json(parts)
        stat = path.stat()
        if stat.st_size > LARGE_WEIGHTS:
            return f"stat:{stat.st_size}:{stat.st_mtime_ns}"
        return self(path)

    def save(self) -> None:
        if self.memo_path and self.dirty:
            write_bytes_atomic(self.memo_path, json.dumps(self.memo).encode())
            self.dirty = False


def canonical(value: Any, file_hash: Callable[[str], str], clip_key: Callable[[str], str]) -> Any:
    """A JSON-ready, order-independent form of a params model with refs replaced by hashes/keys
    (a nested step by the key of the node computing it: its op, version, params, seed, weights)."""
    if isinstance(value, StepRef):
        return {"step": clip_key(value.node)}
    if isinstance(value, BaseModel):
        return {name: canonical(getattr(value, name), file_hash, clip_key) for name in type(value).model_fields}
    if isinstance(value, FileRef):
        return {"file": file_hash(value)}
    if isinstance(value, ClipRef):
        return {"clip": clip_key(value)}
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {str(k): canonical(v, file_hash, clip_key) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [canonical(v, file_hash, clip_key) for v in value]
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return value


def iter_refs(value: Any, loc: tuple = ()):
    """Yield ``(loc, ref)`` for every ClipRef / FileRef inside a params model (not inside nested
    steps: those are the refs of the nested step's own node)."""
    if isinstance(value, (ClipRef, FileRef)):
        yield loc, value
    elif isinstance(value, StepRef):
        return
    elif isinstance(value, BaseModel):
        for name, field in type(value).model_fields.items():
            yield from iter_refs(getattr(value, name), loc + (field.alias or name,))
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from iter_refs(v, loc + (k,))
    elif isinstance(value, (list, tuple)):
        for i, v in enumerate(value):
            yield from iter_refs(v, loc + (i,))
