"""The journey tree: schema errors name file and line; the real tree is whole and walkable."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from assistant.errors import CorpusError, NotFound
from assistant.journey.graph import reachable
from assistant.journey.tree import ROOT_ID, Journey, JourneyError, load_journey

JOURNEY = Path(__file__).resolve().parents[2] / "corpus" / "journey.yaml"

GOOD = """\
stages:
  - {id: analyse, label: Analyse need}
nodes:
  - id: start
    title: What do you want to do?
    text: Pick a task.
    options:
      - {label: Analyse, to: needs}
    evidence:
      queries: [commissioning cycle]
  - id: needs
    title: Analyse local needs
    stage: analyse
    text: Look at the JSNA.
    options:
      - {label: Back to start, to: start}
    evidence:
      pinned: [abc123def456]
    checklist: [Read the JSNA]
"""


def write(tmp_path: Path, text: str, name: str = "journey.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_good_tree_loads_as_frozen_nodes(tmp_path: Path) -> None:
    journey = load_journey(write(tmp_path, GOOD))
    needs = journey.node("needs")
    assert [o.to for o in journey.start.options] == ["needs"]
    assert needs.pinned == ("abc123def456",)
    assert needs.checklist == ("Read the JSNA",)
    with pytest.raises(AttributeError):
        needs.title = "changed"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("old", "new", "line", "message"),
    [
        (
            "    text: Look at the JSNA.\n",
            "    text: ''\n",
            14,
            "the text of node `needs` is missing",
        ),
        ("    title: Analyse local needs\n", "", 11, "the title of node `needs` is missing"),
        ("to: start}", "to: finish}", 11, "option to unknown node id `finish`"),
        ("- id: needs", "- id: start", 11, "duplicate node id `start` .*journey.yaml:4"),
        ("      pinned: [abc123def456]\n", "      pinned: []\n", 18, "`needs` has no evidence"),
        ("    stage: analyse\n", "    stage: review\n", 11, "unknown stage `review`"),
        ("    checklist:", "    checklst:", 19, "unknown key `checklst`"),
        ("- id: start\n", "- id: begin\n", 4, "there is no root node with id `start`"),
        ("  - id: needs\n", "  - id: Needs Step\n", 11, "lower-case words joined by -"),
    ],
)
def test_each_kind_of_broken_tree_names_file_and_line(
    tmp_path: Path, old: str, new: str, line: int, message: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(JourneyError, match=rf"{path}:{line}: .*{message}"):
        load_journey(path)


def test_unreachable_node_is_reported_at_its_line(tmp_path: Path) -> None:
    orphan = GOOD + "  - id: orphan\n    title: Orphan\n    text: Lost.\n"
    orphan += "    options: [{label: Home, to: start}]\n    evidence: {queries: [x]}\n"
    path = write(tmp_path, orphan)
    with pytest.raises(JourneyError, match=rf"{path}:20: node `orphan` is unreachable"):
        load_journey(path)


def test_cycle_without_an_exit_is_reported(tmp_path: Path) -> None:
    loop = GOOD.replace("to: start}", "to: loop}")
    loop += "  - id: loop\n    title: Loop\n    text: Round.\n"
    loop += "    options: [{label: Again, to: needs}]\n    evidence: {queries: [x]}\n"
    path = write(tmp_path, loop)
    with pytest.raises(JourneyError, match=r"cycle without an exit \(needs -> loop -> needs\)"):
        load_journey(path)


def test_dead_end_is_reported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD.replace("      - {label: Back to start, to: start}\n", "").replace(
            "    options:\n    evidence:", "    evidence:"
        ),
    )
    with pytest.raises(JourneyError, match=rf"{path}:11: node `needs` is a dead end"):
        load_journey(path)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace("    text: Pick a task.", "    text: [unclosed"))
    with pytest.raises(JourneyError, match=rf"{path}:\d+: not valid YAML"):
        load_journey(path)


def test_every_problem_is_listed_not_just_the_first(tmp_path: Path) -> None:
    broken = GOOD.replace("text: Pick a task.", "text:").replace("to: needs}", "to: nowhere}")
    with pytest.raises(JourneyError) as caught:
        load_journey(write(tmp_path, broken))
    assert len(caught.value.problems) >= 3  # missing text, unknown id, unreachable `needs`
    assert isinstance(caught.value, CorpusError)


def test_a_folder_of_files_is_one_journey_with_errors_per_file(tmp_path: Path) -> None:
    head, tail = GOOD.split("  - id: needs\n")
    write(tmp_path, head, "a.yaml")
    write(tmp_path, "nodes:\n  - id: needs\n" + tail.replace("Look at", ""), "b.yaml")
    assert set(load_journey(tmp_path).nodes) == {"start", "needs"}
    write(tmp_path, "nodes:\n  - id: extra\n    title: Extra\n", "c.yaml")
    with pytest.raises(JourneyError, match=r"c\.yaml:2: the text of node `extra` is missing"):
        load_journey(tmp_path)


def test_unknown_node_lookup_is_not_found(tmp_path: Path) -> None:
    journey = load_journey(write(tmp_path, GOOD))
    with pytest.raises(NotFound, match="no journey step with id `nope`"):
        journey.node("nope")


def test_back_prefers_the_visited_trail_then_the_first_parent(tmp_path: Path) -> None:
    journey = load_journey(write(tmp_path, GOOD))
    assert journey.back("needs").id == "start"  # type: ignore[union-attr]
    assert journey.back("needs", ["start", "needs"]).id == "start"  # type: ignore[union-attr]
    assert journey.back(ROOT_ID) is None


# ------------------------------------------------------------------ the real journey


@pytest.fixture(scope="module")
def journey() -> Journey:
    return load_journey(JOURNEY)


def test_real_journey_has_at_least_30_steps(journey: Journey) -> None:
    assert len(journey) >= 30


def test_every_node_is_reachable_from_start_and_can_reach_start(journey: Journey) -> None:
    edges = {n.id: [o.to for o in n.options] for n in journey.nodes.values()}
    reverse: dict[str, list[str]] = {i: [] for i in edges}
    for src, targets in edges.items():
        for dst in targets:
            reverse[dst].append(src)
    assert reachable(edges, ROOT_ID) == set(journey.nodes)
    assert reachable(reverse, ROOT_ID) == set(journey.nodes)


@pytest.mark.parametrize(
    "branch",
    ["why", "needs", "plan", "fund", "evaluate"],
)
def test_start_offers_each_branch_of_the_issue(journey: Journey, branch: str) -> None:
    assert branch in {o.to for o in journey.start.options}


def test_every_step_links_back_to_a_hub_and_to_a_related_step(journey: Journey) -> None:
    hubs = {o.to for o in journey.start.options} | {ROOT_ID}
    for node in journey.nodes.values():
        targets = {o.to for o in node.options}
        assert targets & hubs, f"{node.id} has no way back to a hub or the start"
        if node.id not in hubs:
            assert len(targets) >= 2, f"{node.id} offers no related step"


def test_every_step_has_evidence_and_a_stage_in_the_cycle(journey: Journey) -> None:
    for node in journey.nodes.values():
        assert node.queries or node.pinned, node.id
        if node.id not in (ROOT_ID, "summary"):
            assert journey.stage_of(node.id) is not None, node.id


def test_trail_marks_the_current_stage(journey: Journey) -> None:
    trail = journey.trail("needs-estimate")
    assert [t.stage.id for t in trail if t.current] == ["analyse"]
    assert trail[0].stage.label == "Make the case"


def test_one_step_runs_the_need_estimator(journey: Journey) -> None:
    assert [n.id for n in journey.nodes.values() if n.estimator] == ["needs-estimate"]


def test_the_journey_does_not_claim_the_toolkits_own_step_structure(journey: Journey) -> None:
    assert "Parent-Infant Foundation's implementation toolkit" in journey.start.text
