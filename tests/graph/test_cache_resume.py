"""Progress kept to resume interrupted nodes (cache/resume/<key>/) is removed by gc when no run
will use it, and never while its node is being computed."""

from __future__ import annotations

import os
import time

from shotgraph.graph.cache import Cache


def progress(cache: Cache, key: str, age_days: float = 0) -> None:
    folder = cache.resume_path(key)
    folder.mkdir(parents=True)
    (folder / "00000.png").write_bytes(b"png")
    stamp = time.time() - age_days * 86400
    os.utime(folder, (stamp, stamp))


def test_progress_of_keys_the_project_no_longer_uses_is_removed(tmp_path):
    cache = Cache(tmp_path)
    for key in ("kept", "gone", "running"):
        progress(cache, key)
    with cache.lock("running"):  # being computed now: its progress must stay
        assert cache.clean_resume(keep={"kept"}) == 1
    assert sorted(p.name for p in cache.resume.iterdir()) == ["kept", "running"]
    assert cache.clean_resume(keep=set()) == 2 and not any(cache.resume.iterdir())


def test_old_progress_is_removed_and_nothing_without_a_rule(tmp_path):
    cache = Cache(tmp_path)
    progress(cache, "old", age_days=10)
    progress(cache, "new", age_days=1)
    assert cache.clean_resume() == 0
    assert cache.clean_resume(older_than=5 * 86400) == 1
    assert [p.name for p in cache.resume.iterdir()] == ["new"]
