"""The shape of the house (README, "Layout"): the core never imports a door, no two areas
import each other in a loop, only the web door touches the web framework, and adapters are
named fields of one typed object."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

API = Path(__file__).resolve().parents[2] / "api"
# The doors and the composition: they may import anything in the core, the core none of them.
DOOR_FOLDERS = {"web", "commands", "demo"}
DOOR_MODULES = {"api.cli", "api.composition"}
ROUTE_MODULE = re.compile(r"(^|_)routes$")


def _modules() -> dict[str, Path]:
    return {
        ".".join(path.relative_to(API.parent).with_suffix("").parts).removesuffix(".__init__"): path
        for path in API.rglob("*.py")
        if "migrations" not in path.parts
    }


def _runtime_nodes(tree: ast.AST) -> list[ast.AST]:
    """Every node but those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    nodes: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING":
            todo.extend(node.orelse)
            continue
        nodes.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return nodes


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in _runtime_nodes(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return found


def _is_door(module: str) -> bool:
    parts = module.split(".")
    return (
        module in DOOR_MODULES
        or (len(parts) > 2 and parts[1] in DOOR_FOLDERS)
        or bool(ROUTE_MODULE.search(parts[-1]))
    )


def _node(module: str) -> str:
    """Area folders are one node each; the web door's modules are nodes of their own (its app
    assembly sits above every area's routes, its plumbing below them)."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] != "web":
        return ".".join(parts[:2])
    return module


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for imported in _imports(path):
            target = imported if imported in modules else imported.rpartition(".")[0]
            if target in modules and _node(target) != _node(module):
                edges[_node(module)].add(_node(target))
    return edges


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in list(edges):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_areas() -> None:
    assert _cycles(_graph()) == []


def test_the_core_imports_no_door() -> None:
    offenders = [
        f"{module} imports {imported}"
        for module, path in _modules().items()
        if not _is_door(module)
        for imported in _imports(path)
        if _is_door(imported) and imported.startswith("api.")
    ]
    assert offenders == []


def test_only_the_web_door_touches_the_web_framework() -> None:
    offenders = [
        module
        for module, path in _modules().items()
        if not module.startswith("api.web")
        and any(name.split(".")[0] == "starlette" for name in _imports(path))
    ]
    assert offenders == []


def test_adapters_are_named_not_looked_up_by_string() -> None:
    offenders = [
        f"{path.relative_to(API.parent)}:{n}"
        for path in API.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"adapters(\.get\(|\[)", line)
    ]
    assert offenders == []
