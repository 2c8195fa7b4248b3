"""The layers hold: no import cycles between the package's modules, and no project import hidden
inside a function to dodge one. (The layers themselves are import-linter's contract in
`.importlinter`, run by `make test`; these checks read the source with `ast`.)

An import inside a function is allowed only for a heavy optional library (WeasyPrint: loading
Pango is slow and only PDFs need it), on a line whose comment says so.
"""
import ast
from pathlib import Path

import pytest

PACKAGE_DIR = Path(__file__).resolve().parents[1] / "mediation"
HEAVY_OPTIONAL = {"weasyprint"}  # top-level names that may be imported lazily, with a comment


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _package_of(path: Path) -> str:
    name = _module_name(path)
    return name if path.name == "__init__.py" else name.rpartition(".")[0]


def _resolve(package: str, level: int, module: str | None) -> str:
    base = package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def _imports(node: ast.AST, package: str) -> list[str]:
    """The modules one import statement names, absolute (`from x import y` names x and x.y)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom):
        module = _resolve(package, node.level, node.module) if node.level else node.module
        return [module] + [f"{module}.{alias.name}" for alias in node.names if alias.name != "*"]
    return []


def imports_inside_functions(source: str, package: str = "mediation") -> list[tuple[int, str]]:
    """(line, module) for every import statement inside a function body that is not allowed."""
    lines = source.splitlines()
    found = []
    for func in ast.walk(ast.parse(source)):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for node in ast.walk(func):
            modules = _imports(node, package)
            if not modules:
                continue
            heavy = modules[0].split(".")[0] in HEAVY_OPTIONAL and "#" in lines[node.lineno - 1]
            if not heavy:
                found.append((node.lineno, modules[0]))
    return sorted(set(found))


def module_graph() -> dict[str, set[str]]:
    """Each module of the package, and the modules of the package it imports (anywhere in it)."""
    files = {_module_name(p): p for p in PACKAGE_DIR.rglob("*.py") if "__pycache__" not in p.parts}
    graph = {}
    for name, path in files.items():
        package = _package_of(path)
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets.update(m for m in _imports(node, package) if m in files and m != name)
        graph[name] = targets
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), each sorted."""
    index, low, stack, on_stack, groups = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def test_the_graph_sees_the_package():
    graph = module_graph()
    assert len(graph) > 50
    assert "mediation.cases.models" in graph["mediation.cases.services"]
    assert "mediation.core.lifecycle" in graph["mediation.cases.services"]


def test_no_import_cycles_between_modules():
    assert cycles(module_graph()) == []


def test_no_project_imports_inside_functions():
    offending = []
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        for lineno, module in imports_inside_functions(path.read_text(encoding="utf-8"), _package_of(path)):
            offending.append(f"{path.relative_to(PACKAGE_DIR.parent)}:{lineno}: {module}")
    assert offending == []


# The checkers themselves must be able to fail.
def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


@pytest.mark.parametrize("snippet", [
    "def f():\n    from .cases import services\n",
    "def f():\n    import mediation.jobs\n",
    "class C:\n    def m(self):\n        if True:\n            from ..admin.views import bp\n",
    "def f():\n    import os\n",  # any library: only the heavy optional ones may wait
    "def f():\n    from weasyprint import HTML\n",  # heavy, but without the comment saying why
])
def test_inner_import_checker_catches(snippet):
    assert imports_inside_functions(snippet, "mediation.reports") != []


@pytest.mark.parametrize("snippet", [
    "from .cases import services\n\ndef f():\n    return services\n",
    "def f():\n    from weasyprint import HTML  # heavy optional library: Pango loads slowly\n",
])
def test_inner_import_checker_allows(snippet):
    assert imports_inside_functions(snippet, "mediation.reports") == []
