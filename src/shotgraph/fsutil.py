"""Atomic file and folder writes: a crash never leaves a half file that looks finished.

Every output is written under a temporary name in the destination's own folder (so the final
rename stays on one filesystem and is atomic), and only renamed into place once complete. A
failure removes the temporary and leaves any previous good result untouched.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

from shotgraph.errors import UserError

TEMP_MARK = ".sgtmp-"


def temp_sibling(dest: Path) -> Path:
    # Keep the suffix last so format detection by extension (PyAV, Pillow) still works.
    return dest.with_name(f"{dest.stem}{TEMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}{dest.suffix}")


def user_path(path: Path | str) -> Path:
    """The path the user asked for, given one of its temporary siblings: messages name that one."""
    path = Path(path)
    return path.with_name(re.sub(rf"{re.escape(TEMP_MARK)}[^.]*", "", path.name))


@contextlib.contextmanager
def _writable(dest: Path) -> Iterator[None]:
    # a folder that cannot be made or written to is the user's choice of output, not a bug
    try:
        yield
    except OSError as error:
        raise UserError(f"cannot write {dest}: {error.strerror or error}") from None


@contextlib.contextmanager
def atomic_path(dest: Path | str) -> Iterator[Path]:
    """Yield a temporary path; rename it to ``dest`` if the block succeeds, delete it if not."""
    dest = Path(dest)
    with _writable(dest):
        if dest.is_dir():  # else the final rename fails after all the work, naming the temporary
            raise IsADirectoryError(errno.EISDIR, "it is a folder")
    temp = temp_sibling(dest)
    with _writable(user_path(dest)):
        dest.parent.mkdir(parents=True, exist_ok=True)
        temp.touch()  # fail here, naming dest, rather than deep in an encoder naming the temporary
        temp.unlink()
    try:
        yield temp
        with open(temp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(temp, dest)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


@contextlib.contextmanager
def atomic_dir(dest: Path | str) -> Iterator[Path]:
    """Yield a temporary folder; swap it in for ``dest`` if the block succeeds."""
    dest = Path(dest)
    temp = dest.with_name(f"{dest.name}{TEMP_MARK}{os.getpid()}-{uuid.uuid4().hex[:8]}")
    with _writable(user_path(dest)):
        dest.parent.mkdir(parents=True, exist_ok=True)
        temp.mkdir()
    try:
        yield temp
        if dest.exists():
            old = dest.with_name(f"{dest.name}{TEMP_MARK}old-{uuid.uuid4().hex[:8]}")
            os.replace(dest, old)
            os.replace(temp, dest)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(temp, dest)
    finally:
        if temp.exists():
            shutil.rmtree(temp, ignore_errors=True)


def write_bytes_atomic(dest: Path | str, data: bytes) -> None:
    with atomic_path(dest) as temp:
        temp.write_bytes(data)


def copy_atomic(src: Path, dest: Path) -> None:
    with atomic_path(dest) as temp:
        shutil.copyfile(src, temp)
