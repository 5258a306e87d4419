"""Importing leads from CSV: every row checked first, then written in short transactions, all or nothing.

SQLite has one writer at a time, and a rep's `/lead` waits at most its 5 s busy timeout for the
lock. So an import never holds the lock for long: it writes in transactions of about
`BATCH_SECONDS` each and, on SQLite, leaves the lock free between them for longer than SQLite's
busy handler ever sleeps, so a waiting writer always gets in. That gap is not idle: the next
batch is made ready in it (rows turned into the driver's parameters), so a transaction only
inserts. All or nothing is kept by
checking every row (against the database too) before the first write, and by taking back what
was written when a later batch fails: every lead an import adds or changes carries an
`imported` event with the import's id and what it held before, so the import can be undone
from the database alone, even after the process was killed (`pipebot import leads --undo ID`).
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from bot.collector import collection_paused
from bot.db import bulk_connection
from bot.deps import Deps
from bot.services import import_rows, importer
from bot.services.import_rows import NewRow, Row, RowError, UpdateRow
from bot.slack import people

logger = logging.getLogger("pipebot.import")

# Each write transaction aims at this long: short enough that a waiting writer is never held up
# for long, long enough that the commits do not dominate.
BATCH_SECONDS = 0.2
FIRST_BATCH, MIN_BATCH, MAX_BATCH = 500, 50, 20_000
# SQLite's busy handler sleeps at most 100 ms between tries; a longer gap lets every waiter in.
SQLITE_GAP_SECONDS = 0.12
CHECK_CHUNK = 5_000


@dataclass(frozen=True)
class Imported:
    """What an import did (or, on a dry run, would do), or the rows that stopped it."""

    import_id: str | None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: tuple[RowError, ...] = ()

    @property
    def rows(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class Undone:
    """What taking an import back did; `kept` are leads changed since, left as they are."""

    import_id: str
    found: bool
    removed: int = 0
    restored: int = 0
    kept: tuple[int, ...] = ()


class ImportAborted(Exception):
    """An import failed while writing; what it had written was taken back (unless `undone` is None)."""

    def __init__(self, reason: str, *, import_id: str, undone: Undone | None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.import_id = import_id
        self.undone = undone


class _Pacer:
    """Sizes transactions to about BATCH_SECONDS and, on SQLite, leaves the write lock free for
    SQLITE_GAP_SECONDS between them: work done meanwhile (readying the next batch) counts."""

    def __init__(self, deps: Deps) -> None:
        self.size = FIRST_BATCH
        self._gap = SQLITE_GAP_SECONDS if deps.engine.dialect.name == "sqlite" else 0.0
        self._released: float | None = None

    def wait(self) -> None:
        """Sleep out what is left of the gap since the last transaction."""
        if self._released is not None and self._gap:
            left = self._gap - (time.monotonic() - self._released)
            if left > 0:
                time.sleep(left)

    def done(self, began: float, *, wrote: float | None = None, rows: int = 0) -> None:
        """A transaction begun at `began` (when it had the write lock) has ended; when it wrote
        `rows` rows by `wrote` and then committed, the next one is sized by its rate of writing.
        """
        self._released = time.monotonic()
        took = max(self._released - began, 0.001)
        size = int(self.size * BATCH_SECONDS / took)
        if wrote is not None and rows:
            # A commit costs about the same however many rows it carries (on SQLite it copies
            # the log into the database): what it leaves of the aim goes to writing, but never
            # less than the commit itself, or slow commits would shrink batches to nothing and
            # be paid on every few rows.
            per_row = max(wrote - began, 0.001) / rows
            committing = self._released - wrote
            size = int(max(BATCH_SECONDS - committing, committing) / per_row)
        # Grown by half at most: one quick batch (the machine briefly idle) must not make the
        # next one hold the lock for several times as long.
        self.size = max(MIN_BATCH, min(MAX_BATCH, size, self.size * 3 // 2))

    @contextmanager
    def batch(self) -> Iterator[None]:
        self.wait()
        began = time.monotonic()
        try:
            yield
        finally:
            self.done(began)


def import_leads(
    deps: Deps,
    *,
    source: Iterable[str],
    default_owner: str,
    now: datetime,
    dry_run: bool = False,
    update: bool = True,
) -> Imported:
    """Import a lead CSV: rows with an id update that lead, rows without one add a lead.

    Nothing is written unless every row is good. Imports never message anyone and never start
    the speed-to-lead clock. Raises ImportAborted when writing fails part way; what was written
    is then taken back.
    """
    with collection_paused():
        return _import_leads(
            deps, source=source, default_owner=default_owner, now=now, dry_run=dry_run,
            update=update,
        )  # fmt: skip


def _import_leads(
    deps: Deps,
    *,
    source: Iterable[str],
    default_owner: str,
    now: datetime,
    dry_run: bool,
    update: bool,
) -> Imported:
    rows, errors = import_rows.read_lead_rows(
        source, pipeline=deps.pipeline, default_owner=default_owner, now=now, update=update,
        owner_lookup=owner_lookup(deps),
    )  # fmt: skip
    if errors:
        return Imported(None, errors=tuple(errors))
    rows, unchanged, errors = _check_updates(deps, rows, now=now, default_owner=default_owner)
    created = sum(isinstance(row, NewRow) for row in rows)
    if errors or dry_run:
        return Imported(None, created, len(rows) - created, unchanged, tuple(errors))
    if not rows:
        return Imported(None, unchanged=unchanged)
    # Leads keeping their numbers go in first, so no new number is handed out that one of them needs.
    rows.sort(key=lambda row: not (isinstance(row, NewRow) and "id" in row.values))
    import_id = f"{now:%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"
    logger.info(
        "import %s: writing %d leads; if it is interrupted, `pipebot import leads --undo %s` "
        "takes back what it wrote",
        import_id, len(rows), import_id,
    )  # fmt: skip
    try:
        done = _write(deps, rows, import_id=import_id, now=now)
    except BaseException as exc:
        undone = _take_back(deps, import_id=import_id, at=now)
        if not isinstance(exc, Exception):
            raise  # Ctrl-C or exit: taken back, and still stopping
        raise ImportAborted(_reason(exc), import_id=import_id, undone=undone) from exc
    return Imported(import_id, done.created, done.updated, unchanged + done.unchanged)


def owner_lookup(deps: Deps) -> import_rows.OwnerLookup | None:
    """Owners' emails to member IDs with `users.lookupByEmail`; None without a Slack client.

    Once Slack cannot be asked, the rest of the file is not asked either: each such row says why.
    """
    if deps.slack is None:
        return None
    lookup = people.email_lookup(deps.slack)
    failed: list[str] = []

    def resolve(email: str) -> str | None:
        if not failed:
            try:
                return lookup(email)
            except people.LookupFailed as exc:
                failed.append(str(exc))
        raise ValueError(f"{email}: Slack could not be asked for its member ({failed[0]})")

    return resolve


def _check_updates(
    deps: Deps, rows: list[Row], *, now: datetime, default_owner: str
) -> tuple[list[Row], int, list[RowError]]:
    """The rows to write, how many updates change nothing (dropped), and rows naming no lead here.

    Into a database without any lead (moving to a new one), rows keep their ids as new leads,
    so lead numbers stay the same.
    """
    updates = [row for row in rows if isinstance(row, UpdateRow)]
    if not updates:
        return rows, 0, []
    with deps.session_factory.begin() as session:
        empty = not importer.has_leads(session)
    if empty:
        return _keeping_ids(deps, rows, now=now, default_owner=default_owner)
    noops: set[int] = set()
    errors: list[RowError] = []
    pacer = _Pacer(deps)
    start = 0
    while start < len(updates):
        chunk = updates[start : start + CHECK_CHUNK]
        with pacer.batch(), deps.session_factory.begin() as session:
            current = importer.current_leads(session, lead_ids=[row.lead_id for row in chunk])
        for row in chunk:
            state = current.get(row.lead_id)
            if state is None:
                errors.append(RowError(row.line, f"there is no lead #{row.lead_id} here; empty "
                                                 "the id cell to add it as a new lead"))  # fmt: skip
                continue
            try:
                if not import_rows.planned_changes(row.fields, state, now=now):
                    noops.add(row.line)
            except ValueError as exc:
                errors.append(RowError(row.line, str(exc)))
        start += len(chunk)
    errors.sort(key=lambda error: error.line)
    return [row for row in rows if row.line not in noops], len(noops), errors


def _keeping_ids(
    deps: Deps, rows: list[Row], *, now: datetime, default_owner: str
) -> tuple[list[Row], int, list[RowError]]:
    kept: list[Row] = []
    errors: list[RowError] = []
    for row in rows:
        if isinstance(row, NewRow):
            kept.append(row)
            continue
        try:
            values = import_rows.new_lead_values(
                row.fields, pipeline=deps.pipeline, default_owner=default_owner, now=now
            )
            kept.append(NewRow(row.line, {"id": import_rows.keepable_id(row.lead_id), **values}))
        except ValueError as exc:
            errors.append(RowError(row.line, str(exc)))
    return kept, 0, errors


def _write(deps: Deps, rows: list[Row], *, import_id: str, now: datetime) -> importer.Batch:
    owners = {row.values["owner_id"] for row in rows if isinstance(row, NewRow)} | {
        row.fields["owner_id"] for row in rows
        if isinstance(row, UpdateRow) and row.fields.get("owner_id")
    }  # fmt: skip
    created = updated = unchanged = 0
    dialect = deps.engine.dialect
    pacer = _Pacer(deps)
    start = 0
    with bulk_connection(deps.engine) as connection:
        while start < len(rows):
            chunk = rows[start : start + pacer.size]
            # Outside any transaction, so that the write lock is held only to write.
            ready = importer.ready_batch(dialect, rows=chunk, import_id=import_id, now=now)
            pacer.wait()
            with connection.begin(), deps.session_factory(bind=connection) as session:
                began = time.monotonic()  # BEGIN IMMEDIATE has the write lock
                if start == 0:
                    importer.add_missing_reps(
                        session, user_ids=owners, managers=deps.config.managers, now=now
                    )
                batch = importer.write_batch(
                    session, rows=chunk, import_id=import_id, now=now, ready=ready
                )
                wrote = time.monotonic()
            pacer.done(began, wrote=wrote, rows=len(chunk))
            created, updated = created + batch.created, updated + batch.updated
            unchanged += batch.unchanged
            start += len(chunk)
    return importer.Batch(created, updated, unchanged)


def undo_import(deps: Deps, *, import_id: str) -> Undone:
    """Take an import back: remove the leads it added and restore the ones it changed.

    Leads someone has worked on since are kept as they are and listed.
    """
    return _undo(deps, import_id=import_id, at=None)


def _take_back(deps: Deps, *, import_id: str, at: datetime) -> Undone | None:
    try:
        undone = _undo(deps, import_id=import_id, at=at)
    except Exception:
        logger.exception("import %s: could not take back what it wrote", import_id)
        return None
    logger.info(
        "import %s failed and was taken back: %d leads removed, %d restored, %d kept",
        import_id, undone.removed, undone.restored, len(undone.kept),
    )  # fmt: skip
    return undone


def _undo(deps: Deps, *, import_id: str, at: datetime | None) -> Undone:
    removed = restored = 0
    kept: list[int] = []
    last_event = 0
    pacer = _Pacer(deps)
    while True:
        with pacer.batch(), deps.session_factory.begin() as session:
            batch = importer.undo_batch(
                session, import_id=import_id, after_event=last_event, limit=pacer.size
            )
        if batch.at is None:
            break
        at = batch.at
        removed, restored = removed + batch.removed, restored + batch.restored
        kept.extend(batch.kept)
        last_event = batch.last_event
    if at is not None:
        with deps.session_factory.begin() as session:
            importer.remove_unused_reps(session, created_at=at)
    return Undone(import_id, at is not None, removed, restored, tuple(kept))


def _reason(exc: Exception) -> str:
    if isinstance(exc, importer.ImportConflict):
        return str(exc)
    # A database error's message can be long and carry SQL; its first line says what happened.
    text = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
