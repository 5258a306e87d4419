"""The qualification checklist from SPEC §3 plus BANT's who and when: questions, answers, score, verdict. Pure.

The score is the share of points earned on the questions answered, so "Don't know" lowers the
confidence (how many were answered), never the score. Need and fit are knock-outs: a "No" on
either caps the verdict at weak fit and suggests marking the lead unqualified. Fewer than
MIN_ANSWERS answers are not enough to judge.
"""

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
    knock_out: bool = False


@dataclass(frozen=True, slots=True)
class Choice:
    """An answer a rep can give, and how much of a question's points it earns."""

    key: str
    label: str
    points: int


QUESTIONS: tuple[Question, ...] = (
    Question("need", "Is there budget, people and a market for it?", knock_out=True),
    Question("fit", "Do their expectations match what we offer?", knock_out=True),
    Question("decider", "Do we know who decides, and are we talking to them?"),
    Question("timing", "Do they know when they need it?"),
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
NO = "no"
MAX_POINTS = 2
MIN_ANSWERS = 4

STRONG = "strong fit"
POSSIBLE = "possible fit"
WEAK = "weak fit"
NOT_ENOUGH = "not enough answers"

_POINTS = {choice.key: choice.points for choice in CHOICES}
_KNOCK_OUTS = tuple(question.key for question in QUESTIONS if question.knock_out)


def normalize_answers(raw: Mapping[str, object] | None) -> dict[str, str]:
    """Every question with a known answer; anything missing or unrecognised counts as unknown."""
    raw = raw or {}
    answers: dict[str, str] = {}
    for question in QUESTIONS:
        value = raw.get(question.key)
        answers[question.key] = value if isinstance(value, str) and value in _POINTS else UNKNOWN
    return answers


def answered(answers: Mapping[str, object] | None) -> int:
    """How many questions have an answer other than "don't know": the confidence."""
    return sum(1 for answer in normalize_answers(answers).values() if answer != UNKNOWN)


def score(answers: Mapping[str, object] | None) -> int:
    """0–100: the share of points earned on the questions answered, yes a full point and partly half."""
    normalized = normalize_answers(answers)
    known = [answer for answer in normalized.values() if answer != UNKNOWN]
    if not known:
        return 0
    earned = sum(_POINTS[answer] for answer in known)
    ratio = Decimal(100 * earned) / Decimal(MAX_POINTS * len(known))
    return int(ratio.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def knocked_out(answers: Mapping[str, object] | None) -> bool:
    """True when budget/need or fit is a "No": the lead is likely unqualified, whatever else it scores."""
    normalized = normalize_answers(answers)
    return any(normalized[key] == NO for key in _KNOCK_OUTS)


def verdict_of_score(value: int) -> str:
    """A word for a score alone, so a number on a card reads at a glance."""
    if value >= 70:
        return STRONG
    if value >= 40:
        return POSSIBLE
    return WEAK


def verdict(answers: Mapping[str, object] | None) -> str:
    """The checklist's verdict: a knock-out caps it at weak fit; too few answers say so."""
    if knocked_out(answers):
        return WEAK
    if answered(answers) < MIN_ANSWERS:
        return NOT_ENOUGH
    return verdict_of_score(score(answers))


def stored_verdict(answers: Mapping[str, object] | None) -> str | None:
    """The verdict of a lead's stored answers, None when it was never qualified."""
    return None if answers is None else verdict(answers)
