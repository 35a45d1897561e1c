"""The dispatch service: turns response changes into notices and queues their sends.

One consumer group (``dispatch``) over three topics, each step idempotent:

- from ``sanfang.responses``: in one transaction, one notice per person per change (rows
  and ``sanfang.notices`` events), one ``pending`` app-push attempt per notice, and the
  notice's escalation deadline (an older notice of the same response for the same person
  stops escalating: the new one supersedes it). The app courier then publishes the
  :func:`app_notice` (the notice with its person's ack token and link).
  Ack deadlines and ack-link lifetimes count from this service's clock as it writes the
  notices (when they are sent), never from the time of the event that caused them.
- from ``sanfang.commands`` (only ``ManualNoticeRequested``; the rules' commands are
  skipped): a duty officer's manual notice, written the same way, one notice per recipient.
- from ``sanfang.acks``: acks published by other services are applied like local ones
  (first counts, escalation stops); acks recorded here are already applied and are skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import TypeVar

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from schemas.envelope import derived_id
from schemas.notices import Acknowledgement, AppNotice, Channel, ManualNoticeRequested, Notice, NoticeChange
from schemas.responses import ResponseActivated, ResponseEnded, ResponseLevelChanged
from schemas.topics import Topic
from services.core import metrics, tables
from services.core.bus import Bus, ConsumerLoop, Received
from services.core.clock import Clock
from services.core.idempotency import claim
from services.core.outbox import Outbox
from services.core.store import insert_ignore
from services.dispatch import tables as dispatch_tables
from services.dispatch.acks import apply_acks
from services.dispatch.directory_store import current_version, load_directory
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.ladder import Ladder
from services.dispatch.domain.manual import build_manual_notices
from services.dispatch.domain.notices import iter_notices
from services.dispatch.domain.targeting import TargetingPolicy
from services.dispatch.links import AckLinks
from services.dispatch.push import notice_topic

__all__ = ["Dispatch", "app_notice", "app_ref"]

log = logging.getLogger(__name__)

Change = ResponseActivated | ResponseLevelChanged | ResponseEnded
_Source = TypeVar("_Source", Change, ManualNoticeRequested)
_CHUNK = 1000


def app_ref(notice_id: str, person_id: str) -> str:
    """The ref of a notice's app push: one per notice, whatever happens."""
    return derived_id("attempt", notice_id, "0", Channel.APP.value, person_id)


def app_notice(notice: Notice, links: AckLinks) -> AppNotice:
    """What the app is pushed of ``notice``: the notice with its person's ack token and link
    (both None when it asks no ack)."""
    if notice.ack_by is None:
        return AppNotice(**dict(notice), ack_token=None, ack_url=None)
    token = links.token(notice.person_id, notice.event_id, notice.ack_by)
    return AppNotice(**dict(notice), ack_token=token, ack_url=links.link(notice.event_id, token))


class Dispatch:
    """Notices and their first send; acks arriving over the bus."""

    def __init__(
        self,
        outbox: Outbox,
        clock: Clock,
        directory: Directory,
        *,
        policy: TargetingPolicy,
        ladder: Ladder,
        ack_minutes: int,
        public_url: str,
        mqtt_root: str,
        links: AckLinks,
        on_queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._outbox = outbox
        self._store = outbox.store
        self._clock = clock
        self.directory = directory
        self._policy = policy
        self._ladder = ladder
        self._ack_minutes = ack_minutes
        self._public_url = public_url
        self._root = mqtt_root
        self._links = links
        self.on_queued = on_queued

    def consumer(self, bus: Bus) -> ConsumerLoop:
        """Dispatch's one consumer group, over responses, officers' commands and acks."""

        async def handle(batch: Sequence[Received]) -> None:
            await self.on_responses(batch)
            await self.on_manual(batch)
            await self.on_acks(batch)

        return ConsumerLoop(
            bus,
            group="dispatch",
            topics=[Topic.RESPONSES, Topic.COMMANDS, Topic.ACKS],
            handler=handle,
            max_batch=1000,
        )

    async def refresh_directory(self) -> None:
        """Load the directory again if another version was imported since."""
        async with self._store.read() as conn:
            version = await current_version(conn)
        if version is not None and version != self.directory.version:
            loaded = await load_directory(self._store)
            if loaded is not None:
                log.info("directory version %s replaces %s", loaded.version, self.directory.version)
                self.directory = loaded

    async def on_responses(self, batch: Sequence[Received]) -> None:
        """Write the notices of each response change, their app pushes and deadlines, once."""

        async def notices_of(tx: AsyncConnection, change: Change) -> Iterator[Notice]:
            # A generator: written a chunk at a time, a province's notices are never all in memory.
            return iter_notices(
                change,
                self.directory,
                self._policy,
                ack_minutes=self._ack_minutes,
                public_url=self._public_url,
                hazard_text=change.explanation.summary,
                sent_at=self._clock.now(),
                previously_notified=await _told_before(tx, change.response_id),
                sign=self._links.token,
            )

        changes = [item.event for item in batch if isinstance(item.event, Change)]
        await self._notify("dispatch-responses", changes, notices_of)

    async def on_manual(self, batch: Sequence[Received]) -> None:
        """Write the notices of each manual notice request, their app pushes and deadlines, once."""

        async def notices_of(tx: AsyncConnection, request: ManualNoticeRequested) -> Iterator[Notice]:
            notices = build_manual_notices(
                request,
                self.directory,
                ack_minutes=self._ack_minutes,
                public_url=self._public_url,
                sent_at=self._clock.now(),
                sign=self._links.token,
            )
            metrics.NOTICES.labels(NoticeChange.MANUAL.value).inc(len(notices))
            log.info(
                "manual notice %s by %s: %d notices (%d recipients no longer in the directory)",
                request.request_id,
                request.officer,
                len(notices),
                len(set(request.recipients)) - len(notices),
            )
            return iter(notices)

        requests = [item.event for item in batch if isinstance(item.event, ManualNoticeRequested)]
        await self._notify("dispatch-manual", requests, notices_of)

    async def _notify(
        self,
        consumer: str,
        events: Sequence[_Source],
        notices_of: Callable[[AsyncConnection, _Source], Awaitable[Iterator[Notice]]],
    ) -> None:
        """In one transaction, claim the events not applied yet and write each one's notices
        (all of them, in chunks: the transaction is what makes them one per person, once)."""
        if not events:
            return
        await self.refresh_directory()
        queued = 0
        async with self._outbox.transaction() as tx:
            for event in await claim(tx, consumer, events, self._clock.now()):
                written = await self._write(tx, await notices_of(tx, event))
                if isinstance(event, Change):
                    log.info("response %s %s: %d notices", event.response_id, event.kind, written)
                queued += written
        if queued:
            self.on_queued()

    async def _write(self, tx: AsyncConnection, notices: Iterator[Notice]) -> int:
        """Notices of one event (one response id; a manual notice's request id stands for it),
        ``_CHUNK`` at a time; returns how many."""
        now = self._clock.now()
        dialect = tx.dialect.name
        e = dispatch_tables.escalations.c
        first = self._ladder.due(now, 0)
        written = 0
        while chunk := list(islice(notices, _CHUNK)):
            written += len(chunk)
            if chunk[0].change is not NoticeChange.MANUAL:
                metrics.NOTICES.labels(chunk[0].change.value).inc(len(chunk))
            response_id = chunk[0].response_id
            # A newer notice of the response supersedes the person's older, unacknowledged one.
            await tx.execute(
                update(dispatch_tables.escalations)
                .where(
                    e.response_id == response_id,
                    e.person_id.in_([n.person_id for n in chunk]),
                    e.state == "waiting",
                )
                .values(state="superseded", updated_at=now)
            )
            await tx.execute(insert_ignore(tables.notices, dialect), [_notice_row(n, now) for n in chunk])
            await tx.execute(
                insert_ignore(dispatch_tables.attempts, dialect), [self._push_row(n, now) for n in chunk]
            )
            waiting = [n for n in chunk if n.ack_by is not None]
            if first is not None and waiting:
                await tx.execute(
                    insert_ignore(dispatch_tables.escalations, dialect),
                    [_escalation_row(n, now, first) for n in waiting],
                )
            await self._outbox.add(tx, chunk)
        return written

    def _push_row(self, notice: Notice, now: datetime) -> dict[str, object]:
        return dispatch_tables.pending_attempt(
            app_ref(notice.event_id, notice.person_id),
            notice.event_id,
            notice.person_id,
            target_person_id=notice.person_id,
            channel=Channel.APP.value,
            action="notice",
            address=notice_topic(self._root, notice.person_id),
            body=app_notice(notice, self._links).model_dump_json(),
            step=0,
            now=now,
        )

    async def on_acks(self, batch: Sequence[Received]) -> None:
        """Apply acks from the bus; those recorded here already are skipped by their id."""
        acks = [item.event for item in batch if isinstance(item.event, Acknowledgement)]
        if not acks:
            return
        async with self._outbox.transaction() as tx:
            await apply_acks(tx, await claim(tx, "dispatch-acks", acks, self._clock.now()))


async def _told_before(tx: AsyncConnection, response_id: str) -> list[str]:
    n = tables.notices.c
    rows = await tx.execute(select(n.person_id).where(n.response_id == response_id).distinct())
    return list(rows.scalars())


def _notice_row(notice: Notice, now: datetime) -> dict[str, object]:
    return {
        "notice_id": notice.event_id,
        "response_id": notice.response_id,
        "response_event_id": notice.response_event_id,
        "person_id": notice.person_id,
        "unit_id": notice.unit_id,
        "change": notice.change.value,
        "level": notice.level.value,
        "drill": notice.drill,
        "created_at": now,
        "ack_by": notice.ack_by,
    }


def _escalation_row(notice: Notice, now: datetime, due: datetime) -> dict[str, object]:
    return {
        "notice_id": notice.event_id,
        "person_id": notice.person_id,
        "response_id": notice.response_id,
        "started_at": now,
        "step": 0,
        "due_at": due,
        "state": "waiting",
        "updated_at": now,
    }
