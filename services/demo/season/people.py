"""What the persons do with their notices in the generated season: the app delivers in
seconds; most acknowledge within minutes, some late, a few never; the ladder escalates those
who have not acknowledged (5 min: SMS, 10 min: voice call, 15 min: deputy, then the duty board).

>>> from services.demo.season.people import LADDER
>>> [step.action for step in LADDER]
['sms', 'voice', 'deputy', 'duty_board']
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

from schemas.envelope import derived_id
from schemas.notices import Acknowledgement, Channel, Delivery, DeliveryStatus, Escalation, Notice
from schemas.topics import AnyEvent
from services.dispatch.domain.directory import Directory

__all__ = ["LADDER", "Behaviour", "Step", "ack_channel", "ack_delay", "person_events"]


@dataclass(frozen=True)
class Step:
    """One step of the escalation ladder: after ``minutes`` without an ack, do ``action``."""

    step: int
    minutes: int
    action: str
    channel: Channel | None


LADDER = (
    Step(1, 5, "sms", Channel.SMS),
    Step(2, 10, "voice", Channel.VOICE),
    Step(3, 15, "deputy", Channel.APP),
    Step(4, 15, "duty_board", None),
)


@dataclass(frozen=True)
class Behaviour:
    """How the simulated persons answer: shares who never and who answer late, and when.

    The prompt answer ``prompt_after_seconds`` plus an exponential delay of mean
    ``mean_seconds`` cut at ``prompt_within_seconds``; a late one uniform within
    ``late_seconds``. ``over_mqtt`` is the share of app acks sent over MQTT (the rest go to
    ``POST /api/v1/acks``). The defaults are the season's.
    """

    never: float = 0.03
    late: float = 0.17
    mean_seconds: float = 100.0
    app_failure: float = 0.01
    late_seconds: tuple[float, float] = (5 * 60, 45 * 60)
    prompt_within_seconds: float = 299.0
    prompt_after_seconds: float = 3.0
    over_mqtt: float = 0.5


def ack_delay(rng: random.Random, behaviour: Behaviour) -> float | None:
    """Seconds from the notice to the person's ack; None for someone who never answers."""
    draw = rng.random()
    if draw < behaviour.never:
        return None
    if draw < behaviour.never + behaviour.late:
        return rng.uniform(*behaviour.late_seconds)
    prompt = min(rng.expovariate(1 / behaviour.mean_seconds), behaviour.prompt_within_seconds)
    return prompt + behaviour.prompt_after_seconds


def ack_channel(delay: float, rng: random.Random) -> Channel:
    """How someone answers depends on what reached them by then."""
    if delay < 300:
        return Channel.APP
    if delay < 600:
        return Channel.SMS if rng.random() < 0.6 else Channel.APP
    return rng.choice((Channel.VOICE, Channel.SMS, Channel.APP, Channel.LINK))


def person_events(
    notice: Notice, directory: Directory, rng: random.Random, behaviour: Behaviour
) -> Iterator[AnyEvent]:
    """The deliveries, acknowledgement and escalations of one notice, in time order."""
    at = notice.occurred_at
    sent = at + timedelta(seconds=rng.uniform(0.5, 6))
    failed = rng.random() < behaviour.app_failure
    yield _delivery(
        notice, Channel.APP, DeliveryStatus.FAILED if failed else DeliveryStatus.DELIVERED, sent, 1
    )
    if notice.ack_by is None:
        return
    delay = ack_delay(rng, behaviour)
    acked = None if delay is None else at + timedelta(seconds=delay)
    for step in LADDER:
        when = at + timedelta(minutes=step.minutes)
        if acked is not None and acked <= when:
            break
        deputy = directory.person(notice.person_id).deputy_id if step.action == "deputy" else None
        yield Escalation(
            event_id=derived_id("escalation", notice.event_id, str(step.step)),
            occurred_at=when,
            **_linked(notice),
            step=step.step,
            action=step.action,
            target_person_id=deputy,
        )
        if step.channel is not None and step.action != "deputy":
            yield _delivery(notice, step.channel, DeliveryStatus.DELIVERED, when + timedelta(seconds=2), 1)
    if acked is not None and delay is not None:
        yield Acknowledgement(
            event_id=derived_id("ack", notice.event_id, "first"),
            occurred_at=acked,
            **_linked(notice),
            channel=ack_channel(delay, rng),
            received_at=acked,
        )


def _linked(notice: Notice) -> dict[str, str | None]:
    """The fields that tie an event to its notice."""
    return {
        "correlation_id": notice.correlation_id,
        "causation_id": notice.event_id,
        "notice_id": notice.event_id,
        "person_id": notice.person_id,
        "response_id": notice.response_id,
    }


def _delivery(notice: Notice, channel: Channel, status: DeliveryStatus, at: object, attempt: int) -> Delivery:
    return Delivery(
        event_id=derived_id("delivery", notice.event_id, channel.value, str(attempt)),
        occurred_at=at,
        **_linked(notice),
        channel=channel,
        status=status,
        attempt=attempt,
    )
