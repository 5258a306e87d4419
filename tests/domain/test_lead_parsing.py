import re
from datetime import date
from decimal import Decimal

import pytest

from bot.domain.parsing import (
    Money,
    NewLeadInput,
    ParseError,
    find_emails,
    parse_new_lead,
    read_email,
    read_phone,
)
from tests.domain.samples import FRIDAY, STAGES


def lead(text: str) -> NewLeadInput:
    return parse_new_lead(text, today=FRIDAY, stages=STAGES)


def usd(amount: str) -> Money:
    return Money(amount=Decimal(amount), currency="USD")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3M Company", NewLeadInput(company="3M Company")),
        ("Studio 54 $5k", NewLeadInput(company="Studio 54", value=usd("5000.00"))),
        ("AT&amp;T $1m", NewLeadInput(company="AT&T", value=usd("1000000.00"))),
        ("Ben &amp; Jerry's", NewLeadInput(company="Ben & Jerry's")),
        ("Less &lt;than&gt; Co", NewLeadInput(company="Less <than> Co")),
        ("Acme <@U123ABC>", NewLeadInput(company="Acme", owner_id="U123ABC")),
        ("<@W9ZZ|dana> Acme Corp", NewLeadInput(company="Acme Corp", owner_id="W9ZZ")),
        (
            "Acme, <@U123ABC|dana>, $5k,",
            NewLeadInput(company="Acme", value=usd("5000.00"), owner_id="U123ABC"),
        ),
        ("Acme stage:prop", NewLeadInput(company="Acme", stage_key="proposal")),
        ("Acme stage:QUALIFICATION", NewLeadInput(company="Acme", stage_key="qualification")),
        ("Acme stage: closing", NewLeadInput(company="Acme", stage_key="closing")),
        ('Acme stage:"proposal / negotiation"', NewLeadInput(company="Acme", stage_key="proposal")),
        ("Acme next:fri", NewLeadInput(company="Acme", next_follow_up=date(2026, 3, 13))),
        ("Acme next:today", NewLeadInput(company="Acme", next_follow_up=FRIDAY)),
        (
            "Acme email:<mailto:a@b.co|a@b.co>",
            NewLeadInput(company="Acme", email="a@b.co"),
        ),
        ("Acme email:ann@acme.test", NewLeadInput(company="Acme", email="ann@acme.test")),
        (
            "Acme <mailto:ann@acme.test|ann@acme.test>",
            NewLeadInput(company="Acme", email="ann@acme.test"),
        ),
        ("Acme contact:“Ann Lee”", NewLeadInput(company="Acme", contact="Ann Lee")),
        ('Acme contact:"Ann Lee"', NewLeadInput(company="Acme", contact="Ann Lee")),
        ("Acme contact:Ann", NewLeadInput(company="Acme", contact="Ann")),
        (
            'Acme source:"trade show &amp; expo"',
            NewLeadInput(company="Acme", source="trade show & expo"),
        ),
        ("Acme phone:+1 555 0100", NewLeadInput(company="Acme", phone="+1 555 0100")),
        (
            'Acme phone:"+44 (20) 7946-0958"',
            NewLeadInput(company="Acme", phone="+44 (20) 7946-0958"),
        ),
        ("Acme value:€5k", NewLeadInput(company="Acme", value=Money(Decimal("5000.00"), "EUR"))),
        ("Acme 5000 EUR", NewLeadInput(company="Acme", value=Money(Decimal("5000.00"), "EUR"))),
        ("Acme EUR 5000", NewLeadInput(company="Acme", value=Money(Decimal("5000.00"), "EUR"))),
        ("Acme $ 5,000", NewLeadInput(company="Acme", value=usd("5000.00"))),
        ("Acme owner:<@U123ABC|dana>", NewLeadInput(company="Acme", owner_id="U123ABC")),
        (
            "Müller GmbH €40k",
            NewLeadInput(company="Müller GmbH", value=Money(Decimal("40000.00"), "EUR")),
        ),
        (
            "株式会社 ¥3m",
            NewLeadInput(company="株式会社", value=Money(Decimal("3000000.00"), "JPY")),
        ),
        ("  Acme    Corp  ", NewLeadInput(company="Acme Corp")),
        (
            '"Acme $5k Holdings" $1k',
            NewLeadInput(company="Acme $5k Holdings", value=usd("1000.00")),
        ),
        ('"Re:Think" Ltd', NewLeadInput(company="Re:Think Ltd")),
        ("Nok Nok Labs $5k", NewLeadInput(company="Nok Nok Labs", value=usd("5000.00"))),
        ("Ke$ha Touring", NewLeadInput(company="Ke$ha Touring")),
        ("12.5kk Studios", NewLeadInput(company="12.5kk Studios")),
        ("acme.com <https://acme.com|acme.com>", NewLeadInput(company="acme.com acme.com")),
        ("Acme <#C123|general>", NewLeadInput(company="Acme #general")),
        ("<!channel> Corp", NewLeadInput(company="@channel Corp")),
        ("Acme\u202e Corp\x00", NewLeadInput(company="Acme Corp")),
        (
            "Acme Corp $12,500 <@U123ABC|dana> stage:qualification next:friday source:webinar "
            'email:<mailto:ann@acme.test|ann@acme.test> contact:"Ann Lee" phone:+1 555 0100',
            NewLeadInput(
                company="Acme Corp",
                value=usd("12500.00"),
                owner_id="U123ABC",
                stage_key="qualification",
                next_follow_up=date(2026, 3, 13),
                source="webinar",
                email="ann@acme.test",
                contact="Ann Lee",
                phone="+1 555 0100",
            ),
        ),
    ],
)
def test_new_lead(text: str, expected: NewLeadInput) -> None:
    assert lead(text) == expected


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "Add the company name"),
        ("   \n\t ", "Add the company name"),
        ("$5k <@U123ABC>", "Add the company name"),
        ("Acme $5k €3k", "Give one value, not two"),
        ("Acme <@U123ABC> <@U999ZZZ|lee>", "Give one owner, not two"),
        ("Acme <@U123ABC> owner:<@U999ZZZ>", "Give one owner"),
        (
            "Acme stage:negotiation",
            "Unknown stage `negotiation`. Use one of: prospecting, qualification",
        ),
        ("Acme stage:p", "could be prospecting, proposal"),
        ("Acme stage:", "Say which stage"),
        ("Acme stage:won", "outcome"),
        ("Acme stage:closing stage:proposal", "`stage:` is given twice"),
        ("Acme next:2020-01-01", "in the past"),
        ("Acme next:someday", "Can't read the date"),
        ("Acme next:12/01", "YYYY-MM-DD"),
        ("Acme notes:hello", "Unknown key `notes:`. Use stage:, next:"),
        ("Re:Think Ltd", "Unknown key `re:`"),
        ("Acme email:not-an-email", "doesn't look like an email"),
        ("Acme email:<mailto:a@b|a@b>", "doesn't look like an email"),
        ("Acme <mailto:a@b.co|a@b.co> email:c@d.co", "Give one email"),
        ('Acme contact:"Ann Lee', "never closed"),
        ('Acme contact:""', "`contact:` needs a value"),
        ("Acme phone:call-me", "phone number"),
        ("Acme value:12500", "needs a currency"),
        ("Acme owner:dana", "needs an @mention"),
        ("Acme @dana", "not a Slack user"),
        ("Acme $", "needs an amount"),
        ("Acme $12,50,0", "Can't read the value"),
        ("Acme $12.5kk", "Can't read the value"),
        ("Abc2 Co $abc", "Can't read the value `$abc`"),
        ("Abc2 Co $NaN", "Can't read the value"),
        ("Abc2 Co $inf", "Can't read the value"),
        ("Acme -$5k", "negative"),
        ("Acme $2000000000000", "trillion"),
        ("A" * 5000, "keep it to 200"),
        ("Acme source:" + "x" * 101, "keep it to 100"),
    ],
)
def test_new_lead_errors(text: str, says: str) -> None:
    with pytest.raises(ParseError, match=re.escape(says)):
        lead(text)


def test_errors_are_one_line() -> None:
    with pytest.raises(ParseError) as caught:
        lead('Acme stage:"multi\nline"')
    assert "\n" not in caught.value.message


def test_the_email_and_phone_readers_serve_other_modules_too() -> None:
    text = "Write to ann@acme.test, or bob@globex.test. Not me@ nor @x"
    assert list(find_emails(text)) == ["ann@acme.test", "bob@globex.test"]
    assert read_email("<mailto:bob@globex.test|Bob>") == "bob@globex.test"
    assert read_phone(" +1 (555) 0100 ") == "+1 (555) 0100"
    for reader, wrong in ((read_email, "ann@"), (read_phone, "555")):
        with pytest.raises(ParseError):
            reader(wrong)
