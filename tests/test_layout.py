"""The package layout is the architecture: imports flow one way, and only the web imports Flask.

cli -> commands -> web, tools -> answer -> journey, lookup -> search, ingest, store -> evidence ->
config -> origins -> errors. A module may import its own package or a lower stage,
never a higher one or a peer, so each stage can be read and tested without the ones above it.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "assistant"
STAGES = {
    "errors": 0,
    "origins": 1,
    "config": 2,
    "evidence": 3,
    "search": 4,
    "ingest": 4,
    "store": 4,
    "journey": 5,
    "lookup": 5,
    "answer": 6,
    "web": 7,
    "tools": 7,
    "commands": 8,
    "cli": 9,
}
WEB_ONLY = ("flask", "flask_limiter", "werkzeug", "waitress", "gunicorn")


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _stage_of(parts: tuple[str, ...]) -> str | None:
    """The stage of ``assistant.<stage>...`` (None for the package root itself)."""
    return parts[1] if len(parts) > 1 else None


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "assistant":
                found.extend((node.lineno, f"assistant.{a.name}") for a in node.names)
            else:
                found.append((node.lineno, node.module))
    return found


def _own_stage(path: Path) -> str | None:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = rel.parts if rel.name != "__init__" else rel.parts[:-1]
    return _stage_of(parts)


def test_every_module_belongs_to_a_stage() -> None:
    unplaced = [str(p) for p in _modules() if (s := _own_stage(p)) and s not in STAGES]
    assert unplaced == [], "add these to a stage package (or to STAGES): " + ", ".join(unplaced)


def test_imports_flow_one_way() -> None:
    wrong = []
    for path in _modules():
        own = _own_stage(path)
        if own is None:
            continue
        for line, name in _imports(path):
            parts = tuple(name.split("."))
            if parts[0] != "assistant" or (target := _stage_of(parts)) in (None, own):
                continue
            if STAGES.get(target, 99) >= STAGES[own]:
                rel = path.relative_to(PACKAGE.parent)
                wrong.append(f"{rel}:{line}: {own} (stage {STAGES[own]}) imports {name}")
    assert wrong == [], "imports against the flow:\n" + "\n".join(wrong)


@pytest.mark.parametrize("library", WEB_ONLY)
def test_only_the_web_imports_flask(library: str) -> None:
    wrong = []
    for path in _modules():
        if _own_stage(path) == "web":
            continue
        for line, name in _imports(path):
            if name.split(".")[0] == library:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: imports {name}")
    if library == "waitress":  # the CLI starts the production server, and only that
        wrong = [w for w in wrong if not w.startswith("assistant/cli.py")]
    assert wrong == []
