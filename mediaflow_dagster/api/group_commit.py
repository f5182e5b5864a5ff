"""Group commit for the callback intake: deliveries that arrive together are stored together.

A transaction per delivery costs its statements and its commit, and the commit is what bounds a
burst: an fsync on PostgreSQL (about 2 ms on this project's machines), the database's one write
lock on SQLite. Here writer threads take every delivery waiting when they are free, up to
`MAX_BATCH`, and store them in one transaction (`store_deliveries`: a few statements for the
whole batch); a delivery is answered only once its batch committed. Nothing waits on a timer: a
delivery that finds a writer idle is written at once, alone; under load the batches grow by
themselves with what arrived during the previous commit.

SQLite takes one writer at a time, so it gets one writer thread (a second would only wait for the
lock); PostgreSQL gets `POSTGRES_WRITERS`, whose commits overlap. A batch that fails is written
again one delivery at a time, so that one delivery the database refuses fails alone. Writer
threads start on demand and end after `IDLE_SECONDS` without work (an app needs no start-up
hook).
"""

from __future__ import annotations

import asyncio
import threading
from collections import deque
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass

from sqlalchemy import Connection, Engine

from mediaflow_dagster.cms.database import begin_writing
from mediaflow_dagster.cms.intake import Delivery, Stored, store_deliveries

MAX_BATCH = 200
POSTGRES_WRITERS = 2
IDLE_SECONDS = 10.0


@dataclass(frozen=True)
class _Ticket:
    delivery: Delivery
    future: asyncio.Future
    loop: asyncio.AbstractEventLoop


class GroupCommit:
    """Stores deliveries in the inbox of `engine`, batched; `store` answers once committed."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._most_writers = 1 if engine.dialect.name == "sqlite" else POSTGRES_WRITERS
        self._writers = 0
        self._idle = 0
        self._waiting: deque[_Ticket] = deque()
        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)

    async def store(self, delivery: Delivery) -> Stored:
        """What became of `delivery`, once it is committed; the database's error when its
        transaction failed (then nothing of it was kept)."""
        loop = asyncio.get_running_loop()
        ticket = _Ticket(delivery, loop.create_future(), loop)
        with self._lock:
            self._waiting.append(ticket)
            if self._idle:
                self._work.notify()
            elif self._writers < self._most_writers:
                self._writers += 1
                threading.Thread(target=self._write, name="intake-writer", daemon=True).start()
        return await ticket.future

    def _write(self) -> None:
        """A writer thread: batch after batch on a connection of its own (no checkout, no
        ping per batch), replaced after a failure."""
        connection: Connection | None = None
        try:
            while batch := self._next_batch():
                connection = connection or self._engine.connect()
                if not self._settle(connection, batch):
                    connection.close()
                    connection = None
        finally:
            if connection is not None:
                connection.close()

    def _next_batch(self) -> list[_Ticket]:
        """The deliveries waiting, up to `MAX_BATCH`; empty when none came for `IDLE_SECONDS`
        (the thread then ends)."""
        with self._lock:
            self._idle += 1
            while not self._waiting:
                if not self._work.wait(IDLE_SECONDS) and not self._waiting:
                    self._idle -= 1
                    self._writers -= 1
                    return []
            self._idle -= 1
            return [self._waiting.popleft() for _ in range(min(MAX_BATCH, len(self._waiting)))]

    def _settle(self, connection: Connection, batch: list[_Ticket]) -> bool:
        """Store the batch and answer its deliveries; False when a transaction failed."""
        try:
            results: Sequence[Stored | Exception] = _transaction(
                connection, [ticket.delivery for ticket in batch]
            )
            settled = True
        except Exception as error:
            if len(batch) > 1:
                return all([self._settle(connection, [ticket]) for ticket in batch])
            results, settled = [error], False
        answers: dict[asyncio.AbstractEventLoop, list] = {}
        for ticket, result in zip(batch, results, strict=True):
            answers.setdefault(ticket.loop, []).append((ticket.future, result))
        for loop, pairs in answers.items():
            # A closed loop raises RuntimeError: nobody waits for these answers any more.
            with suppress(RuntimeError):
                loop.call_soon_threadsafe(_answer, pairs)
        return settled


def _transaction(connection: Connection, deliveries: list[Delivery]) -> list[Stored]:
    try:
        begin_writing(connection)
        results = store_deliveries(connection, deliveries)
        connection.commit()
    except Exception:
        connection.rollback()
        raise
    return results


def _answer(pairs: list[tuple[asyncio.Future, Stored | Exception]]) -> None:
    for future, result in pairs:
        if future.done():
            continue
        if isinstance(result, Exception):
            future.set_exception(result)
        else:
            future.set_result(result)
