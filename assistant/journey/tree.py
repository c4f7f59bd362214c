"""The guided commissioning journey: a decision tree authored as YAML content.

`load_journey` reads `corpus/journey.yaml` (or every `*.yaml` in a `corpus/journey/`
folder) and refuses a broken tree with every problem's file and line: missing text,
duplicate or unknown ids, nodes that cannot be reached from `start`, and nodes from which
`start` cannot be reached again (dead ends and cycles without an exit). The result is a
frozen `Journey` that the web layer walks; the user's position lives in the client.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import yaml

from assistant.errors import NotFound
from assistant.evidence.yamlsrc import ContentError, Problem, Reader, compose, line_of
from assistant.journey import graph as journey_graph
from assistant.origins import is_web_url

ROOT_ID = "start"
_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_TOP_KEYS = ("stages", "nodes")
_NODE_KEYS = (
    "id", "title", "stage", "text", "options", "evidence", "checklist", "signposts",
    "estimator",
)  # fmt: skip


class JourneyError(ContentError):
    """The journey content is broken; the message lists `file:line: problem` lines."""


class UnknownNodeError(NotFound):
    """A request named a node id that the journey does not have."""

    def __init__(self, node_id: str) -> None:
        super().__init__(f"there is no journey step with id `{node_id}`")
        self.node_id = node_id


@dataclass(frozen=True)
class Option:
    """A button on a node: its label and the id of the node it leads to."""

    label: str
    to: str


@dataclass(frozen=True)
class Signpost:
    """A link to further reading outside the assistant."""

    label: str
    url: str


@dataclass(frozen=True)
class Stage:
    """A stage of the commissioning cycle, shown in the progress trail."""

    id: str
    label: str


@dataclass(frozen=True)
class Node:
    """One step of the journey, with the evidence to show beside it."""

    id: str
    title: str
    text: str
    stage: str | None = None
    options: tuple[Option, ...] = ()
    queries: tuple[str, ...] = ()
    pinned: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()
    signposts: tuple[Signpost, ...] = ()
    estimator: bool = False
    file: str = ""
    line: int = 0


@dataclass(frozen=True)
class TrailStep:
    """A stage in the progress trail and whether the user is in it now."""

    stage: Stage
    current: bool


@dataclass(frozen=True)
class Journey:
    """A validated journey; look nodes up by id and walk it."""

    nodes: Mapping[str, Node]
    stages: tuple[Stage, ...] = ()

    @property
    def start(self) -> Node:
        return self.nodes[ROOT_ID]

    def __len__(self) -> int:
        return len(self.nodes)

    def node(self, node_id: str) -> Node:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise UnknownNodeError(node_id) from None

    def parents(self, node_id: str) -> tuple[Node, ...]:
        """Nodes with an option leading here, in file order (the first is the default Back)."""
        return tuple(n for n in self.nodes.values() if any(o.to == node_id for o in n.options))

    def back(self, node_id: str, visited: Iterable[str] = ()) -> Node | None:
        """Where Back goes: the step visited before this one, else the first parent."""
        path = [v for v in visited if v in self.nodes]
        if node_id in path:
            path = path[: path.index(node_id)]
        if path:
            return self.nodes[path[-1]]
        parents = self.parents(node_id)
        return parents[0] if parents and node_id != ROOT_ID else None

    def trail(self, node_id: str) -> tuple[TrailStep, ...]:
        """The commissioning-cycle stages, marking the one this node belongs to."""
        stage = self.node(node_id).stage
        return tuple(TrailStep(s, s.id == stage) for s in self.stages)

    def stage_of(self, node_id: str) -> Stage | None:
        stage = self.node(node_id).stage
        return next((s for s in self.stages if s.id == stage), None)


def load_journey(path: Path) -> Journey:
    """Load and validate the journey from a YAML file or a folder of YAML files."""
    files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
    if not files:
        raise JourneyError([Problem(str(path), 1, "no journey YAML files found")])
    stages: list[Stage] = []
    nodes: list[Node] = []
    problems: list[Problem] = []
    for file in files:
        file_stages, file_nodes, file_problems = _read_file(file)
        stages += file_stages
        nodes += file_nodes
        problems += file_problems
    problems += _check_stages(stages, nodes)
    problems += journey_graph.check(nodes, ROOT_ID)
    if problems:
        raise JourneyError(sorted(problems, key=lambda p: (p.file, p.line)))
    by_id = MappingProxyType({n.id: n for n in nodes})
    return Journey(nodes=by_id, stages=tuple(stages))


def _read_file(file: Path) -> tuple[list[Stage], list[Node], list[Problem]]:
    try:
        root = compose(file)
    except ContentError as exc:
        return [], [], list(exc.problems)
    reader = Reader(str(file))
    if root is None:
        reader.problem(1, "the journey file is empty")
        return [], [], reader.problems
    top = reader.mapping(root, "the journey file", _TOP_KEYS)
    stages = [
        Stage(*reader.id_label(s, "stage")) for s in reader.items(top.get("stages"), "stages")
    ]
    nodes = [_read_node(reader, n) for n in reader.items(top.get("nodes"), "nodes")]
    return stages, nodes, reader.problems


def _read_node(reader: Reader, node: yaml.Node) -> Node:
    fields = reader.mapping(node, "a node", _NODE_KEYS)
    node_id = reader.text(fields.get("id"), "the node id", node)
    if node_id and not _ID.match(node_id):
        reader.problem(fields["id"], f"node id `{node_id}` should be lower-case words joined by -")
    where = f"node `{node_id or '?'}`"
    queries, pinned = _read_evidence(reader, fields.get("evidence"), where, node)
    stage = fields.get("stage")
    return Node(
        id=node_id,
        title=reader.text(fields.get("title"), f"the title of {where}", node),
        text=" ".join(reader.text(fields.get("text"), f"the text of {where}", node).split()),
        stage=reader.text(stage, f"the stage of {where}", stage) if stage else None,
        options=_read_options(reader, fields.get("options"), where),
        queries=queries,
        pinned=pinned,
        checklist=reader.texts(fields.get("checklist"), f"the checklist of {where}"),
        signposts=_read_signposts(reader, fields.get("signposts"), where),
        estimator=_read_flag(reader, fields.get("estimator"), where),
        file=reader.file,
        line=line_of(node),
    )


def _read_options(reader: Reader, node: yaml.Node | None, where: str) -> tuple[Option, ...]:
    options = []
    for item in reader.items(node, f"options of {where}"):
        fields = reader.mapping(item, f"an option of {where}", ("label", "to"))
        label = reader.text(fields.get("label"), f"an option label of {where}", item)
        to = reader.text(fields.get("to"), f"the `to` of option `{label}` in {where}", item)
        options.append(Option(label=label, to=to))
    return tuple(options)


def _read_signposts(reader: Reader, node: yaml.Node | None, where: str) -> tuple[Signpost, ...]:
    signposts = []
    for item in reader.items(node, f"signposts of {where}"):
        fields = reader.mapping(item, f"a signpost of {where}", ("label", "url"))
        url = reader.text(fields.get("url"), f"a signpost url of {where}", item)
        if url and not (url.startswith("https://") and is_web_url(url)):
            reader.problem(fields["url"], f"signpost url in {where} should start with https://")
        label = reader.text(fields.get("label"), f"a signpost label of {where}", item)
        signposts.append(Signpost(label=label, url=url))
    return tuple(signposts)


def _read_evidence(
    reader: Reader, node: yaml.Node | None, where: str, at: yaml.Node
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    fields = reader.mapping(node, f"the evidence of {where}", ("queries", "pinned")) if node else {}
    queries = reader.texts(fields.get("queries"), f"evidence queries of {where}")
    pinned = reader.texts(fields.get("pinned"), f"pinned passages of {where}")
    if not queries and not pinned:
        reader.problem(node or at, f"{where} has no evidence: add `queries` or `pinned` ids")
    return queries, pinned


def _read_flag(reader: Reader, node: yaml.Node | None, where: str) -> bool:
    if node is None:
        return False
    if not isinstance(node, yaml.ScalarNode) or node.value not in ("true", "false"):
        reader.problem(node, f"`estimator` of {where} should be true or false")
        return False
    return bool(node.value == "true")


def _check_stages(stages: list[Stage], nodes: list[Node]) -> list[Problem]:
    known = {s.id for s in stages}
    return [
        Problem(n.file, n.line, f"node `{n.id}` names unknown stage `{n.stage}`")
        for n in nodes
        if n.stage is not None and n.stage and n.stage not in known
    ]
