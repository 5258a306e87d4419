"""JSON as the database keeps it: the text every JSON column is written as, and the outbox's
messages, which are kept compressed.

JSON columns are written by orjson: a job's tick stores megabytes of messages, and orjson writes
them four times faster than `json.dumps`. The text is compact, keeps non-ASCII as it is and keeps
each object's key order: exactly `json.dumps(value, ensure_ascii=False, separators=(",", ":"))`,
the form a message is pinned in and Slack receives. Whatever orjson refuses or would write
differently (integers beyond 64 bits, non-string keys, subclasses of str, int, dict or list such
as enums, dataclasses, datetimes) goes to that same `json.dumps`, so it is stored, or refused, as
before. Where the two still differ, orjson writes JSON that reads back the same: a float's
exponent without its leading zero (1e-7, not 1e-07), NaN and infinities as null (`json.dumps`
wrote tokens that are not JSON, which PostgreSQL refused), and a plain enum as its value
(`json.dumps` refused it).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Any

import orjson
import zstandard
from sqlalchemy import LargeBinary, TypeDecorator

_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)
_json_slowly = json.JSONEncoder(check_circular=False, ensure_ascii=False, separators=(",", ":"))


def json_text(value: Any) -> str:
    """A JSON column's text (SQLite stores what it is given, so it must be text)."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS).decode()
    except orjson.JSONEncodeError:
        return _json_slowly.encode(value)


def json_bytes(value: Any) -> bytes | str:
    """A JSON column's UTF-8 text: psycopg sends bytes as they are, and would encode a str."""
    try:
        return orjson.dumps(value, option=_ORJSON_OPTIONS)
    except orjson.JSONEncodeError:
        return _json_slowly.encode(value)


# Zstandard's level 1: a morning plan's 54 kB of JSON is 3.5 kB, in about 45 µs (its faster,
# negative levels saved 15% of that for 20-130% more bytes).
PACK_LEVEL = 1
# How every compressed value starts (a Zstandard frame); JSON text never starts with this byte.
_FRAME_MAGIC = b"\x28\xb5\x2f\xfd"
# A compressor or decompressor is used by one thread at a time.
_codecs = threading.local()


def pack_json(value: Any) -> bytes:
    """`value`'s JSON text, compressed."""
    text = json_bytes(value)
    compressor = getattr(_codecs, "compressor", None)
    if compressor is None:
        compressor = _codecs.compressor = zstandard.ZstdCompressor(level=PACK_LEVEL)
    return compressor.compress(text.encode() if isinstance(text, str) else text)


@dataclass(frozen=True, slots=True)
class Packed:
    """A value packed ahead of its INSERT (`pack_json`), which a `PackedJSON` column stores as is.

    A tick packs each message as soon as it is built: then its hundred kilobytes of dicts and
    strings are still in the processor's cache, where serialising them at the INSERT, a batch of
    250 messages later, cost three times as much.
    """

    data: bytes

    @classmethod
    def of(cls, value: Any) -> Packed:
        return cls(pack_json(value))


def packed_text(stored: bytes | memoryview | str) -> str:
    """The JSON text a packed column holds: decompressed, or as it was stored before packing."""
    if isinstance(stored, str):
        return stored
    data = bytes(stored)
    if data.startswith(_FRAME_MAGIC):
        decompressor = getattr(_codecs, "decompressor", None)
        if decompressor is None:
            decompressor = _codecs.decompressor = zstandard.ZstdDecompressor()
        data = decompressor.decompress(data)
    return data.decode()


def unpack_json(stored: bytes | memoryview | str) -> Any:
    """What `pack_json` was given (JSON-wise): a packed value, or JSON text stored before packing."""
    # `json.loads`, as the JSON columns read: orjson reads integers beyond 64 bits as floats.
    return json.loads(packed_text(stored))


class PackedJSON(TypeDecorator[Any]):
    """A JSON document stored as its compact text (`json_text`), compressed with Zstandard.

    For the outbox's messages: a morning plan is 54 kB of Block Kit that repeats itself from row
    to row, and a tick queues 5,000 of them. Stored as text, writing those 270 MB was a fifth of
    the tick: SQLite wrote each page twice (its log, then the checkpoint) and PostgreSQL parsed
    every message as JSON and compressed it again. Compressed they are 18 MB.

    Rows stored before the column was packed hold the plain text, and read back the same.
    """

    impl = LargeBinary
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Any) -> bytes | None:
        if value is None:
            return None
        return value.data if isinstance(value, Packed) else pack_json(value)

    def process_result_value(self, value: Any, dialect: Any) -> Any:
        return None if value is None else unpack_json(value)
