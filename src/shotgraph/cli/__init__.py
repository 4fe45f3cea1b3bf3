"""The ``shotgraph`` command, a private layer over the library: nothing in ``shotgraph`` imports it.

:func:`main` builds the app (:mod:`.app`), runs it, and turns user mistakes into one red line and a
non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning user errors into one line and an exit code."""
    from shotgraph.cli.app import build_app
    from shotgraph.cli.console import console, plain
    from shotgraph.errors import UserError

    try:
        build_app()(args=argv, prog_name="shotgraph")
    except UserError as error:
        console.print(f"[red]error:[/] {plain(str(error))}")
        sys.exit(error.exit_code)
    except PermissionError as error:
        console.print(f"[red]error:[/] permission denied: {plain(str(error.filename))}")
        sys.exit(1)
    except OSError as error:
        if error.filename is None:
            raise
        console.print(f"[red]error:[/] {error.strerror}: {plain(str(error.filename))}")
        sys.exit(1)
