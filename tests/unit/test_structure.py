"""The unit of work is sealed: only repositories hold a session, only services call repositories.

Read from the source, so a shortcut fails here with the line to fix rather
than in review. What it enforces (docs/architecture.md, "The unit of work"):

- a service module never touches a session: it may name ``session`` only in a
  constructor, to hand it to the repositories it builds, and never reads
  ``<anything>.session``;
- a service takes values, never a wire schema (a Pydantic body);
- a routes module builds services, never repositories, and never reads
  ``.session`` either: every query goes through a service;
- a refusal's code is a member of its domain's code enum, never a string
  written at the raise (a typo there would be a new, undocumented API code).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "laurels"
# Modules that hold domain logic on top of repositories (services by role, whatever their file name).
SERVICES = sorted(
    [
        *SRC.glob("*/service.py"),
        SRC / "rewards" / "references.py",
        SRC / "rewards" / "offers.py",
        SRC / "reference" / "loyalty.py",
    ]
)
ROUTES = sorted(SRC.glob("*/routes.py"))


def _where(path: Path, node: ast.AST) -> str:
    return f"{path.relative_to(SRC)}:{getattr(node, 'lineno', '?')}"


def _session_reads(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [_where(path, n) for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "session"]


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(SRC)))
def test_services_never_touch_a_session(path: Path) -> None:
    tree = ast.parse(path.read_text())
    outside_constructors: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) or node.name == "__init__":
            continue
        if any(isinstance(n, ast.Name) and n.id == "session" for n in ast.walk(node)):
            outside_constructors.append(_where(path, node))
    assert _session_reads(path) == [], "a service reaches through to a session; ask the repository instead"
    assert outside_constructors == [], "a service method handles a session; only constructors may pass it on"


@pytest.mark.parametrize("path", SERVICES, ids=lambda p: str(p.relative_to(SRC)))
def test_services_take_domain_inputs_not_wire_schemas(path: Path) -> None:
    """A service is called with values (a mapping of the fields given, ids, numbers), so the
    same method serves every dialect and the CLI; wire schemas stay with the routes."""
    tree = ast.parse(path.read_text())
    wire = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module is not None and node.module.endswith(".schemas")
        for alias in node.names
    }
    taking = [
        _where(path, arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef)
        for arg in node.args.args + node.args.kwonlyargs
        if arg.annotation is not None
        and any(isinstance(n, ast.Name) and n.id in wire | {"BaseModel"} for n in ast.walk(arg.annotation))
    ]
    assert taking == []


@pytest.mark.parametrize("path", ROUTES, ids=lambda p: str(p.relative_to(SRC)))
def test_routes_go_through_services(path: Path) -> None:
    tree = ast.parse(path.read_text())
    repositories = [
        _where(path, n)
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and n.module is not None and n.module.endswith(".repository")
    ]
    assert repositories == [], "a route imports a repository; give the service the method instead"
    assert _session_reads(path) == []


def _literal_codes(path: Path, source: str | None = None) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if not isinstance(node, ast.Call):
            continue
        callee = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if callee in {"Kind", "ChildKind"}:  # a kind's code prefix, checked against its enum at import
            continue
        for keyword in node.keywords:
            if keyword.arg == "code" and isinstance(keyword.value, ast.Constant | ast.JoinedStr):
                found.append(_where(path, node))
    return found


def test_refusal_codes_are_enum_members() -> None:
    modules = [p for p in SRC.rglob("*.py") if "migrations" not in p.parts]
    assert [where for path in modules for where in _literal_codes(path)] == []


def test_a_literal_code_is_caught() -> None:
    source = 'raise Conflict("taken", code="NAME_TAKEN")\nKind(code="LABEL")\nraise NotFound("x", code=Code.X)\n'
    assert _literal_codes(SRC / "example.py", source) == ["example.py:1"]


def test_the_lists_are_not_empty() -> None:
    """A moved file must not turn the checks above into checks of nothing."""
    assert len(SERVICES) >= 10
    assert len(ROUTES) >= 8
