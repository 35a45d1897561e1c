"""Reading recorded payloads into the ledger: the same review as reading the events'
models, duplicates dropped, and what the slim rows do not take left to the whole contract."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.notices import Acknowledgement, Channel
from schemas.topics import AnyEvent
from services.replay.domain.ledger import Ledger
from services.replay.domain.payloads import add_payloads
from services.replay.domain.people import People
from services.replay.domain.review import build_review

START, END = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC)


def test_payloads_give_the_same_review_as_the_models(
    season_events: list[AnyEvent], season_ledger: Ledger, people: People
) -> None:
    ledger = Ledger()
    payloads = [event.model_dump_json() for event in season_events]
    assert add_payloads(ledger, [*payloads, *payloads[:100]]) == len(season_events)  # redelivered: dropped

    from_payloads = build_review(ledger, people, source="store", start=START, end=END)
    from_models = build_review(season_ledger, people, source="store", start=START, end=END)

    assert from_payloads.model_dump_json() == from_models.model_dump_json()
    assert from_payloads.real.counts.notices > 0


def _ack(received_at: datetime) -> Acknowledgement:
    return Acknowledgement(
        event_id="a1",
        occurred_at=received_at,
        notice_id="n1",
        person_id="P1",
        response_id="r1",
        channel=Channel.SMS,
        received_at=received_at,
    )


def test_a_time_at_the_edge_of_the_contract_is_read_through_it() -> None:
    # 1900-01-01T06:00+08:00 is 1899 in UTC: the contract refuses it, so must the replay.
    bad = (
        _ack(datetime(2024, 6, 1, tzinfo=UTC))
        .model_dump_json()
        .replace("2024-06-01T00:00:00Z", "1900-01-01T06:00:00+08:00")
    )
    with pytest.raises(ValidationError, match="1900-2200"):
        add_payloads(Ledger(), [bad])

    ledger = Ledger()
    edge = _ack(datetime(2200, 12, 31, 12, tzinfo=UTC))  # the contract's last year: accepted
    assert add_payloads(ledger, [edge.model_dump_json()]) == 1
    assert ledger.acks[0].at == edge.received_at


def test_a_payload_that_breaks_its_contract_is_refused_with_the_contract_s_reason() -> None:
    broken = _ack(datetime(2024, 6, 1, tzinfo=UTC)).model_dump_json().replace('"sms"', '"pigeon"')
    with pytest.raises(ValidationError, match="channel"):
        add_payloads(Ledger(), [broken])
