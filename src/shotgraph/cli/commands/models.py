"""``shotgraph models``: every backend of every op, its models, where their weights come from, and
whether they are here.

Generic over the registry: a backend lists its models through ``Backend.weights_check`` (see
:class:`shotgraph.backends.base.WeightsStatus`); a backend without one is shown with its ``weights``
description (or as needing no weights). Nothing is loaded or downloaded.
"""

from __future__ import annotations

import json

import typer

# the commands this module adds (for the command list, loaded on use)
COMMANDS = {
    'models': "List every op's backends and models: where weights come from and whether they are here.",
}


def register(app: typer.Typer) -> None:
    @app.command("models")
    def models(
        as_json: bool = typer.Option(False, "--json", help="Print the rows as JSON."),
        missing_only: bool = typer.Option(False, "--missing", help="Only models whose weights are absent."),
    ) -> None:
        """List every op's backends and models: where weights come from and whether they are here."""
        from rich.table import Column, Table

        from shotgraph.backends.weights import models_dir
        from shotgraph.cli.console import out

        from shotgraph.ops.registry import model_rows

        rows = [r for r in model_rows() if not missing_only or r.present is False]
        if as_json:
            out.print_json(json.dumps([r.__dict__ for r in rows]))
            return
        # fold, never truncate: paths and URLs are what the user needs to read in full
        columns = [Column(name, overflow="fold") for name in ("op", "backend", "model", "weights from", "here", "installed")]
        table = Table(*columns, title="models")
        mark = {True: "[green]yes[/]", False: "[red]no[/]", None: "[dim]-[/]"}
        for r in rows:
            here = mark[r.present] + (f"\n[dim]{r.location}[/]" if r.location else "")
            table.add_row(r.op, r.backend, r.model, r.weights, here,
                          "yes" if r.installed == "yes" else f"[yellow]{r.installed}[/]")
        out.print(table)
        out.print(f"user weights folder: {models_dir()} (set SHOTGRAPH_MODELS to move it)")
