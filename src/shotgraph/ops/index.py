"""The built-in ops listed without importing them (and NumPy, OpenCV, PyAV with them).

The CLI lists every op's command from here, and the registry imports just the module of the op a
command or a project needs. Names and summaries are read from each module's ``@op(...)``
decorator, which must spell them as literals (a test checks this index agrees with the registry).
"""

from __future__ import annotations

import ast
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

OPS_FOLDER = Path(__file__).parent
_NOT_OPS = ("registry", "index")


def op_modules() -> list[str]:
    """The modules (and packages) of ``shotgraph.ops`` that define ops."""
    return [m.name for m in pkgutil.iter_modules([str(OPS_FOLDER)]) if not m.name.startswith("_") and m.name not in _NOT_OPS]


@dataclass(frozen=True)
class OpEntry:
    """What the CLI needs to list an op without importing it (and NumPy, OpenCV, PyAV with it)."""

    name: str
    module: str
    summary: str
    cli: bool


def _decorators(source: str):
    """The ``op(...)`` calls of ``@op(...)`` decorators in ``source``, parsed on their own (a whole
    module's parse costs ten times as much, and the CLI pays this on every ``--help``)."""
    lines = source.splitlines()
    for start, line in enumerate(lines):
        if not line.startswith("@op("):
            continue
        for end in range(start + 1, min(start + 20, len(lines)) + 1):
            try:
                tree = ast.parse("\n".join(lines[start:end])[1:], mode="eval")
            except SyntaxError:
                continue
            yield tree.body
            break


@cache
def op_index() -> dict[str, OpEntry]:
    """The built-in ops by name, read from their modules' ``@op(...)`` decorators without importing
    them (literal names and summaries; a test checks this agrees with the registry)."""
    entries: dict[str, OpEntry] = {}
    for module in op_modules():
        path = OPS_FOLDER / f"{module}.py"
        if not path.is_file():
            path = OPS_FOLDER / module / "__init__.py"
        for node in _decorators(path.read_text(encoding="utf-8")):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            keywords = {k.arg: k.value for k in node.keywords}
            summary = keywords.get("summary")
            cli = keywords.get("cli")
            entries[node.args[0].value] = OpEntry(
                node.args[0].value, f"shotgraph.ops.{module}",
                summary.value if isinstance(summary, ast.Constant) else "",
                not (isinstance(cli, ast.Constant) and cli.value is False))
    return dict(sorted(entries.items()))
