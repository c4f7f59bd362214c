"""The assurance documents name real tests: a renamed or deleted test fails here."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from assistant.config import PROJECT_ROOT

DOCS = sorted((PROJECT_ROOT / "docs" / "assurance").glob("*.md"))
TEST_REF = re.compile(r"`(tests/[\w/]+\.py)::(\w+)`")


def _test_names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_test_an_assurance_document_names_exists(doc: Path) -> None:
    refs = TEST_REF.findall(doc.read_text(encoding="utf-8"))
    missing = [
        f"{file}::{name}"
        for file, name in refs
        if not (PROJECT_ROOT / file).exists() or name not in _test_names(PROJECT_ROOT / file)
    ]
    assert missing == []


def test_the_hazard_log_covers_each_hazard_with_a_control_and_tests() -> None:
    text = (PROJECT_ROOT / "docs" / "assurance" / "clinical-safety.md").read_text()
    hazards = re.split(r"^### ", text, flags=re.M)[1:]
    titles = [h.splitlines()[0] for h in hazards]
    assert titles == [
        "H1. A wrong or outdated figure is quoted",
        "H2. A parent is not signposted",
        "H3. An answer is read as clinical advice",
        "H4. The widget is framed by a hostile site",
        "H5. Evidence is superseded",
    ]
    for hazard in hazards:
        assert "| Controls |" in hazard and TEST_REF.search(hazard), hazard.splitlines()[0]
