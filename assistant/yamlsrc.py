"""Read hand-written YAML content while remembering the file and line of every value.

Content files (the journey, the estimator rates) are edited by people who are not
developers, so every problem found on load names the file and line to fix. PyYAML's
composed node tree carries those marks; this module wraps it in a small reader that
collects problems instead of stopping at the first one.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from assistant.corpus import Problem
from assistant.errors import CorpusError

_NULL_TAG = "tag:yaml.org,2002:null"
# libyaml's loader when PyYAML was built with it: the same nodes and marks, faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class ContentError(CorpusError):
    """A content file cannot be used; `problems` lists every reason, first one first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def line_of(node: yaml.Node) -> int:
    """The 1-based line a YAML node starts on."""
    return int(node.start_mark.line) + 1


def compose(path: Path) -> yaml.Node | None:
    """Parse one YAML file into its node tree; a syntax error names file and line."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.compose(handle, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = int(mark.line) + 1 if mark is not None else 1
        raise ContentError([Problem(str(path), line, f"not valid YAML: {exc.problem}")]) from exc


class Reader:
    """Typed access to a composed YAML tree that records problems with their line."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node | int, message: str) -> None:
        line = node if isinstance(node, int) else line_of(node)
        self.problems.append(Problem(self.file, line, message))

    def mapping(self, node: yaml.Node, what: str, allowed: Iterable[str]) -> dict[str, yaml.Node]:
        """Keys of a mapping; duplicate and unknown keys are problems."""
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} should be a mapping of `key: value` lines")
            return {}
        known = set(allowed)
        found: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in found:
                self.problem(key_node, f"{what} has `{key}` twice")
            elif key not in known:
                self.problem(
                    key_node, f"{what} has unknown key `{key}` (allowed: {_listed(known)})"
                )
            found[key] = value_node
        return found

    def sequence(self, node: yaml.Node, what: str) -> list[yaml.Node]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, f"{what} should be a list of `- item` lines")
            return []
        return list(node.value)

    def text(self, node: yaml.Node | None, what: str, at: yaml.Node | int) -> str:
        """A non-empty scalar as a string; a missing or blank value is a problem at `at`."""
        if node is None or _is_blank(node):
            self.problem(at if node is None else node, f"{what} is missing text")
            return ""
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{what} should be plain text, not a list or mapping")
            return ""
        return str(node.value).strip()

    def texts(self, node: yaml.Node | None, what: str) -> tuple[str, ...]:
        if node is None:
            return ()
        items = self.sequence(node, what)
        return tuple(t for t in (self.text(i, f"an item of {what}", i) for i in items) if t)

    def number(self, node: yaml.Node | None, what: str, at: yaml.Node | int) -> float:
        """A positive number (int or decimal)."""
        raw = self.text(node, what, at)
        try:
            value = float(raw)
        except ValueError:
            value = -1.0
        if raw and value <= 0:
            self.problem(node if node is not None else at, f"{what} should be a positive number")
        return value

    def fail_if_any(self) -> None:
        if self.problems:
            raise ContentError(sorted(self.problems, key=lambda p: (p.file, p.line)))


def _is_blank(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and (
        node.tag == _NULL_TAG or not str(node.value).strip()
    )


def _listed(keys: set[str]) -> str:
    return ", ".join(sorted(keys))
