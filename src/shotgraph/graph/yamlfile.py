"""YAML loading that remembers where every value came from, so errors can name the line."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from shotgraph.errors import ProjectError
from shotgraph.validation import Loc, dotted



@dataclass
class LocatedDocument:
    """Plain data (dicts, lists, scalars) plus the line of each value, keyed by its path."""

    path: Path
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line_of(self, loc: Loc) -> int | None:
        """The line of ``loc``, or of its nearest ancestor that has one."""
        loc = tuple(loc)
        while True:
            if loc in self.lines:
                return self.lines[loc]
            if not loc:
                return None
            loc = loc[:-1]

    def where(self, loc: Loc) -> str:
        line = self.line_of(loc)
        return f"{self.path}:{line}" if line else str(self.path)

    def error(self, loc: Loc, message: str) -> ProjectError:
        field = dotted(loc)
        return ProjectError(f"{self.where(loc)}: {field + ': ' if field else ''}{message}")


def load_yaml(path: Path | str) -> LocatedDocument:
    path = Path(path)
    if not path.exists():
        raise ProjectError(f"project file not found: {path}")
    if path.is_dir():
        raise ProjectError(f"{path} is a folder; give the project's .yaml file")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProjectError(f"{path} is not a text (UTF-8) file") from None
    return parse_yaml(text, path)


def parse_yaml(text: str, path: Path) -> LocatedDocument:
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise ProjectError(f"{path}: the project file is empty")
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
        raise ProjectError(f"{where}: YAML syntax error: {error.problem or error}") from None
    except yaml.YAMLError as error:
        raise ProjectError(f"{path}: YAML error: {error}") from None
    finally:
        loader.dispose()
    document = LocatedDocument(path, data)
    _record_lines(node, (), document)
    return document


def _record_lines(node: yaml.Node, loc: Loc, document: LocatedDocument) -> None:
    document.lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = key_node.value
            line = key_node.start_mark.line + 1
            if key in seen:
                raise ProjectError(
                    f"{document.path}:{line}: {dotted(loc + (key,))}: duplicate key "
                    f"(first on line {seen[key]})"
                )
            seen[key] = line
            document.lines[loc + (key,)] = line
            _record_lines(value_node, loc + (key,), document)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, loc + (index,), document)
