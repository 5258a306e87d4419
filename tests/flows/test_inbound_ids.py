"""A form tool that retries at once: one external id, many requests at the same moment, one lead."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from sqlalchemy import func, select

from bot import flows
from bot.deps import Deps
from bot.models import Lead, LeadExternalId, Touchpoint
from bot.services import reps
from bot.services.inbound import InboundLead

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)
DANA = "UREP00001"


def count(deps: Deps, model: type) -> int:
    with deps.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_ten_requests_with_one_external_id_at_once_make_one_lead_and_no_touch(deps: Deps) -> None:
    with deps.session_factory.begin() as session:
        reps.ensure_rep(session, user_id=DANA, now=NOW)

    def receive(n: int) -> tuple[int, bool]:
        # Different companies, as a buggy client might send: the id alone decides.
        inbound = InboundLead(company=f"Retry Co {n}", external_id="form-77")
        received = flows.receive_inbound_lead(deps, inbound=inbound, now=NOW)
        return received.lead.id, received.created

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(receive, range(10)))

    assert len({lead_id for lead_id, _ in results}) == 1
    assert [created for _, created in results].count(True) == 1
    assert (count(deps, Lead), count(deps, LeadExternalId), count(deps, Touchpoint)) == (1, 1, 0)


def test_a_lead_removed_takes_its_external_ids_with_it(deps: Deps) -> None:
    received = flows.receive_inbound_lead(
        deps, inbound=InboundLead(company="Gone Co", owner=DANA, external_id="x-1"), now=NOW
    )
    with deps.session_factory.begin() as session:
        session.delete(session.get(Lead, received.lead.id))
    assert count(deps, LeadExternalId) == 0
    again = flows.receive_inbound_lead(
        deps, inbound=InboundLead(company="Gone Co", owner=DANA, external_id="x-1"), now=NOW
    )
    assert again.created
