"""The import flow on a real database (SQLite and PostgreSQL): ids, all or nothing, reps never locked out."""

from __future__ import annotations

import gc
import io
import threading
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import flows
from bot.deps import Deps
from bot.domain.access import Actor
from bot.domain.leads import Status
from bot.flows import imports
from bot.flows.imports import ImportAborted, Imported, import_leads, undo_import
from bot.models import Lead, LeadEvent, Notification, Rep, StageChange, Touchpoint
from bot.services import importer
from bot.services.export import write_csv
from bot.services.leads import NewLead
from jobs import speed_to_lead
from tests.seeding import seed_leads

NOW = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # Monday 09:00 in New York
DANA, KENJI, MANAGER = "UREP00001", "UREP00002", "UMANAGER1"


def run(deps: Deps, text: str, **options: Any) -> Imported:
    options.setdefault("default_owner", MANAGER)
    options.setdefault("now", deps.clock.now())
    return import_leads(deps, source=io.StringIO(text), **options)


def export(deps: Deps) -> str:
    out = io.StringIO()
    with deps.session_factory() as session:
        write_csv(session, what="leads", out=out)
    return out.getvalue()


def snapshot(deps: Deps) -> dict[str, Any]:
    """Everything an import could leave behind."""
    with deps.session_factory() as session:
        counts = {
            model.__name__: session.scalar(select(func.count()).select_from(model))
            for model in (Lead, LeadEvent, StageChange, Rep, Notification, Touchpoint)
        }
    return {"export": export(deps), **counts}


def events(deps: Deps, kind: str = "imported") -> list[LeadEvent]:
    with deps.session_factory() as session:
        query = select(LeadEvent).where(LeadEvent.kind == kind).order_by(LeadEvent.id)
        return list(session.scalars(query))


def seed_pipeline(deps: Deps) -> list[int]:
    """A pipeline with the kinds of leads an export carries: open, won, lost, touched, odd text."""
    ids = seed_leads(deps, ["Acme Corp", "Globex", "=SUM(A1)", "Ünïcödé GmbH"], owner=DANA,
                     value="12500.00", contact="Ann Lee", email="ann@acme.test")  # fmt: skip
    ids += seed_leads(deps, ["Initech", "Hooli"], owner=KENJI, stage="proposal", currency="EUR")
    flows.change_lead(deps, by=Actor(DANA), lead_id=ids[1], now=NOW,
                      change=flows.Close(Status.WON))  # fmt: skip
    flows.change_lead(deps, by=Actor(KENJI), lead_id=ids[4], now=NOW,
                      change=flows.Close(Status.LOST, "went with\n+a rival"))  # fmt: skip
    flows.log_touch(deps, by=Actor(DANA), lead_id=ids[0], kind="call", note="intro", now=NOW)
    return ids


@pytest.fixture
def quick(monkeypatch: pytest.MonkeyPatch) -> None:
    """Small batches and no pause between them, so a test sees several batches quickly."""
    for name in ("FIRST_BATCH", "MIN_BATCH", "MAX_BATCH"):
        monkeypatch.setattr(imports, name, 40)
    monkeypatch.setattr(imports, "SQLITE_GAP_SECONDS", 0.0)


def new_rows(count: int, *, owner: str = "UNEW00001") -> str:
    return "".join(f"Company {i},{owner},{i}.00\n" for i in range(count))


# --- ids: an export re-imported changes nothing, an edited one updates --------------------------


def test_reimporting_an_unchanged_export_changes_nothing(deps: Deps) -> None:
    seed_pipeline(deps)
    before = snapshot(deps)
    result = run(deps, before["export"])
    assert (result.created, result.updated, result.unchanged, result.errors) == (0, 0, 6, ())
    assert result.import_id is None  # nothing was written
    assert snapshot(deps) == before


def test_an_id_updates_that_lead_and_keeps_what_it_held(deps: Deps) -> None:
    acme, globex, *_ = seed_pipeline(deps)
    edited = export(deps).replace("Acme Corp,Ann Lee", "ACME Corporation,Ann Lee-Smith", 1)
    deps.clock.advance(timedelta(hours=1))
    result = run(deps, edited)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 5)
    with deps.session_factory() as session:
        lead = session.get(Lead, acme)
        assert lead is not None
        assert (lead.company, lead.company_key, lead.contact) == (
            "ACME Corporation", "acme corporation", "Ann Lee-Smith"
        )  # fmt: skip
        assert lead.updated_at == deps.clock.now() and lead.touch_count == 1
    [event] = events(deps)
    assert event.lead_id == acme and event.actor_id is None
    assert event.detail == {
        "import": result.import_id, "line": 2,
        "before": {"company": "Acme Corp", "company_key": "acme corp", "contact": "Ann Lee",
                   "updated_at": NOW.isoformat()},
    }  # fmt: skip


def test_a_changed_stage_and_outcome_are_applied(deps: Deps) -> None:
    acme, *_ = seed_pipeline(deps)
    text = f"id,company,stage,status\n{acme},Acme Corp,closing,won\n"
    deps.clock.advance(timedelta(days=1))
    assert run(deps, text).updated == 1
    with deps.session_factory() as session:
        lead = session.get(Lead, acme)
        assert lead is not None
        assert (lead.stage, lead.status) == ("closing", "won")
        assert lead.stage_changed_at == lead.closed_at == deps.clock.now()


def test_an_id_that_is_not_here_or_twice_is_a_line_and_nothing_is_written(deps: Deps) -> None:
    acme, *_ = seed_pipeline(deps)
    before = snapshot(deps)
    text = f"id,company\n{acme},Acme Corp\n999,Nowhere\n,Fresh Co\n{acme},Acme again\n"
    result = run(deps, text)
    assert [(e.line, e.message.split(";")[0]) for e in result.errors] == [
        (5, f"id {acme} is also on line 2")
    ]
    result = run(deps, text.rsplit(f"{acme},Acme again\n", 1)[0])
    assert [(e.line, e.message.split(";")[0]) for e in result.errors] == [
        (3, "there is no lead #999 here")
    ]
    assert snapshot(deps) == before


def test_no_update_refuses_rows_with_an_id(deps: Deps) -> None:
    seed_pipeline(deps)
    before = snapshot(deps)
    result = run(deps, before["export"], update=False)
    assert len(result.errors) == 6 and all("--no-update" in e.message for e in result.errors)
    assert snapshot(deps) == before
    assert run(deps, "company\nFresh Co\n", update=False).created == 1


def test_an_empty_database_takes_the_ids_over_and_numbers_new_leads_after_them(
    deps: Deps,
) -> None:
    text = "id,company,owner\n7,Acme,UREP00001\n3,Globex,UREP00001\n,Initech,UREP00001\n"
    result = run(deps, text)
    assert (result.created, result.errors) == (3, ())
    created = flows.create_lead(deps, by=Actor(DANA), now=NOW,
                                new=NewLead(company="Hooli", owner_id=DANA, stage="prospecting"))  # fmt: skip
    assert created.lead is not None
    with deps.session_factory() as session:
        names = dict(session.execute(select(Lead.company, Lead.id)).all())
    assert names["Acme"] == 7 and names["Globex"] == 3
    assert names["Initech"] == 8 and names["Hooli"] == 9
    assert run(
        deps, text.replace("Initech", "Initech Ltd").replace(",Initech Ltd", "8,Initech Ltd")
    )


def test_a_dry_run_counts_and_writes_nothing(deps: Deps) -> None:
    acme, *_ = seed_pipeline(deps)
    before = snapshot(deps)
    text = f"id,company,value\n{acme},Acme Corp,1.00\n,Fresh Co,2\n,Fresh Two,3\n"
    result = run(deps, text, dry_run=True)
    assert (result.created, result.updated, result.unchanged, result.import_id) == (2, 1, 0, None)
    assert snapshot(deps) == before


# --- what an import leaves in the history -----------------------------------------------------


def test_imported_rows_write_an_imported_event_and_message_no_one(deps: Deps) -> None:
    text = (
        "company,owner,status,closed_at\nAcme,UREP00002,open,\nGlobex,,won,2026-10-01T12:00:00Z\n"
    )
    result = run(deps, text)
    assert result.created == 2
    found = events(deps)
    assert [(e.detail["import"], e.detail["line"]) for e in found] == [
        (result.import_id, 2), (result.import_id, 3)
    ]  # fmt: skip
    with deps.session_factory() as session:
        globex = session.scalars(select(Lead).where(Lead.company == "Globex")).one()
        assert (globex.owner_id, globex.status) == (MANAGER, "won")
        assert globex.closed_at == datetime(2026, 10, 1, 12, tzinfo=UTC)
        assert session.scalar(select(func.count()).select_from(Notification)) == 0


def test_imported_leads_never_start_the_speed_to_lead_clock(deps: Deps) -> None:
    # Even from an inbound source, an imported row is history from elsewhere.
    run(deps, "company,owner,source\nImported Co,UREP00001,website\n")
    assert speed_to_lead.run(deps, NOW + timedelta(hours=5)) == 0
    # The same web lead typed in by a rep would have been chased.
    flows.create_lead(deps, by=Actor(DANA), now=NOW,
                      new=NewLead(company="Typed Co", owner_id=DANA, stage="prospecting",
                                  source="website"))  # fmt: skip
    assert speed_to_lead.run(deps, NOW + timedelta(hours=5)) > 0


# --- all or nothing ---------------------------------------------------------------------------


def test_a_failure_part_way_leaves_nothing_behind(
    deps: Deps, quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_pipeline(deps)
    before = snapshot(deps)
    lines = before["export"].splitlines()
    updates = "\n".join([lines[0]] + [line.replace("USD", "GBP") for line in lines[1:]]) + "\n"
    text = updates + "".join(
        f",Company {i},,,,{i}.00,USD,prospecting,open,UNEW00001,,,,,,0,,\n" for i in range(200)
    )
    written = importer.write_batch
    calls = []

    def fails_third_time(*args: Any, **kwargs: Any) -> importer.Batch:
        calls.append(1)
        if len(calls) == 3:
            raise OSError("disk I/O error")
        return written(*args, **kwargs)

    monkeypatch.setattr(importer, "write_batch", fails_third_time)
    deps.clock.advance(timedelta(minutes=5))
    with pytest.raises(ImportAborted) as aborted:
        run(deps, text)
    assert aborted.value.undone is not None and aborted.value.undone.kept == ()
    # Two batches of 40 went in: the 4 leads whose currency changed, then 76 new ones.
    assert (aborted.value.undone.restored, aborted.value.undone.removed) == (4, 76)
    assert "disk I/O error" in aborted.value.reason
    assert snapshot(deps) == before


def test_when_taking_back_fails_too_undo_finishes_it_later(
    deps: Deps, quick: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_pipeline(deps)
    before = snapshot(deps)
    written, undo = importer.write_batch, importer.undo_batch
    calls = []

    def fails_second_time(*args: Any, **kwargs: Any) -> importer.Batch:
        calls.append(1)
        if len(calls) == 2:
            raise ConnectionError("server closed the connection")
        return written(*args, **kwargs)

    def unreachable(*_args: Any, **_kwargs: Any) -> importer.UndoBatch:
        raise ConnectionError("server closed the connection")

    monkeypatch.setattr(importer, "write_batch", fails_second_time)
    monkeypatch.setattr(importer, "undo_batch", unreachable)
    with pytest.raises(ImportAborted) as aborted:
        run(deps, "company,owner,value\n" + new_rows(100))
    assert aborted.value.undone is None
    assert snapshot(deps)["Lead"] == before["Lead"] + 40  # the first batch is still there
    monkeypatch.setattr(importer, "undo_batch", undo)
    undone = undo_import(deps, import_id=aborted.value.import_id)
    assert (undone.found, undone.removed, undone.restored) == (True, 40, 0)
    assert snapshot(deps) == before


def test_undo_takes_an_import_back_but_keeps_leads_worked_on_since(deps: Deps, quick: None) -> None:
    acme, *_ = seed_pipeline(deps)
    before = snapshot(deps)
    text = before["export"].replace("12500.00", "99.00") + ",Fresh Co,,,,,,,,,,,,,,,,\n"
    text += ",Second Co,,,,,,,,,,,,,,,,\n"
    result = run(deps, text)
    assert (result.created, result.updated) == (2, 4)
    deps.clock.advance(timedelta(hours=1))
    with deps.session_factory() as session:
        fresh = session.scalars(select(Lead.id).where(Lead.company == "Fresh Co")).one()
    flows.log_touch(deps, by=Actor(MANAGER), lead_id=fresh, kind="call", note="hi",
                    now=deps.clock.now())  # fmt: skip
    flows.log_touch(deps, by=Actor(DANA), lead_id=acme, kind="email", note="re",
                    now=deps.clock.now())  # fmt: skip
    undone = undo_import(deps, import_id=result.import_id or "")
    assert (undone.removed, undone.restored, undone.kept) == (1, 3, tuple(sorted((acme, fresh))))
    with deps.session_factory() as session:
        values = dict(session.execute(select(Lead.company, Lead.value)).all())
    assert values["Globex"] == Decimal("12500.00") and values["Acme Corp"] == Decimal("99.00")
    assert "Second Co" not in values and "Fresh Co" in values
    assert undo_import(deps, import_id="no-such-import").found is False


# --- reps are never locked out ----------------------------------------------------------------


class Rep_:
    """A rep adding a lead every 20 ms, the way /lead does, timing each write."""

    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.stop = threading.Event()
        self.took: list[float] = []
        self.failures: list[Exception] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            began = time.perf_counter()
            try:
                flows.create_lead(self.deps, by=Actor(DANA), now=NOW, new=NewLead(
                    company=f"Walk-in {len(self.took)}", owner_id=DANA, stage="prospecting"))  # fmt: skip
            except Exception as exc:  # any failure is what this test is about
                self.failures.append(exc)
            self.took.append(time.perf_counter() - began)
            self.stop.wait(0.02)


def test_a_rep_can_add_leads_while_a_large_import_runs(deps: Deps) -> None:
    rows = 20_000
    text = "company,owner,value,stage,created_at\n" + "".join(
        f"Imported {i},UIMP{i % 7:05d},{i}.00,proposal,2026-01-01T00:00:00Z\n" for i in range(rows)
    )
    rep = Rep_(deps)
    rep.thread.start()
    began = time.perf_counter()
    result = run(deps, text)
    took = time.perf_counter() - began
    rep.stop.set()
    rep.thread.join()
    assert result.created == rows and rep.failures == []
    assert len(rep.took) >= 5, "the rep's writes did not overlap the import"
    assert max(rep.took) < 1.0, f"a /lead waited {max(rep.took):.2f}s during a {took:.1f}s import"
    with deps.session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Lead)) == rows + len(rep.took)


# --- batches sized by time ---------------------------------------------------------------------


def test_batches_are_sized_by_their_rate_of_writing_and_slow_commits_never_shrink_them_away(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = [100.0]
    monkeypatch.setattr(imports, "time", SimpleNamespace(monotonic=lambda: clock[0]))
    on_sqlite = SimpleNamespace(engine=SimpleNamespace(dialect=SimpleNamespace(name="sqlite")))
    pacer = imports._Pacer(on_sqlite)  # type: ignore[arg-type]
    assert pacer.size == imports.FIRST_BATCH == 500

    def batch(writing: float, committing: float) -> int:
        began = clock[0]
        clock[0] += writing
        wrote = clock[0]
        clock[0] += committing
        pacer.done(began, wrote=wrote, rows=pacer.size)
        return pacer.size

    # Slow writing: the next batch is what fits in the aim beside the commit.
    assert batch(0.4, 0.01) == int((imports.BATCH_SECONDS - 0.01) / (0.4 / 500))
    # Quick writing: it grows, but by half at most.
    assert batch(0.01, 0.01) == 237 * 3 // 2
    # Commits slower than the aim (a busy disk): writing gets as long as the commit, so batches
    # grow instead of shrinking until every few rows pay a commit.
    sizes = [batch(pacer.size * 0.0001, 0.5) for _ in range(4)]
    assert sizes == sorted(sizes) and sizes[-1] > 1000


def test_an_import_runs_with_the_cycle_collector_paused_and_restores_it(
    deps: Deps, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[bool] = []
    reading, writing = imports.import_rows.read_lead_rows, importer.write_batch

    def read(*args: Any, **kwargs: Any) -> Any:
        seen.append(gc.isenabled())
        return reading(*args, **kwargs)

    def write(*args: Any, **kwargs: Any) -> importer.Batch:
        seen.append(gc.isenabled())
        if len(seen) > 2:
            raise OSError("disk I/O error")
        return writing(*args, **kwargs)

    monkeypatch.setattr(imports.import_rows, "read_lead_rows", read)
    monkeypatch.setattr(importer, "write_batch", write)
    assert gc.isenabled()
    assert run(deps, "company,owner\nAcme,UREP00001\n").created == 1
    assert seen == [False, False] and gc.isenabled()
    with pytest.raises(ImportAborted):
        run(deps, "company,owner\nGlobex,UREP00001\n")
    assert seen == [False, False, False, False] and gc.isenabled()
