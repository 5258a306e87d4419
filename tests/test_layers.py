"""The layers point one way: handlers/jobs → flows → slack → services → domain → models."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Per package: module prefixes its code must never import.
FORBIDDEN = {
    "bot/domain": ("bot.services", "bot.slack", "bot.flows", "handlers", "jobs", "bot.db",
                   "bot.shared_writes", "bot.models", "bot.deps", "sqlalchemy", "slack_sdk",
                   "slack_bolt", "bot.clock"),
    "bot/services": ("bot.slack", "bot.flows", "handlers", "jobs", "slack_sdk", "slack_bolt"),
    "bot/slack": ("bot.flows", "handlers", "jobs"),
    "bot/flows": ("handlers", "jobs"),
}  # fmt: skip


def imports_of(path: Path) -> set[str]:
    """Every module a file imports, at any depth (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_module_imports_against_the_layers(package: str) -> None:
    wrong = [
        f"{path.relative_to(ROOT)} imports {name}"
        for path in modules(package)
        for name in sorted(imports_of(path))
        if any(name == banned or name.startswith(banned + ".") for banned in FORBIDDEN[package])
    ]
    assert wrong == []


def test_the_check_sees_a_violation() -> None:
    sample = ROOT / "bot" / "services" / "outbox.py"
    assert "bot.db" in imports_of(sample)  # the parser finds real imports
