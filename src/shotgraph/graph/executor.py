"""Running a graph: plan what is cached, compute the rest (independent nodes in parallel), export.

The executor never recomputes a node whose key is in the cache, so a rerun of an unchanged project
does nothing, a changed param recomputes only the nodes downstream of it, and a run killed at any
point resumes from the last committed node on the next run.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import time
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field

from shotgraph.errors import UserError
from shotgraph.fsutil import copy_atomic
from shotgraph.graph.build import Graph, Node
from shotgraph.graph.cache import Cache
from shotgraph.graph.hashing import sha256_file
from shotgraph.graph.tasks import InputSpec, NodeTask, compute, worker_compute, worker_init
from shotgraph.progress import Progress


@dataclass
class PlanRow:
    node: Node
    key: str
    state: str  # "cached" | "run" | "inline"


@dataclass
class RunReport:
    started: str
    results: dict[str, dict] = field(default_factory=dict)  # node id -> what happened
    exports: list[dict] = field(default_factory=list)
    status: str = "ok"
    error: str | None = None
    seconds: float = 0.0

    @property
    def computed(self) -> list[str]:
        return [n for n, r in self.results.items() if r["status"] == "computed"]


class Interrupted(UserError):
    exit_code = 130


def default_jobs() -> int:
    return max(1, os.cpu_count() or 1)


class Executor:
    def __init__(self, graph: Graph, cache: Cache, jobs: int | None = None, progress: Progress | None = None,
                 threads: int | None = None):
        self.graph = graph
        self.cache = cache
        self.jobs = max(1, jobs or default_jobs())
        # Encoder threads are fixed per machine (not per -j) so encoded bytes do not depend on -j.
        self.threads = threads or default_jobs()
        self.progress = progress or Progress()

    # -- planning ----------------------------------------------------------------------------
    def plan(self, targets: list[str], force: bool = False) -> list[PlanRow]:
        """What a run would do: every node the targets need, and whether it is cached."""
        graph, states = self.graph, {}
        target_set = set(targets)

        def visit(node_id: str) -> None:
            if node_id in states:
                return
            node = graph.nodes[node_id]
            key = graph.key(node_id)
            if not force and self.cache.has(key):
                states[node_id] = "cached"
                return
            inline = not node.cache and node_id not in target_set and node.export is None
            states[node_id] = "inline" if inline else "run"
            for input_id in node.inputs:
                visit(input_id)

        for target in targets:
            visit(target)
        return [PlanRow(graph.nodes[n], graph.key(n), states[n]) for n in graph.nodes if n in states]

    # -- running -----------------------------------------------------------------------------
    def run(self, targets: list[str], force: bool = False) -> RunReport:
        from shotgraph.graph.cache import now_iso

        report = RunReport(started=now_iso())
        clock = time.perf_counter()
        self.cache.clean_tmp()
        rows = self.plan(targets, force)
        states = {row.node.id: row.state for row in rows}
        for row in rows:
            if row.state == "cached":
                self.cache.touch(row.key)
                report.results[row.node.id] = {"node": row.node.id, "key": row.key, "status": "cached"}
        to_run = [row.node.id for row in rows if row.state == "run"]
        try:
            if to_run:
                self._compute(to_run, states, report, force)
            self._export(targets, report)
        except KeyboardInterrupt:
            report.status, report.error = "interrupted", "interrupted by the user"
            raise Interrupted("interrupted: finished nodes are cached; run again to resume") from None
        except BaseException as error:
            report.status, report.error = "failed", str(error)
            raise
        finally:
            report.seconds = round(time.perf_counter() - clock, 3)
            self.report = report
        return report

    def _task(self, node_id: str, states: dict[str, str], force: bool) -> NodeTask:
        graph = self.graph
        node = graph.nodes[node_id]

        def input_spec(input_id: str) -> InputSpec:
            if states.get(input_id) == "inline":
                return InputSpec(input_id, task=self._task(input_id, states, force))
            key = graph.key(input_id)
            clip_file = self.cache.meta(key).get("clip_file")
            if clip_file is None:
                raise UserError(f"{input_id} does not produce a clip, so {node_id} cannot read it")
            return InputSpec(input_id, clip_path=str(self.cache.entry_path(key) / clip_file))

        return NodeTask(
            node_id=node_id,
            op=node.op.name,
            params=node.params,
            key=graph.key(node_id),
            seed=node.seed,
            primary=input_spec(node.primary) if node.primary else None,
            refs={ref: input_spec(input_id) for ref, input_id in node.refs.items()},
            files={ref: str(path) for ref, path in node.files.items()},
            cache_root=str(self.cache.root),
            threads=self.threads,
            meta={"node": node_id, "op_version": node.op.version, "params": graph.canonical_params(node)},
        )

    def _dependencies(self, node_id: str, states: dict[str, str]) -> set[str]:
        """Materialised nodes that must exist before ``node_id`` can run (through inline inputs)."""
        deps: set[str] = set()
        for input_id in self.graph.nodes[node_id].inputs:
            if states.get(input_id) == "inline":
                deps |= self._dependencies(input_id, states)
            elif states.get(input_id) == "run":
                deps.add(input_id)
        return deps

    def _compute(self, to_run: list[str], states: dict[str, str], report: RunReport, force: bool) -> None:
        pending = {node_id: self._dependencies(node_id, states) for node_id in to_run}
        if force:
            for node_id in to_run:  # recompute: drop the old entries first
                self.cache.remove(self.graph.key(node_id))
        with _ProgressDisplay(self.progress, len(to_run)) as display:
            if self.jobs == 1 or len(to_run) == 1:
                for node_id in to_run:  # already in dependency order
                    result = compute(self._task(node_id, states, force), display.update)
                    self._finished(result, report, display)
                return
            self._compute_parallel(pending, states, report, display, force)

    def _compute_parallel(self, pending, states, report, display, force) -> None:
        context = multiprocessing.get_context("spawn")
        progress_queue = context.Queue()
        workers = min(self.jobs, len(pending))
        pool = ProcessPoolExecutor(workers, mp_context=context, initializer=worker_init, initargs=(progress_queue,))
        running: dict[Future, str] = {}
        done: set[str] = set()
        failure: BaseException | None = None
        try:
            while pending or running:
                if failure is None:
                    for node_id in [n for n, deps in pending.items() if deps <= done]:
                        if len(running) >= workers:
                            break
                        del pending[node_id]
                        running[pool.submit(worker_compute, self._task(node_id, states, force))] = node_id
                elif not running:
                    break
                finished, _ = wait(list(running), timeout=0.2, return_when=FIRST_COMPLETED)
                _drain(progress_queue, display)
                for future in finished:
                    node_id = running.pop(future)
                    try:
                        result = future.result()
                    except BaseException as error:  # noqa: BLE001 - finish the others, then raise
                        failure = failure or error
                        report.results[node_id] = {"node": node_id, "key": self.graph.key(node_id),
                                                   "status": "failed", "error": str(error)}
                        continue
                    done.add(node_id)
                    self._finished(result, report, display)
            if failure is not None:
                raise failure
        except KeyboardInterrupt:
            for process in list(getattr(pool, "_processes", {}).values()):
                process.kill()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
            _drain(progress_queue, display)

    def _finished(self, result: dict, report: RunReport, display: "_ProgressDisplay") -> None:
        report.results[result["node"]] = result
        display.finished(result)

    # -- exports -----------------------------------------------------------------------------
    def _export(self, targets: list[str], report: RunReport) -> None:
        for node_id in targets:
            node = self.graph.nodes[node_id]
            if node.export is None:
                continue
            key = self.graph.key(node_id)
            meta = self.cache.meta(key)
            source = self.cache.entry_path(key) / meta["clip_file"]
            digest = meta["outputs"][0]["sha256"]
            dest = node.export
            unchanged = dest.is_file() and dest.stat().st_size == source.stat().st_size and sha256_file(dest) == digest
            if not unchanged:
                copy_atomic(source, dest)
            self._export_sidecars(meta, key, dest)
            report.exports.append({"deliverable": node_id.removeprefix("deliverables."), "path": str(dest),
                                   "sha256": digest, "bytes": source.stat().st_size, "written": not unchanged})
            self.progress.note(f"✓ {dest}" + ("" if not unchanged else " (unchanged)"))

    def _export_sidecars(self, meta: dict, key: str, dest) -> None:
        """Other files a deliverable made (e.g. its validation report) go beside it as
        ``<name>.<file>``."""
        for output in meta["outputs"][1:]:
            copy_atomic(self.cache.entry_path(key) / output["file"], dest.with_name(f"{dest.stem}.{output['file']}"))


def _drain(progress_queue, display: "_ProgressDisplay") -> None:
    while True:
        try:
            node_id, done, total = progress_queue.get_nowait()
        except (queue.Empty, OSError, ValueError):
            return
        display.update(node_id, done, total)


class _ProgressDisplay:
    """A task for the run (nodes done), one per node being computed, a line per finished node."""

    def __init__(self, progress: Progress, total_nodes: int):
        self.progress = progress
        self.total_nodes = total_nodes
        self.tasks = {}

    def __enter__(self):
        self.progress.__enter__()
        self.overall = self.progress.add("nodes", self.total_nodes, "nodes")
        return self

    def __exit__(self, *exc):
        return self.progress.__exit__(*exc)

    def update(self, node_id: str, done: int, total: int) -> None:
        if node_id not in self.tasks:
            self.tasks[node_id] = self.progress.add(node_id, total)
        self.tasks[node_id].update(done, total)

    def finished(self, result: dict) -> None:
        node_id = result["node"]
        if node_id in self.tasks:
            self.progress.remove(self.tasks.pop(node_id))
        self.overall.update(self.overall.done + 1)
        if result["status"] == "computed":
            self.progress.note(f"✓ {node_id} {result['seconds']:.1f}s, {result['frames']} frames")
        else:
            self.progress.note(f"· {node_id} (computed by another run)")
