"""The qualification checklist from SPEC §3: its questions, the answer choices and a 0–100 score."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

UNQUALIFIED_REASON = "unqualified"


@dataclass(frozen=True, slots=True)
class Question:
    """One checklist question; every question is phrased so that "yes" is good news."""

    key: str
    text: str


@dataclass(frozen=True, slots=True)
class Choice:
    """An answer a rep can give, and how much of a question's points it earns."""

    key: str
    label: str
    points: int


QUESTIONS: tuple[Question, ...] = (
    Question("need", "Is there budget, people and a market for it?"),
    Question("fit", "Do their expectations match what we offer?"),
    Question("position", "Are they in a position to succeed with it?"),
    Question("effort", "Can we afford the time and resources success will take?"),
    Question("outlook", "Is the long-term outlook good?"),
    Question("risks", "Are they clear of foreseeable outside risks?"),
    Question("worth", "Are they worth our resources?"),
)
CHOICES: tuple[Choice, ...] = (
    Choice("yes", "Yes", 2),
    Choice("partly", "Partly", 1),
    Choice("no", "No", 0),
    Choice("unknown", "Don't know", 0),
)
UNKNOWN = "unknown"
MAX_POINTS = 2

_POINTS = {choice.key: choice.points for choice in CHOICES}


def normalize_answers(raw: Mapping[str, object] | None) -> dict[str, str]:
    """Every question with a known answer; anything missing or unrecognised counts as unknown."""
    raw = raw or {}
    answers: dict[str, str] = {}
    for question in QUESTIONS:
        value = raw.get(question.key)
        answers[question.key] = value if isinstance(value, str) and value in _POINTS else UNKNOWN
    return answers


def score(answers: Mapping[str, object] | None) -> int:
    """0–100: the share of the checklist's points earned, yes a full point and partly half."""
    normalized = normalize_answers(answers)
    earned = sum(_POINTS[answer] for answer in normalized.values())
    ratio = Decimal(100 * earned) / Decimal(MAX_POINTS * len(QUESTIONS))
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def verdict(value: int) -> str:
    """A word for a score, so a number on a card reads at a glance."""
    if value >= 70:
        return "strong fit"
    if value >= 40:
        return "possible fit"
    return "weak fit"


def answered(answers: Mapping[str, object] | None) -> int:
    """How many questions have an answer other than "don't know"."""
    return sum(1 for answer in normalize_answers(answers).values() if answer != UNKNOWN)
