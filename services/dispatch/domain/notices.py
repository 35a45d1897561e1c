"""One notice per recipient for each activation, level change or end of a response.

Notice ids are derived from the response event and the person, so building the
notices again (after a crash, on another replica, in a replay) gives the same ids and
the consumers downstream drop the duplicates.

>>> from datetime import UTC, datetime
>>> from schemas.areas import Scope
>>> from schemas.responses import Explanation, Level
>>> from services.demo.directory.generator import generate_baoan_directory
>>> from services.dispatch.domain.targeting import DEFAULT_POLICY
>>> event = ResponseActivated(event_id="evt-1", occurred_at=datetime(2024, 5, 3, 22, 45, tzinfo=UTC),
...     response_id="r-1", scope=Scope.district(), level=Level.IV,
...     explanation=Explanation(rules_id="baoan", rules_version="1", rule="typhoon-blue"))
>>> sent = datetime(2024, 5, 3, 22, 46, tzinfo=UTC)
>>> notices = build_notices(event, generate_baoan_directory(), DEFAULT_POLICY, ack_minutes=30,
...     public_url="https://sanfang.example", hazard_text="台风蓝色预警信号", sent_at=sent)
>>> len(notices), notices[0].ack_by.isoformat()
(3183, '2024-05-03T23:16:00+00:00')

The ack deadline (and so the ack link's lifetime) counts from ``sent_at``, when dispatch
builds the notice, never from the response event's time: a response decided on an old
input, or a notice built late, still gives the person the whole time to acknowledge.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta

from schemas.envelope import derived_id
from schemas.notices import Notice, NoticeChange
from schemas.responses import Level, ResponseActivated, ResponseEnded, ResponseLevelChanged
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.targeting import TargetingPolicy, iter_recipients
from services.dispatch.domain.templates import render_notice

__all__ = [
    "LinkSigner",
    "NoticeSource",
    "ack_link",
    "build_notices",
    "iter_notices",
    "link_with",
    "notice_id",
]

NoticeSource = ResponseActivated | ResponseLevelChanged | ResponseEnded
"""The response events that send notices (a proposal waits for a duty officer)."""

LinkSigner = Callable[[str, str, datetime], str]
"""``sign(person_id, notice_id, ack_by)`` → the token an ack link carries."""


def notice_id(response_event_id: str, person_id: str) -> str:
    """The id of the notice telling ``person_id`` of one response event.

    >>> notice_id("evt-1", "P00001") == notice_id("evt-1", "P00001") != notice_id("evt-1", "P00002")
    True
    """
    return derived_id("notice", response_event_id, person_id)


def ack_link(
    public_url: str, person_id: str, notice_id: str, ack_by: datetime | None, sign: LinkSigner | None
) -> str | None:
    """The ack link of a notice that asks for an ack (None when it asks for none).

    >>> ack_link("https://x/", "P1", "n-1", None, None) is None
    True
    """
    if ack_by is None:
        return None
    return link_with(public_url, notice_id, None if sign is None else sign(person_id, notice_id, ack_by))


def link_with(public_url: str, notice_id: str, token: str | None) -> str:
    """The ack link of ``notice_id`` carrying ``token`` (the one form of every ack link).

    >>> link_with("https://x/", "n-1", "abc")
    'https://x/ack/n-1?t=abc'
    """
    url = f"{public_url.rstrip('/')}/ack/{notice_id}"
    return url if token is None else f"{url}?t={token}"


def build_notices(
    response_event: NoticeSource,
    directory: Directory,
    policy: TargetingPolicy,
    *,
    ack_minutes: int,
    public_url: str,
    hazard_text: str,
    sent_at: datetime,
    previously_notified: Iterable[str] = (),
    sign: LinkSigner | None = None,
) -> list[Notice]:
    """The notices for ``response_event``, one per recipient, sorted by person id.

    Recipients are the policy's persons in the event's scope at the new level; for a
    level change also those at the previous level (who were told before and must hear
    of the change); for an end, those at the level that ended. ``previously_notified``
    adds the ids of persons told earlier in the response (from the store), so everyone
    who heard a response begin hears that it changed or ended even if the policy or the
    level has moved since; ids no longer in the directory are skipped.
    A notice asks for an ack ``ack_minutes`` after ``sent_at`` (dispatch's clock as it builds
    the notices); an end asks for no acknowledgement and carries no ack link. With ``sign``, each ack
    link carries the token it returns (``/ack/{notice_id}?t={token}``). A level "change" to the
    same level is refused with ``ValueError``: there is nothing to tell.

    >>> from datetime import UTC, datetime
    >>> from schemas.areas import Scope, Street
    >>> from schemas.responses import Explanation, Level
    >>> from services.demo.directory.generator import generate_baoan_directory
    >>> end = ResponseEnded(event_id="evt-9", occurred_at=datetime(2024, 5, 4, tzinfo=UTC),
    ...     response_id="r-1", scope=Scope.of_streets([Street.SHIYAN]), previous_level=Level.IV,
    ...     explanation=Explanation(rules_id="baoan", rules_version="1", rule="all-clear"))
    >>> notices = build_notices(end, generate_baoan_directory(), TargetingPolicy.graded(),
    ...     ack_minutes=30, public_url="https://sanfang.example", hazard_text="", sent_at=end.occurred_at)
    >>> {n.ack_by for n in notices}, notices[0].title
    ({None}, '【宝安区三防】石岩街道终止防汛防风Ⅳ级应急响应')
    """
    return list(
        iter_notices(
            response_event,
            directory,
            policy,
            ack_minutes=ack_minutes,
            public_url=public_url,
            hazard_text=hazard_text,
            sent_at=sent_at,
            previously_notified=previously_notified,
            sign=sign,
        )
    )


def iter_notices(
    response_event: NoticeSource,
    directory: Directory,
    policy: TargetingPolicy,
    *,
    ack_minutes: int,
    public_url: str,
    hazard_text: str,
    sent_at: datetime,
    previously_notified: Iterable[str] = (),
    sign: LinkSigner | None = None,
) -> Iterator[Notice]:
    """:func:`build_notices` one notice at a time, in person id order: what dispatch writes in
    chunks, so that a province's fan-out never holds its notices all at once. The arguments
    are checked when the first notice is asked for.

    >>> from datetime import UTC, datetime
    >>> from schemas.areas import Scope
    >>> from schemas.responses import Explanation
    >>> from services.demo.directory.generator import generate_baoan_directory
    >>> event = ResponseActivated(event_id="evt-2", occurred_at=datetime(2024, 5, 3, tzinfo=UTC),
    ...     response_id="r-2", scope=Scope.district(), level=Level.IV,
    ...     explanation=Explanation(rules_id="baoan", rules_version="1", rule="typhoon-blue"))
    >>> first = next(iter_notices(event, generate_baoan_directory(), TargetingPolicy(), ack_minutes=30,
    ...     public_url="https://x", hazard_text="", sent_at=event.occurred_at))
    >>> first.event_id == notice_id("evt-2", first.person_id)
    True
    """
    if ack_minutes <= 0:
        raise ValueError(f"ack_minutes must be positive, not {ack_minutes}")
    change, level, previous = _change(response_event)
    scope = response_event.scope
    levels = [level] if previous is None else [level, previous]
    earlier = frozenset(previously_notified)
    ended = change is NoticeChange.ENDED
    if sent_at.tzinfo is None:
        raise ValueError("sent_at must be timezone-aware")
    ack_by = None if ended else sent_at + timedelta(minutes=ack_minutes)
    for person in iter_recipients(directory, scope, levels, policy, also=earlier):
        person_id = person.person_id
        event_id = notice_id(response_event.event_id, person_id)
        ack_url = ack_link(public_url, person_id, event_id, ack_by, sign)
        title, text = render_notice(
            change,
            level,
            scope,
            response_event.drill,
            hazard_text,
            ack_by,
            ack_url,
            previous_level=previous,
            issued_at=response_event.occurred_at,
        )
        yield Notice(
            event_id=event_id,
            occurred_at=response_event.occurred_at,
            correlation_id=response_event.correlation_id,
            causation_id=response_event.event_id,
            response_id=response_event.response_id,
            response_event_id=response_event.event_id,
            person_id=person_id,
            unit_id=person.unit_id,
            change=change,
            level=level,
            drill=response_event.drill,
            title=title,
            text=text,
            ack_by=ack_by,
            directory_version=directory.version,
        )


def _change(event: NoticeSource) -> tuple[NoticeChange, Level, Level | None]:
    """What changed, the level the notice is about, and the level before a change."""
    if isinstance(event, ResponseActivated):
        return NoticeChange.ACTIVATED, event.level, None
    if isinstance(event, ResponseLevelChanged):
        return NoticeChange.LEVEL_CHANGED, event.level, event.previous_level
    return NoticeChange.ENDED, event.previous_level, None
