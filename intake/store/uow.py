"""The unit of work: one transaction that collects the rows of several intake decisions and
writes them with one flush.

A batch of fetched mails (or a single Slack request) is applied inside one :class:`UnitOfWork`:

* ids of new tickets and inbound rows are **reserved** ahead (:class:`ReservedIds`), so a ticket
  and every row that refers to it are written by the same flush (no INSERT-then-UPDATE of the
  token, one executemany per table instead of an ``INSERT ... RETURNING`` each);
* rows that need the flush first (the redaction log's hash chain) are queued with
  :meth:`UnitOfWork.after_flush`;
* automatic replies are taken from each sender's budget in memory (:class:`ReplyBudgets`): the
  sender's row is claimed once per unit of work and written back once at the flush, instead of
  one conditional UPDATE per mail;
* Message-IDs recorded by this unit of work are remembered, so a second copy later in the same
  batch is recognised before the flush.

Callers own nothing of this bookkeeping: they ``apply`` decisions to the unit and leave the
``with`` block (house style rule 7: every side effect in the transaction of its state change).
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, text, tuple_, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from intake.store.models import AutoReply, Base

__all__ = ["ReplyBudgets", "ReservedIds", "UnitOfWork"]


class ReservedIds:
    """Ids of ``table`` taken before their INSERT.

    PostgreSQL: ``nextval`` of the id sequence, ``expected`` at a time (unused values are gaps, as
    after any rollback). SQLite: the writing transaction holds the write lock from BEGIN (``BEGIN
    IMMEDIATE``, see ``intake/store/db.py``), so ``max(id) + 1`` onwards is ours until it commits,
    which is how SQLite picks a rowid anyway.
    """

    def __init__(self, session: Session, table: str, expected: int = 1) -> None:
        self.session = session
        self.table = table
        self.expected = max(expected, 1)
        self._ids: list[int] = []
        self._next: int | None = None

    _sequences: dict[tuple[str, str], str] = {}  # (database url, table) -> its id sequence

    def take(self) -> int:
        conn = self.session.connection()
        if conn.dialect.name == "postgresql":
            if not self._ids:
                key = (str(conn.engine.url), self.table)
                seq = self._sequences.get(key)
                if seq is None:
                    seq = self._sequences[key] = str(conn.scalar(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                                                 {"t": self.table}))
                self._ids = list(conn.scalars(text("SELECT nextval(:seq) FROM generate_series(1, :n)"),
                                              {"seq": seq, "n": self.expected}))
            return self._ids.pop(0)
        if self._next is None:
            id_col = Base.metadata.tables[self.table].c.id
            self._next = int(conn.scalar(select(func.max(id_col))) or 0) + 1
        taken, self._next = self._next, self._next + 1
        return taken


_AUTO_REPLIES = cast(Table, AutoReply.__table__)
_AR = _AUTO_REPLIES.c
# Taking a sender's row: a no-op UPDATE that returns it and holds its row lock until commit
# (PostgreSQL; SQLite's writer already holds the database lock), so a second worker waits for our
# commit and then sees what we spent: claim, don't read-then-write.
_TAKE = (update(_AUTO_REPLIES)
         .where(_AR.address == bindparam("b_address"), _AR.kind == bindparam("b_kind"))
         .values(count=_AR.count)
         .returning(_AR.count, _AR.last_sent_at))
_WRITE = (update(_AUTO_REPLIES)
          .where(_AR.address == bindparam("b_address"), _AR.kind == bindparam("b_kind"))
          .values(count=bindparam("b_count"), last_sent_at=bindparam("b_last")))


@dataclass
class _Budget:
    count: int
    last_sent_at: dt.datetime
    changed: bool = False


class ReplyBudgets:
    """Automatic replies per sender: ``limit`` per ``window`` since the last one (RFC 3834 §2: don't
    answer the same sender repeatedly). A continuous loop never resets its window.

    Each (address, kind) is claimed once per unit of work (its row created if missing, then taken
    with an UPDATE that holds it until commit) and spent in memory; :meth:`write` puts the new
    counts back with one executemany."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._rows: dict[tuple[str, str], _Budget] = {}

    def prime(self, wanted: Iterable[tuple[str, str]], *, now: dt.datetime, window: dt.timedelta) -> None:
        """Claim the rows of every (address, kind) a batch will probably spend, with two statements
        (create the missing ones, then take them all); one not primed is claimed when first spent."""
        keys = sorted({(a.strip().lower()[:320], k) for a, k in wanted} - set(self._rows))
        if not keys:
            return
        conn = self.session.connection()
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        expired = now - window - dt.timedelta(seconds=1)
        conn.execute(insert(_AUTO_REPLIES).values([{"address": a, "kind": k, "count": 0, "last_sent_at": expired}
                                                   for a, k in keys])
                     .on_conflict_do_nothing(index_elements=["address", "kind"]))
        taken = conn.execute(update(_AUTO_REPLIES).where(tuple_(_AR.address, _AR.kind).in_(keys))
                             .values(count=_AR.count).returning(_AR.address, _AR.kind, _AR.count, _AR.last_sent_at))
        for address, kind, count, last in taken:
            self._rows[(address, kind)] = _Budget(int(count), last)

    def _row(self, address: str, kind: str, now: dt.datetime, window: dt.timedelta) -> _Budget:
        key = (address, kind)
        row = self._rows.get(key)
        if row is not None:
            return row
        conn = self.session.connection()
        insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
        params = {"b_address": address, "b_kind": kind}
        got = conn.execute(_TAKE, params).first()
        if got is None:
            # A new sender: a row whose window has long expired, then taken like any other.
            conn.execute(insert(_AUTO_REPLIES).values(address=address, kind=kind, count=0,
                                                      last_sent_at=now - window - dt.timedelta(seconds=1))
                         .on_conflict_do_nothing(index_elements=["address", "kind"]))
            got = conn.execute(_TAKE, params).first()
            assert got is not None, "auto_replies row vanished inside our transaction"
        row = self._rows[key] = _Budget(int(got[0]), got[1])
        return row

    def claim(self, address: str, kind: str, *, now: dt.datetime, window: dt.timedelta, limit: int) -> bool:
        """Take one reply to ``address`` from its budget; False when it is spent."""
        address = address.strip().lower()[:320]
        row = self._row(address, kind, now, window)
        if row.last_sent_at > now - window:
            if row.count >= limit:
                return False
            row.count += 1
        else:
            row.count = 1
        row.last_sent_at = now
        row.changed = True
        return True

    def write(self) -> None:
        changed = [{"b_address": a, "b_kind": k, "b_count": r.count, "b_last": r.last_sent_at}
                   for (a, k), r in self._rows.items() if r.changed]
        if changed:
            self.session.connection().execute(_WRITE, changed)
        for r in self._rows.values():
            r.changed = False


class UnitOfWork:
    """One transaction's worth of intake: reserved ids, rows queued for after the flush, reply
    budgets and the Message-IDs recorded so far. :meth:`flush` writes it all; :meth:`begin`
    opens the transaction and flushes before the commit."""

    def __init__(self, session: Session, *, expected: int = 1) -> None:
        self.session = session
        self.expected = max(expected, 1)
        self.budgets = ReplyBudgets(session)
        self.message_ids: dict[str, tuple[int, str]] = {}  # recorded here: Message-ID -> (inbound id, outcome)
        self._ids: dict[str, ReservedIds] = {}
        self._after_flush: list[Callable[[], object]] = []
        self._after_commit: list[Callable[[], object]] = []
        self._collected: dict[str, list[Any]] = {}

    @classmethod
    @contextlib.contextmanager
    def begin(cls, factory: sessionmaker[Session], *, expected: int = 1) -> Iterator[UnitOfWork]:
        """A new session and transaction: flushed and committed on success, rolled back on any error."""
        with factory() as session, session.begin():
            uow = cls(session, expected=expected)
            yield uow
            uow.flush()
        for done in uow._after_commit:
            done()

    def reserve(self, table: str) -> int:
        """An id for a new row of ``table`` (``tickets``, ``inbound_messages``)."""
        ids = self._ids.get(table)
        if ids is None:
            ids = self._ids[table] = ReservedIds(self.session, table, self.expected)
        return ids.take()

    def after_flush(self, work: Callable[[], object]) -> None:
        """Run ``work`` in this transaction right after the rows are flushed (work that flushes
        itself, like the redaction log's hash chain, would otherwise split the batch's flush)."""
        self._after_flush.append(work)

    def collect(self, name: str, item: Any, write: Callable[[list[Any]], object]) -> None:
        """Queue ``item``; right after the flush, ``write`` gets every item queued under ``name``
        (in order) at once: e.g. the batch's redaction log entries, chained with one lock."""
        items = self._collected.get(name)
        if items is None:
            items = self._collected[name] = []
            self.after_flush(lambda: write(self._collected.pop(name)))
        items.append(item)

    def after_commit(self, work: Callable[[], object]) -> None:
        """Run ``work`` once the transaction committed (log lines about what is now durable)."""
        self._after_commit.append(work)

    def execute(self, statement: Any, params: Any = None) -> None:
        """A statement of this transaction (e.g. bookkeeping folded in from elsewhere)."""
        self.session.connection().execute(statement, params)

    def flush(self) -> None:
        self.session.flush()
        work, self._after_flush = self._after_flush, []
        for item in work:
            item()
        self.budgets.write()
        self.session.flush()
