"""`/pipeline` through signed requests: a rep's own pipeline and day, a manager's team and reps."""

from datetime import date, timedelta

from tests.e2e.leadkit import reply, seed, shown
from tests.e2e.live import MANAGER, OTHER_REP, REP, Live

TODAY = date(2026, 11, 30)


def seed_team(live: Live) -> None:
    seed(live, "Acme", value="10000", stage="proposal", next_follow_up=TODAY - timedelta(days=1))
    seed(live, "Globex", value="2000", next_follow_up=TODAY)
    seed(live, "Euro AG", value="5000", currency="EUR")
    seed(live, "Initech", owner=OTHER_REP, value="40000", stage="closing")


def test_a_rep_sees_their_stages_and_what_needs_attention_today(live: Live) -> None:
    seed_team(live)
    live.command("/pipeline", "", user_id=REP)
    message = reply(live)
    text = shown(message)
    assert message["response_type"] == "ephemeral"
    assert "Your pipeline: 3 open" in message["text"]
    assert "*Your pipeline* · 3 open · $12k + €5k · $5.2k + €500 weighted" in text
    assert "Proposal: 1 · $10k · $5k weighted" in text
    assert "Closing: 0 · — · — weighted" in text
    assert "1 overdue follow-up" in text and "#1 Acme" in text and "was due yesterday" in text
    assert "1 follow-up due today" in text and "#2 Globex" in text
    assert "Team" not in text and "Initech" not in text


def test_a_manager_also_sees_team_totals_and_a_row_per_rep(live: Live) -> None:
    seed_team(live)
    live.command("/pipeline", "", user_id=MANAGER)
    text = shown(reply(live))
    assert "*Your pipeline* · 0 open" in text and "Nothing overdue or due today" in text
    assert "*Team* · 4 open · $52k + €5k" in text
    assert f"<@{OTHER_REP}> · 1 open · $40k · $32k weighted" in text
    assert (
        f"<@{REP}> · 3 open · $12k + €5k · $5.2k + €500 weighted · 1 overdue · 1 due today" in text
    )
    assert text.index(f"<@{REP}>") < text.index(f"<@{OTHER_REP}>")


def test_a_big_team_stays_inside_slack_limits(live: Live) -> None:
    for number in range(60):
        seed(live, f"Lead {number}", owner=f"UREP{number:05d}")
    live.command("/pipeline", "", user_id=MANAGER)
    message = reply(live)
    assert live.slack.responses()[-1].response == "ok"
    assert len(message["blocks"]) <= 50 and "60 open" in shown(message)


def test_anything_but_report_shows_usage(live: Live) -> None:
    live.command("/pipeline", "everything", user_id=MANAGER)
    assert reply(live)["text"].startswith("Usage: `/pipeline`")
