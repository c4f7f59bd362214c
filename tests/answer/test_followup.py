"""Follow-ups: which questions lean on an earlier one, and how they are searched."""

from __future__ import annotations

import pytest

from assistant.answer.followup import (
    MAX_ANSWER_CHARS,
    MAX_TURNS,
    Turn,
    check_history,
    is_follow_up,
    name_words,
    read,
    topic_words,
)
from assistant.errors import ValidationError

EARLIER = Turn("Can we pool budgets with a section 75 agreement?", ("0123456789ab",))


@pytest.mark.parametrize(
    "question",
    [
        "and what about funding for that?",
        "Tell me more about that",
        "is it effective?",
        "which of those are free?",
        "how many are there in England?",
        "how do I write one?",
        "how long does it take to set up?",
        "is there a specialist inpatient unit there?",
        "which of these would suit a small team working across a rural county?",
        "are any of them free to use in routine practice?",
        "how much of that went on perinatal mental health and parent-infant support?",
        "are there differences by region?",
        "any variation by age?",
        "which areas have none?",
        "which one checks bonding?",
        "and which ones are free?",
        "can we do that if we're a small council?",
        "can we do that if we\u2019re a small council?",
    ],
)
def test_questions_that_lean_on_an_earlier_one_are_follow_ups(question: str) -> None:
    assert is_follow_up(question)
    reading = read(question, [EARLIER])
    assert reading.interpreted_as == EARLIER.message
    assert "section 75" in reading.query
    steered = "England" not in question
    assert reading.boost == (EARLIER.citations if steered else ())


@pytest.mark.parametrize("apostrophe", ["'", "\u2019"])
def test_contractions_and_linking_words_carry_no_topic(apostrophe: str) -> None:
    question = (
        f"how would we know whether we{apostrophe}re reaching them if they don{apostrophe}t come?"
    )
    assert topic_words(question) == ["reaching"]


@pytest.mark.parametrize(
    ("question", "steered"),
    [
        ("is it quick?", True),
        ("are any of them free to use in routine practice?", True),
        ("is there a specialist inpatient unit there?", True),
        ("and what does it cost per case of depression?", False),
        ("did it work in the Scottish trial?", False),
        # a pronoun subject leans on the conversation whatever else the question says
        ("does it include fathers, grandparents and same-sex partners?", False),
        ("how did they recruit mothers for the randomised trial?", False),
        ("how does that compare with the figures from ten years before?", False),
        ("does it apply to councils as well as integrated care boards?", False),
        ("is it linked to deprivation or to ethnicity?", False),
        ("do these teams take referrals from GPs and midwives?", False),
        # a common noun taken as known is the one just discussed
        ("how long does the course last?", True),
        ("who funded the trial?", True),
    ],
)
def test_earlier_citations_steer_only_a_question_that_says_little_of_its_own(
    question: str, steered: bool
) -> None:
    reading = read(question, [EARLIER])
    assert reading.interpreted_as == EARLIER.message
    assert reading.boost == (EARLIER.citations if steered else ())


@pytest.mark.parametrize(
    "question",
    [
        "what does NICE say",
        "PIR-GAS",
        "Is video interaction guidance effective?",
        "What outcome measures should we use for a parent-infant team?",
        "How many health visitors are there in England?",
        "Are there differences by ethnicity in access to perinatal mental health care?",
        "What are the differences between attachment and bonding?",
        "Is it true that babies can have mental health problems?",
        "Is it possible to pool budgets between a council and an ICB?",
        "What is the Healthy Child Programme?",
        "what is the cost of perinatal mental health problems?",
        "What makes it hard to commission parent-infant services?",
    ],
)
def test_questions_that_stand_alone_are_searched_as_asked(question: str) -> None:
    reading = read(question, [EARLIER])
    assert reading.query == question and reading.interpreted_as is None and not reading.boost


def test_a_follow_up_at_a_journey_step_with_no_history_reads_the_step() -> None:
    reading = read("how do I write one?", [], "The business case")
    assert reading.query.endswith("(The business case)")
    assert reading.interpreted_as == "The business case"


def test_the_most_recent_turn_with_new_words_is_the_one_leant_on() -> None:
    older = Turn("What is video interaction guidance?")
    reading = read("is it effective?", [older, EARLIER])
    assert reading.interpreted_as == EARLIER.message


def test_history_is_validated_and_unknown_ids_are_ignored() -> None:
    turns = check_history(
        [{"message": " What is a JSNA? ", "citations": ["0123456789AB", "../etc/passwd", "x"]}],
        1000,
    )
    assert turns == (Turn("What is a JSNA?", ("0123456789ab",)),)
    assert check_history(None, 1000) == ()
    shown = check_history([{"message": "JSNA?", "citations": [], "answer": " A  JSNA is. [1]"}], 9)
    assert shown == (Turn("JSNA?", (), "A JSNA is. [1]"),)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("not a list", "must be a list"),
        ([42], "must be an object"),
        ([{"message": "hi", "extra": 1}], "must be an object"),
        ([{"message": ""}], "non-empty string"),
        ([{"message": 7}], "non-empty string"),
        ([{"message": "x" * 1001}], "longer than 1000"),
        ([{"message": "hi", "citations": "abc"}], "list of passage ids"),
        ([{"message": "hi", "citations": [1, 2]}], "list of passage ids"),
        ([{"message": "q"}] * (MAX_TURNS + 1), f"limit is {MAX_TURNS}"),
        ([{"message": "hi", "answer": ["a"]}], "answer must be a string"),
        ([{"message": "hi", "answer": "x" * (MAX_ANSWER_CHARS + 1)}], "answer is longer"),
    ],
)
def test_bad_history_is_refused_naming_the_problem(value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        check_history(value, 1000)


def test_a_chain_of_follow_ups_reads_back_to_the_question_that_stood_alone() -> None:
    first = Turn("What did the 2025 BMC study find about commissioning?", ("aaaaaaaaaaaa",))
    second = Turn("how many commissioners did they interview?", ("bbbbbbbbbbbb",))
    reading = read("where were they based?", [first, second])
    assert reading.interpreted_as == first.message
    assert "BMC" in reading.query and "interview" in reading.query
    assert set(reading.boost) == {"aaaaaaaaaaaa", "bbbbbbbbbbbb"}


def test_a_question_that_seems_to_stand_alone_is_read_in_context_only_when_forced() -> None:
    earlier = Turn("What is Watch, Wait and Wonder?")
    question = "how many weekly sessions do parents attend?"
    assert read(question, [earlier]).interpreted_as is None
    forced = read(question, [earlier], force=True)
    assert forced.interpreted_as == earlier.message and "Wonder" in forced.query


@pytest.mark.parametrize(
    ("question", "leans"),
    [
        ("how many sessions?", True),
        ("what about cost?", True),
        ("What is a JSNA?", False),
        ("PIR-GAS", False),
        ("Which outcome measures suit a parent-infant team?", False),
    ],
)
def test_one_common_word_is_a_facet_of_the_topic_but_a_name_is_a_topic(
    question: str, leans: bool
) -> None:
    assert is_follow_up(question) is leans


def test_a_follow_up_knows_what_the_answers_it_leans_on_showed() -> None:
    first = Turn("What did the 2025 BMC study find?", (), "Three groups of factors. [1]")
    second = Turn("how many commissioners did they interview?", (), "Nine. [1]")
    unrelated = Turn("What is a JSNA?", (), "A needs assessment. [1]")
    reading = read("where were they based?", [unrelated, first, second])
    assert "Nine. [1]" in reading.shown and "Three groups" in reading.shown
    assert "needs assessment" not in reading.shown
    assert reading.carried and reading.carried in reading.query


def test_a_follow_up_that_names_a_new_place_drops_the_old_one() -> None:
    earlier = Turn("Is there a mother and baby unit in Northern Ireland?")
    reading = read("and in Wales?", [earlier])
    assert "Wales" in reading.query and "Ireland" not in reading.query
    assert "mother" in reading.carried


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("What is Start for Life?", ["Start", "Life"]),
        ("Tell me about Best Start Family Hubs", ["Best", "Start", "Family", "Hubs"]),
        ("Which services do teams usually offer?", ["services", "teams", "offer"]),
        ("How Many Teams Are There In England?", ["Teams", "England"]),
        ("Tell me more. What about Wales?", ["Wales"]),
    ],
)
def test_capitalised_words_inside_a_sentence_are_names_not_fillers(
    text: str, words: list[str]
) -> None:
    assert topic_words(text) == words


def test_a_follow_up_carries_a_name_made_of_common_words() -> None:
    reading = read("how much money went to it?", [Turn("What is Start for Life?")])
    assert reading.carried == "Start Life"


def test_name_words_are_the_fillers_a_name_keeps() -> None:
    assert name_words("How much went to Start for Life?") == ["Start"]
    assert name_words("when did the service start?") == []


def test_a_question_naming_its_own_set_is_no_choice_from_what_was_said() -> None:
    assert not is_follow_up("Which one of the NICE guidelines covers babies under one?")


def test_an_idiom_of_getting_in_the_way_carries_no_topic() -> None:
    assert topic_words("What do commissioners say gets in the way?") == ["commissioners"]


def test_what_follows_a_pick_from_a_list_leans_on_the_pick_not_the_list() -> None:
    listed = Turn(
        "What tools rate the parent-infant relationship?", ("aaaaaaaaaaaa", "bbbbbbbbbbbb")
    )
    picked = Turn("which of those suits health visitors?", ("bbbbbbbbbbbb", "cccccccccccc"))
    reading = read("is it reliable?", [listed, picked])
    assert reading.interpreted_as == listed.message
    assert reading.boost == picked.citations
    # without the pick, the list's citations steer as before
    plain = Turn("does it suit health visitors?", ("cccccccccccc",))
    assert set(read("is it reliable?", [listed, plain]).boost) == {
        "aaaaaaaaaaaa",
        "bbbbbbbbbbbb",
        "cccccccccccc",
    }


@pytest.mark.parametrize(
    "question",
    [
        "can the ICB pay for it alone?",
        "any examples of teams using it in practice?",
        "how many teams did it count in Scotland?",
        "what age groups does it cover?",
    ],
)
def test_it_or_them_as_object_or_as_subject_after_a_few_words_points_back(
    question: str,
) -> None:
    assert is_follow_up(question)
    reading = read(question, [EARLIER])
    assert reading.interpreted_as == EARLIER.message and "section 75" in reading.query
