"""Imports run one way: read with ``ast`` from the source (imports inside functions included), no tool of ours.

helpers is layered (its docstring says how); a module imports only modules of its own layer or below, and no
two modules import each other, directly or round a loop. Between packages: tools uses helpers and the
stand-in; the stand-in uses the model table alone; helpers uses neither.
"""

from __future__ import annotations

import ast
from pathlib import Path

import helpers

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("helpers", "standin", "tools")
#: helpers' layers, bottom first (the same as helpers/__init__.py's docstring).
LAYERS = (
    ("errors", "models"),
    ("parts", "reasons", "images"),
    ("matching", "replay", "session"),
    ("display", "gallery", "export", "upload", "cost", "ocr", "watch", "studio"),
)


def imports() -> dict[str, set[str]]:
    """Each module of the three packages -> the modules of the three packages it imports."""
    modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
    }
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target != name and (target != name.rpartition(".")[0] or name.endswith("__main__")):
                    found.add(target)
        graph[name] = found
    return graph


def cycle(graph: dict[str, set[str]]) -> list[str]:
    """One import loop, as the modules round it, or [] when there is none."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for after in sorted(graph.get(node, ())):
            if state.get(after) == 1:
                return [*path[path.index(after) :], after]
            if after not in state and (found := visit(after)):
                return found
        path.pop()
        state[node] = 2
        return []

    for start in sorted(graph):
        if start not in state and (found := visit(start)):
            return found
    return []


def test_no_module_imports_round_a_loop() -> None:
    assert cycle({k: {v for v in vs if v.count(".")} for k, vs in imports().items()}) == []


def test_the_packages_import_one_way() -> None:
    between: dict[str, set[str]] = {}
    for module, targets in imports().items():
        package = module.split(".")[0]
        for target in targets:
            if target.split(".")[0] != package:
                between.setdefault(module, set()).add(target)
    assert not [m for m in between if m.startswith("helpers")], {m: t for m, t in between.items() if "helpers" in m}
    from_standin = {t for m, ts in between.items() if m.startswith("standin") for t in ts}
    assert from_standin <= {"helpers", "helpers.models"}, from_standin
    assert cycle({k.split(".")[0]: {v.split(".")[0] for v in vs} for k, vs in between.items()}) == []


def test_each_helpers_module_imports_only_its_layer_and_below() -> None:
    layer = {name: level for level, names in enumerate(LAYERS) for name in names}
    assert set(layer) == {p.stem for p in (ROOT / "helpers").glob("*.py")} - {"__init__"}
    wrong = [
        f"{module} (layer {layer[module[8:]] + 1}) imports {target} (layer {layer[target[8:]] + 1})"
        for module, targets in imports().items()
        if module.startswith("helpers.")
        for target in targets
        if target.startswith("helpers.") and layer[target[8:]] > layer[module[8:]]
    ]
    assert wrong == []
    for level, names in enumerate(LAYERS, start=1):
        assert f"{level}. " + ", ".join(f"``{name}``" for name in names) in (helpers.__doc__ or "")
