import pytest

from bot.domain.parsing import ParseError, StageRef, resolve_stage
from tests.domain.samples import STAGES


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("proposal", "proposal"),
        ("Proposal / negotiation", "proposal"),
        ("PROP", "proposal"),
        ("pros", "prospecting"),
        ("q", "qualification"),
        ("  closing ", "closing"),
        ("conn", "connecting"),
    ],
)
def test_resolves(text: str, key: str) -> None:
    assert resolve_stage(text, STAGES).key == key


def test_exact_match_beats_prefix() -> None:
    stages = [StageRef("demo", "Demo"), StageRef("demo_done", "Demo done")]
    assert resolve_stage("demo", stages).key == "demo"
    assert resolve_stage("demo-done", stages).key == "demo_done"


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (
            "p",
            "could be prospecting, proposal. Use one of: prospecting, qualification, connecting, proposal, closing.",
        ),
        (
            "negotiation",
            "Unknown stage `negotiation`. Use one of: prospecting, qualification, connecting, proposal, closing.",
        ),
        ("", "Say which stage. Use one of:"),
        ("lost", "outcome, not a stage"),
    ],
)
def test_errors_list_the_stages(text: str, says: str) -> None:
    with pytest.raises(ParseError) as caught:
        resolve_stage(text, STAGES)
    assert says in caught.value.message


def test_no_stages_configured() -> None:
    with pytest.raises(ParseError, match="No pipeline stages"):
        resolve_stage("proposal", [])
