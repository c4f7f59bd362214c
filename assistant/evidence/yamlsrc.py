"""Read hand-written YAML content while remembering the file and line of every value.

Content files (the journey, the estimator rates) are edited by people who are not
developers, so every problem found on load names the file and line to fix. PyYAML's
composed node tree carries those marks; this module wraps it in a small reader that
collects problems instead of stopping at the first one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from assistant.errors import CorpusError

_NULL_TAG = "tag:yaml.org,2002:null"
# libyaml's loader when PyYAML was built with it: the same nodes and marks, faster.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a content file, at a place a person can find."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ContentError(CorpusError):
    """A content file cannot be used; `problems` lists every reason, first one first."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


def line_of(node: yaml.Node) -> int:
    """The 1-based line a YAML node starts on."""
    return int(node.start_mark.line) + 1


def listed(text: str, key: str) -> tuple[Any, list[int]]:
    """The plain value under the top-level ``key``, and the line of each of its items
    when it is a list. Invalid YAML raises ``yaml.YAMLError``."""
    data = yaml.safe_load(text)
    node = yaml.compose(text, Loader=_LOADER)
    value = data.get(key) if isinstance(data, dict) else None
    lines: list[int] = []
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key and isinstance(value_node, yaml.SequenceNode):
                lines = [line_of(item) for item in value_node.value]
    return value, lines


def read_text(path: Path, rel: str, problems: list[Problem]) -> str | None:
    """A content file's text; bytes that are not UTF-8 are a problem naming their line."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        problems.append(_not_utf8(rel, data, exc))
        return None


def _not_utf8(rel: str, data: bytes, exc: UnicodeDecodeError) -> Problem:
    line = data[: exc.start].count(b"\n") + 1
    byte = data[exc.start : exc.start + 1].hex()
    return Problem(rel, line, f"not UTF-8 text (byte 0x{byte}); save the file as UTF-8")


def compose(path: Path) -> yaml.Node | None:
    """Parse one YAML file into its node tree; a syntax error names file and line."""
    problems: list[Problem] = []
    text = read_text(path, str(path), problems)
    if text is None:
        raise ContentError(problems)
    try:
        return yaml.compose(text, Loader=_LOADER)
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

    def items(self, node: yaml.Node | None, what: str, required: bool = False) -> list[yaml.Node]:
        """The items of an optional list (a missing required list is a problem)."""
        if node is None:
            if required:
                self.problem(1, f"the file has no `{what}`")
            return []
        return self.sequence(node, f"`{what}`")

    def id_label(self, node: yaml.Node, what: str) -> tuple[str, str]:
        """An ``{id, label}`` mapping, such as a journey stage or an estimate level."""
        fields = self.mapping(node, f"a {what}", ("id", "label"))
        return (
            self.text(fields.get("id"), f"the {what} id", node),
            self.text(fields.get("label"), f"the {what} label", node),
        )

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
