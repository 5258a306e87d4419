"""The qualification checklist: every SPEC question plus who decides and when, answer choices,
a 0–100 score over the questions answered, and a verdict with knock-outs."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.qualification import (
    CHOICES,
    NOT_ENOUGH,
    QUESTIONS,
    UNKNOWN,
    WEAK,
    answered,
    knocked_out,
    normalize_answers,
    score,
    verdict,
    verdict_of_score,
)

ANSWER_KEYS = [choice.key for choice in CHOICES]


def all_(answer: str) -> dict[str, str]:
    return {question.key: answer for question in QUESTIONS}


def test_the_checklist_asks_the_spec_questions_with_four_choices() -> None:
    texts = " ".join(question.text.lower() for question in QUESTIONS)
    for topic in (
        "budget",
        "expectations",
        "position",
        "time and resources",
        "long-term",
        "risks",
        "worth",
        "who decides",
        "when they need",
    ):
        assert topic in texts
    assert len({question.key for question in QUESTIONS}) == len(QUESTIONS) == 9
    assert [question.key for question in QUESTIONS if question.knock_out] == ["need", "fit"]
    assert ANSWER_KEYS == ["yes", "partly", "no", "unknown"]
    assert all(len(question.text) <= 150 for question in QUESTIONS)
    assert all(len(choice.label) <= 75 for choice in CHOICES)


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        (all_("yes"), 100),
        (all_("no"), 0),
        (all_("unknown"), 0),
        (all_("partly"), 50),
        ({}, 0),
        (None, 0),
        # "Don't know" (or no answer) lowers the confidence, not the score: the share of points
        # is taken over the questions answered.
        ({"need": "yes"}, 100),
        ({"need": "yes", "fit": "partly"}, 75),
        ({**all_("unknown"), "need": "yes", "fit": "no"}, 50),
        ({**all_("yes"), "risks": "no"}, 89),
    ],
)
def test_score(answers, expected: int) -> None:
    assert score(answers) == expected


def test_unknown_keys_and_answers_are_ignored() -> None:
    noisy = {"need": "yes", "bogus": "yes", "fit": "maybe", "worth": 3}
    assert normalize_answers(noisy) == {**all_(UNKNOWN), "need": "yes"}
    assert answered(noisy) == 1


@given(st.dictionaries(st.sampled_from([q.key for q in QUESTIONS]), st.sampled_from(ANSWER_KEYS)))
def test_score_is_between_0_and_100_and_grows_with_yes(answers: dict[str, str]) -> None:
    value = score(answers)
    assert 0 <= value <= 100
    for question in QUESTIONS:
        assert score({**answers, question.key: "yes"}) >= value


@pytest.mark.parametrize(
    ("value", "word"),
    [
        (100, "strong fit"),
        (70, "strong fit"),
        (69, "possible fit"),
        (40, "possible fit"),
        (39, "weak fit"),
        (0, "weak fit"),
    ],
)
def test_verdict_of_a_score(value: int, word: str) -> None:
    assert verdict_of_score(value) == word


def test_verdict_needs_four_answers_and_a_no_on_a_knock_out_caps_it() -> None:
    three = {"need": "yes", "fit": "yes", "decider": "yes"}
    assert answered(three) == 3 and verdict(three) == NOT_ENOUGH
    assert verdict({**three, "timing": "yes"}) == "strong fit"
    assert verdict(all_("unknown")) == NOT_ENOUGH
    assert verdict(all_("no")) == WEAK
    for key in ("need", "fit"):
        no_on_knock_out = {**all_("yes"), key: "no"}
        assert knocked_out(no_on_knock_out) and score(no_on_knock_out) == 89
        assert verdict(no_on_knock_out) == WEAK
    assert not knocked_out({**all_("yes"), "risks": "no"})
