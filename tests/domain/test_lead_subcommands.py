from datetime import date
from decimal import Decimal

import pytest

from bot.domain.parsing import (
    USAGE,
    ArchiveCmd,
    AssignCmd,
    ConfirmCreate,
    CreateCmd,
    DidYouMean,
    EditCmd,
    ExportCmd,
    FindCmd,
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
    ReopenCmd,
    ShowCmd,
    SnoozeCmd,
    WonCmd,
    parse_lead_subcommand,
)
from bot.domain.parsing.commands import CLEAR, SUBCOMMANDS, near_subcommand
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
        ("Listing Co", ConfirmCreate(NewLeadInput(company="Listing Co"))),
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
    for name in SUBCOMMANDS:
        assert USAGE[name].startswith(f"/lead {name}")


# ---- nothing changes by accident -------------------------------------------------------------

# Each subcommand misspelt the ways people slip: a swap, a letter dropped or doubled, a typo.
MISSPELT = {
    "help": ["hlep", "hepl", "halp"],
    "add": ["addd", "dad"],
    "list": ["lsit", "lst", "liste"],
    "find": ["fnid", "fid", "findd"],
    "show": ["shwo", "shw", "shoe"],
    "edit": ["edti", "eidt", "edt"],
    "move": ["mvoe", "mve", "moce"],
    "won": ["wno", "wonn", "woon"],
    "lost": ["lsot", "lots", "losst"],
    "reopen": ["reopne", "reoepn", "repen"],
    "assign": ["asisgn", "assing", "asign"],
    "qualify": ["qualfiy", "qualif", "quallify"],
    "snooze": ["snoze", "snooez", "snoozee"],
    "archive": ["archvie", "arcive", "archivr"],
    "export": ["exprot", "expot", "exporr"],
}


def test_every_subcommand_is_listed_and_misspellings_of_each_are_caught() -> None:
    assert set(MISSPELT) == set(SUBCOMMANDS)
    for name, slips in MISSPELT.items():
        for slip in slips:
            for text in (slip, f"{slip} 1", f"{slip} #1 value:$9k", f"{slip.title()} Acme $5k"):
                parsed = command(text)
                assert isinstance(parsed, DidYouMean), (text, parsed)
                assert parsed.subcommand == name


def test_a_did_you_mean_keeps_what_add_would_create() -> None:
    parsed = command("edti 1 value:$9k")
    assert isinstance(parsed, DidYouMean) and parsed.lead is not None
    assert parsed.lead.company == "edti 1" and parsed.lead.value == Money(Decimal(9000), "USD")


@pytest.mark.parametrize(
    "word", ["Acme", "On", "Win", "And", "Wins", "Listings", "Exporters", "Show-Me", "Lists4U"]
)
def test_words_that_are_no_slip_read_as_a_name(word: str) -> None:
    assert near_subcommand(word) is None
    assert isinstance(command(f"{word} $5k"), CreateCmd)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Acme Corp", ConfirmCreate(NewLeadInput(company="Acme Corp"))),
        ("edit 1", None),
        ("Acme Corp $5k", CreateCmd(NewLeadInput("Acme Corp", Money(Decimal(5000), "USD")))),
        ("Acme Corp <@U123ABC>", CreateCmd(NewLeadInput("Acme Corp", owner_id="U123ABC"))),
        ("Acme Corp source:webinar", CreateCmd(NewLeadInput("Acme Corp", source="webinar"))),
        ('"Reopen Partners"', CreateCmd(NewLeadInput(company="Reopen Partners"))),
        ("add Edit 1", CreateCmd(NewLeadInput(company="Edit 1"))),
    ],
)
def test_creating_needs_a_line_that_reads_like_a_lead(text: str, expected: object) -> None:
    if expected is None:
        with pytest.raises(ParseError):
            command(text)
        return
    assert command(text) == expected


@pytest.mark.parametrize("name", sorted(set(SUBCOMMANDS) - {"help", "add", "export", "list"}))
def test_help_is_reserved_after_every_subcommand(name: str) -> None:
    assert command(f"{name} help") == HelpCmd(topic=name)
    assert command(f"{name} HELP") == HelpCmd(topic=name)


def test_add_help_is_help_and_a_quoted_help_is_a_name() -> None:
    assert command("add help") == HelpCmd(topic="add")
    assert command('add "Help Scout"') == CreateCmd(NewLeadInput(company="Help Scout"))


# ---- edit, reopen, find ----------------------------------------------------------------------


def test_edit_reads_each_field_and_clears_with_nothing_or_a_dash() -> None:
    parsed = command(
        "edit blue harbor value:€9k contact: Ann Lee phone: email:- close:2027-01-29 "
        'next:tue company:"Blue Harbor Logistics" source:none stage:prop owner:<@U123ABC>'
    )
    assert parsed == EditCmd(
        LeadRef(text="blue harbor"),
        (
            ("value", Money(Decimal(9000), "EUR")),
            ("contact", "Ann Lee"),
            ("phone", CLEAR),
            ("email", CLEAR),
            ("close", date(2027, 1, 29)),
            ("next", date(2026, 3, 10)),
            ("company", "Blue Harbor Logistics"),
            ("source", CLEAR),
            ("stage", "proposal"),
            ("owner", "U123ABC"),
        ),
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("edit", "Usage: `/lead edit"),
        ("edit #4", "Usage: `/lead edit"),
        ("edit value:$5k", "Usage: `/lead edit"),
        ("edit #4 colour:red", "can't change `colour:`"),
        ("edit #4 company:", "can't be cleared"),
        ("edit #4 value:lots", "needs a currency"),
        ("edit #4 email:nope", "doesn't look like an email"),
        ("edit #4 next:yesterday", "Can't read the date"),
        ("edit #4 value:$1 value:$2", "given twice"),
        ("find", "Usage: `/lead find"),
        ("reopen", "Usage: `/lead reopen"),
    ],
)
def test_edit_find_and_reopen_mistakes_say_what_to_do(text: str, says: str) -> None:
    with pytest.raises(ParseError) as caught:
        command(text)
    assert says in caught.value.message


def test_reopen_and_find() -> None:
    assert command("reopen #42") == ReopenCmd(LeadRef(lead_id=42))
    assert command("reopen Acme Corp") == ReopenCmd(LeadRef(text="Acme Corp"))
    assert command("find  Ann   Lée ") == FindCmd("Ann Lée")


def test_lost_reads_its_lead_from_as_many_words_as_asked() -> None:
    text = "lost blue harbor competitor went with Initech"
    assert command(text) == LostCmd(LeadRef(text="blue"), "harbor competitor went with Initech")
    assert parse_lead_subcommand(text, today=FRIDAY, stages=STAGES, ref_words=2) == LostCmd(
        LeadRef(text="blue harbor"), "went with Initech", "competitor"
    )
