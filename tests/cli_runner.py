"""Running ``shotgraph`` in-process, as a user's shell would (``main(argv)``: exit code, stdout, stderr),
without paying a new interpreter's start-up per call."""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass

from typer.testing import CliRunner

from shotgraph.cli import main


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


def shotgraph(*args, cwd=None, env=None) -> Result:
    """``shotgraph ARGS`` run in this process; an exception that escapes ``main`` (a bug: users must
    never see one) comes back as exit 1 with its traceback on stderr."""
    runner = CliRunner()
    with runner.isolation(env=env) as (out, err, _):
        before = os.getcwd()
        if cwd is not None:
            os.chdir(cwd)
        crash = ""
        try:
            main([str(a) for a in args])
            code = 0
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        except Exception:  # noqa: BLE001 - reported to the test as a user would see it
            code, crash = 1, traceback.format_exc()
        finally:
            os.chdir(before)
            sys.stdout.flush()
            sys.stderr.flush()
        stdout, stderr = out.getvalue().decode(), err.getvalue().decode() + crash
    return Result(code, stdout, stderr)
