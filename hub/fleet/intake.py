"""Group commit for reports: the reports received in one turn of the event loop are written
in one transaction, and each is answered once that transaction is committed.

A commit is the dearest part of a report (SQLite appends the changed pages to its WAL, and
every thousand pages copies them back into the database and syncs it, with the event loop
blocked meanwhile). With many controllers reporting at once, :class:`Intake` lets the
reports that arrive together share one: the first report of a turn schedules the write
for the loop's next turn (``call_soon``); the reports that arrive before it join it.

What does not change:

- **all or none per report**: each report is folded inside its own savepoint; one that
  fails is rolled back alone and its request fails (500) as it did on its own, while the
  others are committed and answered;
- **an answer means stored**: an answer acknowledges events, so none is given before the
  commit; if the commit fails, every report of the batch fails and its controller resends
  it (events are idempotent by id);
- **one writer at a time**: the whole write (BEGIN … COMMIT) runs in one callback, so no
  other coroutine (a page, the ``fleet`` job) ever runs inside the batch's transaction;
- **order**: reports are folded in the order they arrived, each at the time it was
  received.

On its own (one report in a turn) a report costs what it did: one transaction, no
savepoint.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Final

from hub.fleet.ingest import Answer, fold_report
from hub.storage import HubDB
from protocol.report import Report

_SAVEPOINT: Final = "report"


@dataclass(frozen=True)
class _Waiting:
    controller_id: int
    report: Report
    at: float
    answer: asyncio.Future[Answer]


class Intake:
    """The reports waiting for the next write: one per app (``app[keys.intake]``, set by
    :func:`hub.fleet.api.report_intake`)."""

    def __init__(self, db: HubDB) -> None:
        self._db = db
        self._waiting: list[_Waiting] = []
        self.batches = 0
        """Batches written (or tried) so far, one transaction each: for tests and figures."""

    async def apply(self, controller_id: int, report: Report, *, at: float) -> Answer:
        """Store and fold ``report`` (as :func:`hub.fleet.ingest.apply_report`) together with
        the other reports of this turn; its answer, once committed."""
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Answer] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self.write)
        self._waiting.append(_Waiting(controller_id, report, at, answer))
        return await answer

    def write(self) -> None:
        """Fold every waiting report in one transaction, commit, then answer them."""
        waiting, self._waiting = self._waiting, []
        if not waiting:
            return
        outcomes: list[Answer | Exception] = []
        conn = self._db.db.conn
        alone = len(waiting) == 1
        try:
            with self._db.db.atomic():
                for item in waiting:
                    if not alone:
                        conn.execute(f"SAVEPOINT {_SAVEPOINT}")
                    try:
                        outcome: Answer | Exception = fold_report(
                            self._db, item.controller_id, item.report, at=item.at
                        )
                    except Exception as exc:
                        if alone:
                            raise
                        conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
                        outcome = exc
                    if not alone:
                        conn.execute(f"RELEASE {_SAVEPOINT}")
                    outcomes.append(outcome)
        except Exception as exc:  # nothing of the batch was stored
            outcomes = [exc] * len(waiting)
        except BaseException:  # the process is going down: leave no request waiting
            for item in waiting:
                item.answer.cancel()
            raise
        self.batches += 1
        for item, outcome in zip(waiting, outcomes, strict=True):
            if item.answer.done():  # its request was cancelled: the report is stored anyway
                continue
            if isinstance(outcome, Exception):
                item.answer.set_exception(outcome)
            else:
                item.answer.set_result(outcome)
