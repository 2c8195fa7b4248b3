"""mediation.core is plain Python: no Flask, no flask_* extension, no SQLAlchemy.

The check reads the source with `ast` rather than importing it (importing `mediation.core`
runs `mediation/__init__.py`, which imports Flask, so a runtime check could not tell).
Every import statement counts, at any depth: module level, inside functions, under `if`,
in `try` blocks.
"""
import ast
from pathlib import Path

import pytest

import mediation.core

CORE_DIR = Path(mediation.core.__file__).resolve().parent
CORE_PACKAGE = "mediation.core"

FORBIDDEN_EXACT = {"flask", "sqlalchemy", "flask_sqlalchemy"}
FORBIDDEN_PREFIX = "flask_"  # flask_babel, flask_login, flask_wtf, flask_migrate, ...

KNOWN_FILES = {"__init__.py", "lifecycle.py", "identity.py", "deadlines.py", "workdays.py",
               "vocab.py", "errors.py"}


def _is_forbidden(module: str) -> bool:
    top = module.split(".")[0]
    return top in FORBIDDEN_EXACT or top.startswith(FORBIDDEN_PREFIX)


def _package_of(path: Path) -> str:
    """Dotted package containing `path` (for resolving relative imports)."""
    # core/x.py and core/__init__.py are both in mediation.core; core/sub/x.py in mediation.core.sub
    return ".".join([CORE_PACKAGE, *path.relative_to(CORE_DIR).parts[:-1]])


def _resolve(package: str, level: int, module: str | None) -> str:
    base = package.split(".")
    if level > 1:
        base = base[: len(base) - (level - 1)]
    return ".".join([*base, module] if module else base)


def imported_modules(source: str, package: str = CORE_PACKAGE) -> list[tuple[int, str]]:
    """Every module an import statement in `source` names, absolute, with its line number.

    `from x import y` also yields `x.y` (y may be a submodule); relative imports are resolved
    against `package`; `importlib.import_module("...")` / `__import__("...")` with a literal
    name count too.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = _resolve(package, node.level, node.module) if node.level else node.module
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names if alias.name != "*"]
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
            if name in ("import_module", "__import__"):
                found.append((node.lineno, node.args[0].value))
    return found


def _core_files() -> list[Path]:
    return sorted(p for p in CORE_DIR.rglob("*.py") if "__pycache__" not in p.parts)


def test_the_walk_finds_the_core_modules():
    names = {p.name for p in _core_files()}
    assert KNOWN_FILES <= names, f"missing from the walk: {KNOWN_FILES - names}"
    # every file actually parses (a syntax error must not make the check pass vacuously)
    for path in _core_files():
        ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_the_walk_sees_imports():
    """Guard against a checker that finds nothing: lifecycle.py does import its siblings."""
    lifecycle = CORE_DIR / "lifecycle.py"
    modules = {m for _, m in imported_modules(lifecycle.read_text(encoding="utf-8"), _package_of(lifecycle))}
    assert "mediation.core.errors" in modules
    assert "mediation.core.vocab" in modules
    workdays = CORE_DIR / "workdays.py"
    assert "chinese_calendar" in {m for _, m in imported_modules(workdays.read_text(encoding="utf-8"))}


def test_core_imports_no_flask_or_sqlalchemy():
    offending = []
    for path in _core_files():
        for lineno, module in imported_modules(path.read_text(encoding="utf-8"), _package_of(path)):
            if _is_forbidden(module):
                offending.append(f"{path.relative_to(CORE_DIR.parent.parent)}:{lineno}: {module}")
    assert offending == []


def test_core_does_not_reach_into_the_rest_of_the_app():
    """`from ..extensions import db` would drag Flask-SQLAlchemy in by the back door."""
    offending = []
    for path in _core_files():
        for lineno, module in imported_modules(path.read_text(encoding="utf-8"), _package_of(path)):
            if (module == "mediation" or module.startswith("mediation.")) \
                    and not (module == CORE_PACKAGE or module.startswith(CORE_PACKAGE + ".")):
                offending.append(f"{path.name}:{lineno}: {module}")
    assert offending == []


# The checker itself must be able to fail.
@pytest.mark.parametrize("snippet", [
    "import flask",
    "import flask.json",
    "from flask import current_app",
    "from flask.globals import request",
    "import flask_sqlalchemy",
    "from flask_sqlalchemy import SQLAlchemy",
    "from flask_babel import gettext",
    "import flask_login as fl",
    "import os, sqlalchemy",
    "from sqlalchemy.orm import Session",
    "def f():\n    from sqlalchemy import select\n    return select",
    "class C:\n    def m(self):\n        if True:\n            try:\n                import flask\n            except ImportError:\n                pass",
    "import importlib\nimportlib.import_module('flask')",
    "__import__('sqlalchemy.orm')",
])
def test_checker_catches_forbidden_imports(snippet):
    assert any(_is_forbidden(m) for _, m in imported_modules(snippet))


@pytest.mark.parametrize("snippet", [
    "import os",
    "from datetime import date",
    "import chinese_calendar",
    "from .errors import TransitionRefused",
    "import flaskish",  # a different package that merely starts with 'flask'
    "import mysqlalchemy",
])
def test_checker_allows_innocent_imports(snippet):
    assert not any(_is_forbidden(m) for _, m in imported_modules(snippet))


def test_checker_resolves_relative_imports_out_of_core():
    modules = {m for _, m in imported_modules("from ..extensions import db", "mediation.core")}
    assert "mediation.extensions" in modules
    modules = {m for _, m in imported_modules("from . import errors", "mediation.core")}
    assert "mediation.core.errors" in modules
