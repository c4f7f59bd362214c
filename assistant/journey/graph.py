"""Shape checks on the journey graph: ids, links, reachability and ways out.

Kept apart from YAML reading so the rules read as a list: every id is unique, every
option leads to a real node, every node can be reached from the root, and from every
node the root can be reached again (no dead ends, no cycles without an exit).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol

from assistant.evidence.yamlsrc import Problem


class _Option(Protocol):
    @property
    def to(self) -> str: ...


class _Node(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def options(self) -> Sequence[_Option]: ...
    @property
    def file(self) -> str: ...
    @property
    def line(self) -> int: ...


def check(nodes: Sequence[_Node], root: str) -> list[Problem]:
    """Every problem with the graph's shape, each at the line of the node concerned."""
    problems = _duplicates(nodes) + _unknown_targets(nodes)
    by_id = {n.id: n for n in nodes if n.id}
    if root not in by_id:
        where = nodes[0] if nodes else None
        file, line = (where.file, where.line) if where else ("journey", 1)
        return [*problems, Problem(file, line, f"there is no root node with id `{root}`")]
    edges = {n.id: [o.to for o in n.options if o.to in by_id] for n in by_id.values()}
    problems += _unreachable(by_id, edges, root)
    problems += _no_way_back(by_id, edges, root)
    return problems


def reachable(edges: Mapping[str, Iterable[str]], root: str) -> set[str]:
    """Ids reachable from `root` by following edges (root included)."""
    seen = {root}
    queue = deque([root])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _duplicates(nodes: Sequence[_Node]) -> list[Problem]:
    first: dict[str, _Node] = {}
    problems = []
    for node in nodes:
        if node.id in first:
            seen = first[node.id]
            msg = f"duplicate node id `{node.id}` (first defined at {seen.file}:{seen.line})"
            problems.append(Problem(node.file, node.line, msg))
        elif node.id:
            first[node.id] = node
    return problems


def _unknown_targets(nodes: Sequence[_Node]) -> list[Problem]:
    ids = {n.id for n in nodes}
    return [
        Problem(n.file, n.line, f"node `{n.id}` has an option to unknown node id `{o.to}`")
        for n in nodes
        for o in n.options
        if o.to and o.to not in ids
    ]


def _unreachable(
    by_id: Mapping[str, _Node], edges: Mapping[str, list[str]], root: str
) -> list[Problem]:
    seen = reachable(edges, root)
    return [
        Problem(n.file, n.line, f"node `{n.id}` is unreachable: no path from `{root}` leads to it")
        for n in by_id.values()
        if n.id not in seen
    ]


def _no_way_back(
    by_id: Mapping[str, _Node], edges: Mapping[str, list[str]], root: str
) -> list[Problem]:
    reverse: dict[str, list[str]] = {i: [] for i in by_id}
    for src, targets in edges.items():
        for dst in targets:
            reverse[dst].append(src)
    can_return = reachable(reverse, root)
    return [_trapped(by_id[i], edges, can_return, root) for i in by_id if i not in can_return]


def _trapped(
    node: _Node, edges: Mapping[str, list[str]], can_return: set[str], root: str
) -> Problem:
    if not edges[node.id]:
        msg = f"node `{node.id}` is a dead end: it has no options, so `{root}` cannot be reached"
        return Problem(node.file, node.line, msg)
    loop = _cycle_through(node.id, edges)
    shape = " -> ".join(loop) if loop else node.id
    msg = f"node `{node.id}` is in a cycle without an exit ({shape}): nothing leads to `{root}`"
    return Problem(node.file, node.line, msg)


def _cycle_through(start: str, edges: Mapping[str, list[str]]) -> list[str]:
    """A shortest cycle from `start` back to itself, or [] when it only feeds one."""
    parent: dict[str, str] = {}
    queue = deque([start])
    while queue:
        current = queue.popleft()
        for nxt in edges[current]:
            if nxt == start:
                return [*_path_to(current, parent, start), start]
            if nxt not in parent:
                parent[nxt] = current
                queue.append(nxt)
    return []


def _path_to(node: str, parent: Mapping[str, str], start: str) -> list[str]:
    path = [node]
    while path[-1] != start:
        path.append(parent[path[-1]])
    return path[::-1]
