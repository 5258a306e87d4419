from datetime import date
from decimal import Decimal

import pytest

from bot.domain.parsing import (
    USAGE,
    ArchiveCmd,
    AssignCmd,
    CreateCmd,
    ExportCmd,
    HelpCmd,
    LeadCommand,
    LeadRef,
    ListCmd,
    LostCmd,
    Money,
    MoveCmd,
    NewLeadInput,
    OpenModal,
    ParseError,
    QualifyCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
    parse_lead_subcommand,
)
from tests.domain.samples import FRIDAY, STAGES


def command(text: str) -> LeadCommand:
    return parse_lead_subcommand(text, today=FRIDAY, stages=STAGES)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", OpenModal()),
        ("  \n ", OpenModal()),
        ("help", HelpCmd()),
        ("HELP move", HelpCmd(topic="move")),
        ("help me please", HelpCmd()),
        ("list", ListCmd(scope="mine")),
        ("list all", ListCmd(scope="all")),
        ("list <@U123ABC|dana>", ListCmd(scope="U123ABC")),
        ("list prop", ListCmd(scope="mine", stage_key="proposal")),
        ("list all qualification", ListCmd(scope="all", stage_key="qualification")),
        ("list closing mine", ListCmd(scope="mine", stage_key="closing")),
        ('list "proposal / negotiation"', ListCmd(scope="mine", stage_key="proposal")),
        ("show #42", ShowCmd(LeadRef(lead_id=42))),
        ("show Acme Corp", ShowCmd(LeadRef(text="Acme Corp"))),
        ("move Acme Corp proposal", MoveCmd(LeadRef(text="Acme Corp"), "proposal")),
        ("move #42 to closing", MoveCmd(LeadRef(lead_id=42), "closing")),
        ("move 42 stage:prop", MoveCmd(LeadRef(lead_id=42), "proposal")),
        ("won 42", WonCmd(LeadRef(lead_id=42))),
        ("lost #42", LostCmd(LeadRef(lead_id=42))),
        (
            "lost acme went with a competitor",
            LostCmd(LeadRef(text="acme"), "went with a competitor"),
        ),
        (
            'lost "Acme Corp" no budget &amp; no time',
            LostCmd(LeadRef(text="Acme Corp"), "no budget & no time"),
        ),
        (
            "lost acme competitor went with Initech",
            LostCmd(LeadRef(text="acme"), "went with Initech", "competitor"),
        ),
        ("lost #42 no_budget", LostCmd(LeadRef(lead_id=42), None, "no_budget")),
        ("lost #42 Timing: next year", LostCmd(LeadRef(lead_id=42), "next year", "timing")),
        ("lost #42 unqualified", LostCmd(LeadRef(lead_id=42), None, "unqualified")),
        ("assign #42 <@U123ABC|dana>", AssignCmd(LeadRef(lead_id=42), "U123ABC")),
        ("assign Acme Corp to <@U123ABC>", AssignCmd(LeadRef(text="Acme Corp"), "U123ABC")),
        ("qualify acme", QualifyCmd(LeadRef(text="acme"))),
        ("snooze acme 3d", SnoozeCmd(LeadRef(text="acme"), date(2026, 3, 9))),
        ("snooze Acme Corp until fri", SnoozeCmd(LeadRef(text="Acme Corp"), date(2026, 3, 13))),
        ("snooze #42 next:2026-04-01", SnoozeCmd(LeadRef(lead_id=42), date(2026, 4, 1))),
        ("archive #7", ArchiveCmd(LeadRef(lead_id=7))),
        ("Export", ExportCmd()),
        ("add List", CreateCmd(NewLeadInput(company="List"))),
        (
            "add Show Me Inc $5k",
            CreateCmd(NewLeadInput(company="Show Me Inc", value=Money(Decimal("5000.00"), "USD"))),
        ),
        ('"List" Industries', CreateCmd(NewLeadInput(company="List Industries"))),
        ("Listing Co", CreateCmd(NewLeadInput(company="Listing Co"))),
        (
            "Acme Corp $12,500 <@U123ABC|dana> stage:qualification next:friday source:webinar",
            CreateCmd(
                NewLeadInput(
                    company="Acme Corp",
                    value=Money(Decimal("12500.00"), "USD"),
                    owner_id="U123ABC",
                    stage_key="qualification",
                    next_follow_up=date(2026, 3, 13),
                    source="webinar",
                )
            ),
        ),
    ],
)
def test_subcommands(text: str, expected: LeadCommand) -> None:
    assert command(text) == expected


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("show", "show"),
        ("won", "won"),
        ("lost", "lost"),
        ("qualify", "qualify"),
        ("archive", "archive"),
        ("move acme", "move"),
        ("assign acme", "assign"),
        ("assign <@U123ABC>", "assign"),
        ("snooze acme", "snooze"),
        ("add", "add"),
        ("export leads", "export"),
        ("list all mine", "list"),
    ],
)
def test_missing_arguments_quote_the_usage(text: str, usage: str) -> None:
    with pytest.raises(ParseError) as caught:
        command(text)
    assert f"Usage: `{USAGE[usage]}`" in caught.value.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("move acme negotiation", "Unknown stage `negotiation`"),
        ("move acme won", "use `/lead won <ref>`"),
        ("list nonsense", "Unknown stage `nonsense`"),
        ("snooze acme 2020-01-01", "in the past"),
        ("show a", "at least 2 letters"),
    ],
)
def test_subcommand_errors(text: str, says: str) -> None:
    with pytest.raises(ParseError) as caught:
        command(text)
    assert says in caught.value.message


def test_every_subcommand_has_a_usage_line() -> None:
    for name in (
        "help",
        "list",
        "show",
        "move",
        "won",
        "lost",
        "assign",
        "qualify",
        "snooze",
        "archive",
        "export",
        "add",
    ):
        assert USAGE[name].startswith(f"/lead {name}")
