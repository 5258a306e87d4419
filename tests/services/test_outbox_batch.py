"""`enqueue_many`: many messages recorded in few statements, each key still recorded exactly once."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Notification
from bot.services import outbox
from bot.services.outbox import PRIORITY_DIRECT, Outgoing, enqueue, enqueue_many, wake_after_commit
from bot.slack.kit import SlackMessage
from tests.seeding import StatementCounter


def _rows(deps) -> dict[str, Notification]:
    with deps.session_factory() as session:
        return {row.idempotency_key: row for row in session.scalars(select(Notification))}


def _message(text: str) -> SlackMessage:
    return SlackMessage(
        text, blocks=[{"type": "section", "text": {"type": "mrkdwn", "text": text}}]
    )


def test_each_message_is_recorded_as_enqueue_records_it(deps):
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        assert enqueue(
            session,
            key="one:U1",
            kind="plan",
            recipient="U1",
            message=_message("a"),
            now=now,
            priority=PRIORITY_DIRECT,
        )
        added = enqueue_many(
            session,
            [Outgoing("many:U1", "U1", _message("a")), Outgoing("many:U2", "U2", _message("b"))],
            kind="plan",
            now=now,
            priority=PRIORITY_DIRECT,
        )

    assert added == {"many:U1", "many:U2"}
    rows = _rows(deps)

    def stored(row: Notification) -> tuple[object, ...]:
        return (
            row.kind,
            row.recipient,
            row.priority,
            row.payload,
            row.status,
            row.attempts,
            row.not_before,
            row.created_at,
            row.lease_owner,
            row.sent_at,
        )

    assert stored(rows["many:U1"]) == stored(rows["one:U1"])
    assert rows["many:U2"].payload == _message("b").payload()


def test_a_key_already_recorded_or_given_twice_is_recorded_once(deps):
    now = deps.clock.now()
    with deps.session_factory.begin() as session:
        enqueue(session, key="k:1", kind="plan", recipient="U1", message=_message("first"), now=now)
    with deps.session_factory.begin() as session:
        added = enqueue_many(
            session,
            [
                Outgoing("k:1", "U1", _message("again")),
                Outgoing("k:2", "U2", _message("second")),
                Outgoing("k:2", "U2", _message("second, twice")),
            ],
            kind="plan",
            now=now,
        )
    with deps.session_factory.begin() as session:
        again = enqueue_many(
            session, [Outgoing("k:2", "U2", _message("later"))], kind="plan", now=now
        )

    assert added == {"k:2"} and again == set()
    rows = _rows(deps)
    assert sorted(rows) == ["k:1", "k:2"]
    assert rows["k:1"].payload["text"] == "first"
    assert rows["k:2"].payload["text"] == "second"


def test_a_long_key_is_stored_cut_and_returned_as_given(deps):
    key = "plan:" + "x" * 300
    with deps.session_factory.begin() as session:
        added = enqueue_many(
            session, [Outgoing(key, "U1", _message("a"))], kind="plan", now=deps.clock.now()
        )
    assert added == {key}
    assert list(_rows(deps)) == [key[:255]]


def test_many_messages_take_one_insert_per_chunk(deps, engine, monkeypatch):
    monkeypatch.setattr(outbox, "ENQUEUE_CHUNK", 40)
    outgoing = [Outgoing(f"bulk:{n:03d}", f"U{n:03d}", _message(f"m{n}")) for n in range(101)]
    with StatementCounter(engine) as counter, deps.session_factory.begin() as session:
        added = enqueue_many(session, outgoing, kind="plan", now=deps.clock.now())

    assert added == {item.key for item in outgoing}
    assert counter.count("INSERT") == 3
    assert len(_rows(deps)) == 101


def test_nothing_given_runs_nothing(deps, engine):
    with StatementCounter(engine) as counter, deps.session_factory.begin() as session:
        assert enqueue_many(session, [], kind="plan", now=deps.clock.now()) == set()
    assert counter.count("INSERT") == 0


def test_the_sender_wakes_once_per_commit_that_added_something(deps):
    woken: list[int] = []
    wake_after_commit(deps.session_factory, lambda: woken.append(1))
    now = deps.clock.now()
    outgoing = [Outgoing(f"w:{n}", "U1", _message("a")) for n in range(3)]
    with deps.session_factory.begin() as session:
        enqueue_many(session, outgoing, kind="plan", now=now)
    assert woken == [1]
    with deps.session_factory.begin() as session:
        assert enqueue_many(session, outgoing, kind="plan", now=now) == set()
    assert woken == [1]


def test_a_rolled_back_batch_leaves_no_message(deps):
    try:
        with deps.session_factory.begin() as session:
            enqueue_many(
                session,
                [Outgoing("gone:1", "U1", _message("a"))],
                kind="plan",
                now=deps.clock.now(),
            )
            raise RuntimeError("the transaction fails after the insert")
    except RuntimeError:
        pass
    assert _rows(deps) == {}


def test_a_payload_is_stored_as_compact_json_that_keeps_non_ascii_text(deps):
    import json

    from sqlalchemy import LargeBinary, type_coerce

    from bot.stored_json import packed_text

    message = SlackMessage(
        "Ünïcode — “quotes” & <tags>", blocks=[{"type": "section", "b": [1, 2.5, None, True]}]
    )
    with deps.session_factory.begin() as session:
        enqueue_many(
            session, [Outgoing("text:U1", "U1", message)], kind="plan", now=deps.clock.now()
        )
    with deps.session_factory() as session:
        stored = session.scalar(select(type_coerce(Notification.payload, LargeBinary())))
    assert packed_text(stored) == json.dumps(
        message.payload(), ensure_ascii=False, separators=(",", ":")
    )
