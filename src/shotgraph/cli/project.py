"""The project commands (``run``, ``plan``, ``replay``, ``cache``) and the media tools (``probe``,
``ops``), with the global options. The app is assembled in :mod:`shotgraph.cli.app`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Optional

import typer

from shotgraph import __version__
from shotgraph.cli.console import console, out, plain, progress, progress_mode
from shotgraph.errors import UserError

cache_app = typer.Typer(help="Inspect and clean the node cache.", no_args_is_help=True)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shotgraph {__version__}")
        raise typer.Exit()


def _root(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Print the version."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress display."),
    json_progress: bool = typer.Option(False, "--json-progress",
                                       help="Progress as newline-delimited JSON events on stderr (for tools)."),
) -> None:
    """AI-assisted video as one reproducible, cached graph."""
    progress_mode[0] = "json" if json_progress else "quiet" if quiet else "auto"


# -- project commands --------------------------------------------------------------------------

ProjectArg = typer.Argument(..., help="The project file (YAML).", show_default=False)
TargetsArg = typer.Argument(None, help="Deliverables, shots, 'edit' or node ids (default: all deliverables).")
CacheOpt = typer.Option(None, "--cache-dir", help="Cache folder (default: .shotgraph/cache beside the project, or $SHOTGRAPH_CACHE).")
JobsOpt = typer.Option(None, "--jobs", "-j", min=1, help="Nodes computed in parallel (default: CPU count).")


def run(
    project: Path = ProjectArg,
    targets: Optional[list[str]] = TargetsArg,
    jobs: Optional[int] = JobsOpt,
    force: bool = typer.Option(False, "--force", help="Recompute every node the targets need, ignoring the cache."),
    cache_dir: Optional[Path] = CacheOpt,
) -> None:
    """Render a project: compute what is not cached, export the deliverables, write a run manifest."""
    from shotgraph.graph.workspace import Workspace

    workspace = Workspace.open(project, cache_dir)
    clock = time.perf_counter()
    report, manifest = workspace.run(targets, jobs, force, progress())
    computed = len(report.computed)
    cached = sum(1 for r in report.results.values() if r["status"] == "cached")
    console.print(
        f"[bold]done[/] in {time.perf_counter() - clock:.1f}s: {computed} node(s) computed, {cached} cached; "
        f"manifest {manifest}"
    )


def plan(
    project: Path = ProjectArg,
    targets: Optional[list[str]] = TargetsArg,
    cache_dir: Optional[Path] = CacheOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the plan as JSON."),
) -> None:
    """Show what a run would compute and what is already cached."""
    from shotgraph.graph.workspace import Workspace

    from rich.table import Table

    workspace = Workspace.open(project, cache_dir)
    rows = workspace.executor().plan(workspace.graph.resolve_targets(targets))
    workspace.hasher.save()
    if as_json:
        out.print_json(json.dumps([{"node": r.node.id, "op": r.node.op.name, "key": r.key, "state": r.state}
                                   for r in rows]))
        return
    table = Table("node", "op", "key", "state", title=f"plan for {project}")
    style = {"cached": "green", "run": "yellow", "inline": "cyan"}
    for row in rows:
        table.add_row(row.node.id, row.node.op.name, row.key[:12], f"[{style[row.state]}]{row.state}[/]")
    out.print(table)
    todo = sum(r.state == "run" for r in rows)
    out.print(f"{todo} to compute, {sum(r.state == 'cached' for r in rows)} cached")


def replay(
    manifest: Path = typer.Argument(..., help="A run manifest (.shotgraph/runs/*.json)."),
    output_dir: Optional[Path] = typer.Option(None, "--output-dir", "-o", help="Write deliverables here instead of their recorded paths."),
    use_cache: bool = typer.Option(False, "--use-cache", help="Reuse cached nodes instead of recomputing everything."),
    jobs: Optional[int] = JobsOpt,
) -> None:
    """Re-run exactly what a manifest recorded, and check that the outputs have the same hashes."""
    from shotgraph.graph.workspace import replay as replay_manifest

    result = replay_manifest(manifest, output_dir, use_cache, jobs, progress())
    for node_id in result.key_changes:
        console.print(f"[yellow]note:[/] {node_id} has a different key now (shotgraph or op version changed)")
    for node_id in result.different:
        console.print(f"[red]differs:[/] {node_id}")
    console.print(f"replayed: {len(result.identical)} output(s) identical, {len(result.different)} different; "
                  f"manifest {result.manifest_path}")
    if result.different:
        raise typer.Exit(1)


# -- cache -------------------------------------------------------------------------------------


def _open_cache(project: Optional[Path], cache_dir: Optional[Path]):
    from shotgraph.graph.cache import Cache
    from shotgraph.graph.workspace import Workspace, default_cache_dir

    if project is not None:
        workspace = Workspace.open(project, cache_dir)
        return workspace.cache, workspace
    return Cache(cache_dir or default_cache_dir(Path(".shotgraph"))), None


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"


def _parse_size(text: str) -> int:
    value = text.strip().upper().removesuffix("B")
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(value[-1:], 1)
    try:
        size = int(float(value.rstrip("KMGT")) * scale)
    except (ValueError, OverflowError):  # OverflowError: inf
        size = -1
    if size < 0:
        raise UserError(f"--max-size: {text!r} is not a size like 500M or 20G")
    return size


@cache_app.command("ls")
def cache_ls(
    project: Optional[Path] = typer.Argument(None, help="Project file: marks which entries it uses."),
    cache_dir: Optional[Path] = CacheOpt,
    as_json: bool = typer.Option(False, "--json", help="Print the entries as JSON."),
) -> None:
    """List cache entries: key, node, op, size, last use."""
    from rich.table import Table

    cache, workspace = _open_cache(project, cache_dir)
    used = {workspace.graph.key(n) for n in workspace.graph.nodes} if workspace else set()
    if as_json:
        out.print_json(json.dumps([
            {"key": e.key, "node": e.meta.get("node"), "op": e.meta.get("op"), "bytes": e.size,
             "last_used": e.last_used, **({"in_project": e.key in used} if workspace else {})}
            for e in cache.entries()]))
        return
    table = Table("key", "node", "op", "size", "last used", *(["in project"] if workspace else []))
    total = 0
    for entry in sorted(cache.entries(), key=lambda e: e.last_used, reverse=True):
        total += entry.size
        row = [entry.key[:12], entry.meta.get("node", "?"), entry.meta.get("op", "?"), _size(entry.size),
               time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.last_used))]
        if workspace:
            row.append("yes" if entry.key in used else "")
        table.add_row(*row)
    out.print(table)
    out.print(f"{len(table.rows)} entries, {_size(total)} in {cache.root}")


@cache_app.command("gc")
def cache_gc(
    project: Optional[Path] = typer.Argument(None, help="Project file: keep every entry its current graph uses."),
    cache_dir: Optional[Path] = CacheOpt,
    max_size: Optional[str] = typer.Option(None, "--max-size", help="Also trim kept entries, least recently used first, to this size (e.g. 20G)."),
    older_than: Optional[float] = typer.Option(None, "--older-than", min=0, help="Without a project: remove entries unused for this many days."),
    everything: bool = typer.Option(False, "--all", help="Remove every entry."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Only say what would be removed."),
) -> None:
    """Remove cache entries: those the project no longer uses, old ones, or down to a size budget."""
    cache, workspace = _open_cache(project, cache_dir)
    if workspace is None and older_than is None and max_size is None and not everything:
        raise UserError("cache gc needs a project (keep what it uses), --older-than DAYS, --max-size or --all")
    keep = {workspace.graph.key(n) for n in workspace.graph.nodes} if workspace else None
    entries = sorted(cache.entries(), key=lambda e: e.last_used, reverse=True)
    now = time.time()
    doomed, kept = [], []
    for entry in entries:
        stale = older_than is not None and now - entry.last_used > older_than * 86400
        unused = keep is not None and entry.key not in keep
        (doomed if everything or stale or unused else kept).append(entry)
    if max_size is not None:
        budget, running = _parse_size(max_size), 0
        for entry in list(kept):
            running += entry.size
            if running > budget:
                kept.remove(entry)
                doomed.append(entry)
    freed = 0
    for entry in doomed:
        freed += entry.size
        if not dry_run:
            cache.remove(entry.key)
    removed_tmp = 0 if dry_run else cache.clean_tmp()
    # progress kept to resume an interrupted node goes with the project's other unused keys
    removed_resume = 0 if dry_run else cache.clean_resume(
        set() if everything else keep, older_than * 86400 if older_than is not None else None)
    verb = "would remove" if dry_run else "removed"
    out.print(f"{verb} {len(doomed)} entries ({_size(freed)}), kept {len(kept)}"
              + (f"; cleaned {removed_tmp} unfinished" if removed_tmp else "")
              + (f"; dropped {removed_resume} interrupted nodes' progress" if removed_resume else ""))


# -- media tools -------------------------------------------------------------------------------


def probe(file: Path = typer.Argument(..., help="A video, audio or image file.")) -> None:
    """Print what a media file holds as JSON: duration, fps, frames, size, codecs, colour tags, audio."""
    from shotgraph.media.probe import probe as probe_file

    out.print_json(json.dumps(probe_file(file)))


def list_ops() -> None:
    """List every op with its kind, version and backends (and whether each is usable here)."""
    from rich.table import Table

    from shotgraph.ops.registry import load_ops

    table = Table("op", "kind", "version", "backends", "summary")
    for name, spec in load_ops().items():
        backends = ", ".join(
            b.name + ("" if b.missing() is None else " [dim](not installed)[/]") for b in spec.backends
        )
        table.add_row(name, spec.kind.value, str(spec.version), backends, spec.summary)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add the global options and these commands to ``app``."""
    app.callback()(_root)
    for command in (run, plan, replay, probe):
        app.command()(command)
    app.command("ops")(list_ops)
    app.add_typer(cache_app, name="cache")
