"""Layers run one way: no module imports a layer above its own, and there are no import circles
(module-level and function-level imports both count)."""

from __future__ import annotations

import ast
from pathlib import Path

import shotgraph

SRC = Path(shotgraph.__file__).parent.parent
# bottom to top; a module belongs to the layer of its longest matching prefix
LAYERS = [
    ("base", ["shotgraph", "shotgraph.errors", "shotgraph.fsutil", "shotgraph.background", "shotgraph.progress",
              "shotgraph.validation", "shotgraph.fonts"]),
    ("media", ["shotgraph.media", "shotgraph.clip", "shotgraph.params"]),
    ("capability", ["shotgraph.flow", "shotgraph.motion", "shotgraph.masks", "shotgraph.lipsync", "shotgraph.finish",
                    "shotgraph.generation", "shotgraph.scenes", "shotgraph.schedule", "shotgraph.schedule_audio",
                    "shotgraph.colour_match"]),
    ("backends", ["shotgraph.backends"]),
    ("ops", ["shotgraph.ops"]),
    ("graph", ["shotgraph.graph"]),
    ("cli", ["shotgraph.cli", "shotgraph.__main__"]),
]


def modules() -> dict[str, Path]:
    return {".".join(p.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__"): p
            for p in (SRC / "shotgraph").rglob("*.py")}


def import_edges(mods: dict[str, Path]) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {m: set() for m in mods}
    for m, path in mods.items():
        package = m if path.name == "__init__.py" else m.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join(parts + ([base] if base else []))
                names = [base] + [f"{base}.{a.name}" for a in node.names]
            for name in names:
                while name and name not in mods:
                    name = name.rpartition(".")[0]
                if name and name != m:
                    edges[m].add(name)
    return edges


def layer(module: str) -> int:
    best = max(((i, len(p)) for i, (_, prefixes) in enumerate(LAYERS) for p in prefixes
                if module == p or module.startswith(p + ".")), key=lambda t: t[1], default=None)
    assert best is not None, f"{module} is in no layer: add it to LAYERS"
    return best[0]


def test_no_module_imports_a_layer_above_its_own():
    edges = import_edges(modules())
    upward = sorted(f"{m} -> {n}" for m, targets in edges.items() for n in targets
                    if m != "shotgraph" and layer(n) > layer(m))
    assert upward == []


def test_there_are_no_import_circles():
    edges = import_edges(modules())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for v in list(edges):
        if v not in index:
            visit(v)
    assert circles == []
