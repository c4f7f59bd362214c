"""Parents asking about their own baby get a kind signpost; commissioners get the evidence."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from assistant.answer.signpost import check, parts, phone_links

# 50 commissioner questions that mention babies and 50 parent questions (6 of them urgent).
REVIEW = yaml.safe_load(
    (Path(__file__).parents[1] / "fixtures" / "signpost" / "questions.yaml").read_text()
)

PARENT = [
    "my baby won't stop crying",
    "My baby won’t stop crying, what should I do?",
    "I don't feel any bond with my son",
    "I feel nothing for my newborn daughter",
    "How do I bond with my baby?",
    "Our baby cries all night and we can't cope",
    "my 6 week old won't feed and I'm exhausted",
    "My 3-month-old baby is not sleeping, is this normal?",
    "I think I have postnatal depression, where can I get help?",
    "I'm pregnant and so anxious all the time",
    "Since I had the baby I feel so low",
    "I don't love my little girl the way I should",
    "Is it normal to feel angry at my twins?",
    "my toddler hits me and I am struggling",
    "Where can I get support for me and my baby?",
    "I'm worried about my daughter's attachment to me",
    "My partner and I are struggling with our newborn",
    "I feel like a bad mum, my baby never stops screaming",
    "I think I'm going mad since giving birth",
]
URGENT = [
    "I'm scared I might hurt my baby",
    "I'm afraid I will shake him",
    "Sometimes I want to hurt the baby",
    "I feel suicidal since the birth",
    "I am having thoughts of ending my life",
    "I don't want to live any more, my baby would be better off",
    "My partner hits me when the baby cries",
    "I am frightened of my husband and my baby is not safe",
    "we are not safe at home",
    "I don't feel safe at home with my son",
    "I feel like I might hurt my baby",
]
COMMISSIONER = [
    "how do parents access help for their baby in our area?",
    "what support do mothers with postnatal depression need?",
    "How many babies in our area need support?",
    "What does the evidence say about babies who cry a lot?",
    "How do we support our babies and families across the borough?",
    "I need help writing a business case for our parent-infant team",
    "In my ICB, how many mothers have perinatal depression?",
    "I am writing a business case for postnatal depression services",
    "How can I reduce the risk that parents hurt their babies?",
    "I'm commissioning a programme to stop parents shaking the baby; what works?",
    "What does the evidence say about perinatal suicide?",
    "How do we identify babies who are in danger?",
    "We want to commission a service for babies and parents who are struggling",
    "What is the role of my health visiting service in bonding?",
    "How should our infant mental health team measure attachment?",
    "Why do parent-infant relationships matter for later outcomes?",
    "What is domestic abuse's effect on the parent-infant relationship?",
    "How do I estimate local need from births?",
    "Our child development data shows gaps; what should we do?",
    "my team wants to know what parents of newborns find helpful",
]


@pytest.mark.parametrize("question", PARENT)
def test_a_parent_asking_about_their_own_baby_is_signposted(question: str) -> None:
    sign = check(question)
    assert sign is not None and sign.kind == "parent", question
    assert "health visitor" in sign.text and "GP" in sign.text and "NHS 111" in sign.text


@pytest.mark.parametrize("question", URGENT)
def test_someone_who_may_be_in_danger_now_is_told_to_call_999(question: str) -> None:
    sign = check(question)
    assert sign is not None and sign.kind == "urgent", question
    assert sign.answer == "Get help now."
    assert sign.text.startswith("If you or your baby are in danger now, call 999.")
    assert "0808 2000 247" in sign.text
    assert "National Domestic Abuse Helpline" in sign.text and "option 2" in sign.text


@pytest.mark.parametrize("question", COMMISSIONER)
def test_commissioner_questions_are_not_signposted(question: str) -> None:
    assert check(question) is None


def test_the_signpost_gives_no_clinical_advice() -> None:
    sign = check("my baby won't stop crying")
    assert sign is not None
    words = f"{sign.answer} {sign.text}".lower()
    for advice in ("try ", "you should feed", "swaddl", "medicine", "dose"):
        assert advice not in words


@pytest.mark.parametrize("question", REVIEW["commissioner"])
def test_commissioners_mentioning_babies_hubs_and_dads_get_the_evidence(question: str) -> None:
    assert check(question) is None


@pytest.mark.parametrize("question", REVIEW["parent"] + REVIEW["urgent"])
def test_every_parent_in_the_review_set_is_signposted(question: str) -> None:
    assert check(question) is not None


@pytest.mark.parametrize("question", REVIEW["urgent"])
def test_every_urgent_question_in_the_review_set_gets_the_urgent_message(question: str) -> None:
    sign = check(question)
    assert sign is not None and sign.kind == "urgent"


def test_the_review_set_is_fifty_of_each() -> None:
    assert len(REVIEW["commissioner"]) == 50
    assert len(REVIEW["parent"]) + len(REVIEW["urgent"]) == 50
    assert all("bab" in q.lower() for q in REVIEW["commissioner"])


def test_urgent_danger_advice_comes_before_who_the_assistant_is_for() -> None:
    sign = check("I feel like I might hurt my baby")
    assert sign is not None
    shown = " ".join("".join(str(piece["text"]) for piece in para) for para in parts(sign))
    assert shown.startswith("Get help now. If you or your baby are in danger now, call 999.")
    assert shown.index("999") < shown.index("plan and pay for services")


def test_phone_numbers_become_tel_links_and_the_text_is_kept_whole() -> None:
    text = "Call 999, NHS 111 (or 111.nhs.uk) or 0808 2000 247; not 9999."
    pieces = phone_links(text)
    assert "".join(t for t, _ in pieces) == text
    assert [(t, tel) for t, tel in pieces if tel] == [
        ("999", "999"),
        ("NHS 111", "111"),
        ("0808 2000 247", "08082000247"),
    ]


@pytest.mark.parametrize("kind", ["my baby won't stop crying", "I'm scared I might hurt my baby"])
def test_every_number_in_a_signpost_is_a_link(kind: str) -> None:
    sign = check(kind)
    assert sign is not None
    linked = {piece["tel"] for para in parts(sign) for piece in para if piece["tel"]}
    assert "999" in linked and "111" in linked
