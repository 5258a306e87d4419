"""JSON columns' text: compact, non-ASCII kept, keys in order, whatever writes it."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import LargeBinary, select, type_coerce

from bot.models import Notification
from bot.services.outbox import Outgoing, enqueue_many
from bot.slack.kit import SlackMessage
from bot.stored_json import Packed, pack_json, packed_text, unpack_json
from bot.stored_json import json_bytes as _to_json_bytes
from bot.stored_json import json_text as _to_json
from tests.jobs.layouts import as_json, cases


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class _Colour(enum.Enum):
    RED = "red"


class _Size(enum.StrEnum):
    BIG = "big"


class _Rank(enum.IntEnum):
    FIRST = 1


@dataclasses.dataclass
class _Point:
    x: int


AWKWARD: list[Any] = [
    "Ünïcode — “quotes” & <tags> 日本語",
    "emoji 👍🏽 and a flag 🇧🇷",
    "".join(chr(code) for code in range(0x20)) + "\x7f\u2028\u2029",
    'quotes " and backslashes \\ and slashes /',
    {"z": 1, "a": 2, "m": {"y": [], "b": {}}},
    [0, -1, 2**63 - 1, -(2**63), 2**64, -(2**64) - 1, 10**30],
    [0.0, -0.0, 1.5, 1e16, 1e-4, 123456789.123456789, 2.5e300],
    [True, False, None, (1, "two")],
    {1: "int key", 2.5: "float key", False: "bool key", None: "none key"},
    [_Size.BIG, _Rank.FIRST, {"nested": _Size.BIG}],
    {"sub": type("Sub", (dict,), {})(a=1)},
]


@pytest.mark.parametrize("name", sorted(cases()))
def test_a_job_message_is_stored_as_its_pinned_json(name: str) -> None:
    message = cases()[name]()
    assert _to_json(message.payload()) == as_json(message)
    assert _to_json_bytes(message.payload()) == as_json(message).encode()


@pytest.mark.parametrize("value", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_values_are_written_as_compact_json_dumps_writes_them(value: Any) -> None:
    assert _to_json(value) == _compact(value)
    written = _to_json_bytes(value)
    assert (written.decode() if isinstance(written, bytes) else written) == _compact(value)


@pytest.mark.parametrize(
    "value",
    [Decimal("1.5"), datetime(2026, 11, 30, tzinfo=UTC), _Point(1), {1, 2}, b"x"],
    ids=["decimal", "datetime", "dataclass", "set", "bytes"],
)
def test_values_json_dumps_refuses_are_still_refused(value: Any) -> None:
    with pytest.raises(TypeError):
        _compact(value)
    with pytest.raises(TypeError):
        _to_json({"value": value})
    with pytest.raises(TypeError):
        _to_json_bytes({"value": value})


def test_a_lone_surrogate_is_refused_as_before() -> None:
    with pytest.raises(UnicodeEncodeError):
        _to_json("\ud800").encode()


def test_where_orjson_writes_differently_it_writes_json_that_reads_back_the_same() -> None:
    assert _to_json([float("nan"), float("inf"), -float("inf")]) == "[null,null,null]"
    assert _to_json([1e-7, 2.5e-300]) == "[1e-7,2.5e-300]"
    assert json.loads(_to_json([1e-7, 2.5e-300])) == [1e-7, 2.5e-300]
    assert _to_json({"colour": _Colour.RED}) == '{"colour":"red"}'


def test_the_stored_text_is_the_pinned_json_on_each_database(deps) -> None:
    """Messages are stored compressed; what they unpack to is the pinned JSON, byte for byte."""
    names = ["plan-60-61", "overdue-24-25", "stale-5-6", "cleanup-250-251"]
    messages = {name: cases()[name]() for name in names}
    awkward = SlackMessage(AWKWARD[0] + AWKWARD[1] + AWKWARD[2], blocks=[{"b": AWKWARD[5]}])
    messages["awkward"] = awkward
    with deps.session_factory.begin() as session:
        enqueue_many(
            session,
            [Outgoing(name, "U1", message) for name, message in messages.items()],
            kind="plan",
            now=deps.clock.now(),
        )
    with deps.session_factory() as session:
        rows = session.execute(
            select(
                Notification.idempotency_key,
                type_coerce(Notification.payload, LargeBinary()),
                Notification.payload,
            )
        ).all()
    assert {key: packed_text(stored) for key, stored, _ in rows} == {
        name: as_json(message) for name, message in messages.items()
    }
    assert {key: payload for key, _, payload in rows} == {
        name: json.loads(as_json(message)) for name, message in messages.items()
    }
    for key, stored, _ in rows:
        assert bytes(stored).startswith(b"\x28\xb5\x2f\xfd"), key
    plan = next(bytes(stored) for key, stored, _ in rows if key == "plan-60-61")
    assert len(plan) * 5 < len(as_json(messages["plan-60-61"]).encode())


@pytest.mark.parametrize("value", AWKWARD[:9], ids=range(9))
def test_a_packed_value_unpacks_to_what_its_json_text_reads_as(value: Any) -> None:
    packed = pack_json(value)
    assert packed_text(packed) == _compact(value)
    assert unpack_json(packed) == json.loads(_compact(value))


def test_json_text_stored_before_packing_reads_back_as_it_is() -> None:
    text = _compact({"text": AWKWARD[0], "n": [2**64, -1]})
    for stored in (text, text.encode(), memoryview(text.encode())):
        assert packed_text(stored) == text
        assert unpack_json(stored) == json.loads(text)


def test_what_json_dumps_refuses_is_refused_before_anything_is_packed() -> None:
    with pytest.raises(TypeError):
        pack_json({"when": datetime(2026, 11, 30, tzinfo=UTC)})
    with pytest.raises(UnicodeEncodeError):
        pack_json({"text": "\ud800"})


def test_a_message_packed_ahead_is_stored_as_the_column_would_pack_it(deps) -> None:
    message = cases()["plan-60-61"]()
    with deps.session_factory.begin() as session:
        enqueue_many(
            session,
            [
                Outgoing("ahead", "U1", message, Packed.of(message.payload())),
                Outgoing("at-insert", "U1", message),
            ],
            kind="plan",
            now=deps.clock.now(),
        )
    with deps.session_factory() as session:
        rows = session.execute(
            select(Notification.idempotency_key, type_coerce(Notification.payload, LargeBinary()))
        )
        stored = {key: value for key, value in rows}
    assert bytes(stored["ahead"]) == bytes(stored["at-insert"])
    assert packed_text(stored["ahead"]) == as_json(message)
