"""The accounts app's Celery tasks: found by the worker under stable names; and the module
structure that lets every task live with its code (imports point one way, none hidden inside a
function)."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

from celery import current_app

import accounts
from accounts import disclosure, mail, tasks

ACCOUNTS = Path(accounts.__file__).parent


def test_the_worker_finds_each_task_under_its_name():
    assert tasks.send_email is mail.send_email
    assert tasks.revoke_leaked_token_task is disclosure.revoke_leaked_token_task
    # The names they had when both were defined in accounts.tasks: queued work survives deploys.
    assert mail.send_email.name == "accounts.tasks.send_email"
    assert disclosure.revoke_leaked_token_task.name == "accounts.tasks.revoke_leaked_token"
    assert {mail.send_email.name, disclosure.revoke_leaked_token_task.name} <= set(
        current_app.tasks
    )


def _modules() -> dict[str, Path]:
    found = {}
    for path in ACCOUNTS.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        parts = path.relative_to(ACCOUNTS.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imported(modules: dict[str, Path], name: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    if isinstance(node, ast.Import):
        return {alias.name for alias in node.names}
    package = name if modules[name].name == "__init__.py" else name.rpartition(".")[0]
    base = node.module or ""
    if node.level:
        parts = package.split(".")[: len(package.split(".")) - (node.level - 1)]
        base = ".".join([*parts, base] if base else parts)
    return {f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base for a in node.names}


def test_imports_inside_accounts_point_one_way():
    modules = _modules()
    graph = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text())
        graph[name] = {
            imported
            for node in tree.body
            if isinstance(node, ast.Import | ast.ImportFrom)
            for imported in _imported(modules, name, node)
            if imported in modules and imported != name
        }
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError
    assert "accounts.tasks" not in set().union(*graph.values())


def test_no_import_hides_in_a_function():
    hidden = []
    for path in ACCOUNTS.rglob("*.py"):
        for function in ast.walk(ast.parse(path.read_text())):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if path.name == "apps.py" and function.name == "ready":
                continue  # Django's place for connecting signal receivers
            hidden += [
                f"{path.name}:{node.lineno}"
                for node in ast.walk(function)
                if isinstance(node, ast.Import | ast.ImportFrom)
            ]
    assert hidden == []
