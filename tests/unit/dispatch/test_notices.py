"""Notices: one per recipient, with deterministic ids, links, deadlines and the directory version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.areas import Scope, Street
from schemas.directory import Role
from schemas.envelope import derived_id
from schemas.notices import Notice, NoticeChange
from schemas.responses import Level
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.notices import NoticeSource, build_notices
from services.dispatch.domain.targeting import DEFAULT_POLICY, TargetingPolicy, recipients
from tests.unit.dispatch.conftest import SIGNAL_AT, activated, changed, ended

SCOPE = Scope.of_streets([Street.SONGGANG, Street.SHAJING])
URL = "https://sanfang.example"


def test_one_notice_per_recipient_with_derived_ids(baoan: Directory) -> None:
    event = activated(SCOPE)
    notices = build_notices(
        event, baoan, DEFAULT_POLICY, ack_minutes=30, public_url=URL, hazard_text="暴雨", sent_at=SIGNAL_AT
    )
    people = recipients(baoan, SCOPE, Level.IV, DEFAULT_POLICY)
    assert [n.person_id for n in notices] == [p.person_id for p in people]
    assert len({n.event_id for n in notices}) == len(notices)
    for notice, person in zip(notices, people, strict=True):
        assert notice.event_id == derived_id("notice", event.event_id, person.person_id)
        assert notice.unit_id == person.unit_id


def test_building_again_gives_the_same_notices(baoan: Directory) -> None:
    def build(event: NoticeSource) -> list[Notice]:
        return build_notices(
            event,
            baoan,
            DEFAULT_POLICY,
            ack_minutes=30,
            public_url=URL,
            hazard_text="暴雨",
            sent_at=SIGNAL_AT,
        )

    assert build(activated(SCOPE)) == build(activated(SCOPE))
    first_ids = {n.event_id for n in build(activated(SCOPE))}
    assert not first_ids & {n.event_id for n in build(activated(SCOPE, Level.III))}


def test_envelope_deadline_link_and_version(baoan: Directory) -> None:
    event = activated(Scope.district(), Level.III, drill=True)
    notices = build_notices(
        event, baoan, DEFAULT_POLICY, ack_minutes=30, public_url=URL + "/", hazard_text="", sent_at=SIGNAL_AT
    )
    assert len(notices) == 3183
    notice = notices[0]
    assert notice.occurred_at == SIGNAL_AT
    assert notice.correlation_id == event.correlation_id
    assert notice.causation_id == notice.response_event_id == event.event_id
    assert notice.response_id == "resp-1"
    assert notice.ack_by == SIGNAL_AT + timedelta(minutes=30)
    assert notice.text.endswith(f"{URL}/ack/{notice.event_id}")
    assert notice.directory_version == baoan.version
    assert notice.change is NoticeChange.ACTIVATED
    assert notice.level is Level.III
    assert notice.drill
    assert notice.title.startswith("【演练】")


def test_an_end_tells_the_policy_at_the_level_that_ended_and_asks_no_ack(baoan: Directory) -> None:
    policy = TargetingPolicy.graded()
    notices = build_notices(
        ended(SCOPE, Level.III),
        baoan,
        policy,
        ack_minutes=30,
        public_url=URL,
        hazard_text="",
        sent_at=SIGNAL_AT,
    )
    expected = recipients(baoan, SCOPE, Level.III, policy)
    assert [n.person_id for n in notices] == [p.person_id for p in expected]
    assert {baoan.person(n.person_id).role for n in notices} == {
        Role.UNIT_LEADER,
        Role.DUTY_CONTACT,
        Role.HAZARD_POINT,
    }
    assert all(n.ack_by is None and "/ack/" not in n.text for n in notices)
    assert all(n.change is NoticeChange.ENDED and n.level is Level.III for n in notices)


def test_a_lowered_level_still_reaches_those_told_at_the_higher_level(baoan: Directory) -> None:
    policy = TargetingPolicy.graded()
    event = changed(SCOPE, Level.III, Level.IV)
    notices = build_notices(
        event, baoan, policy, ack_minutes=15, public_url=URL, hazard_text="", sent_at=SIGNAL_AT
    )
    assert {n.person_id for n in notices} == {
        p.person_id for p in recipients(baoan, SCOPE, Level.III, policy)
    }
    assert all("由Ⅲ级调整为Ⅳ级" in n.title and n.level is Level.IV for n in notices)


def test_a_raised_level_reaches_the_wider_group(baoan: Directory) -> None:
    policy = TargetingPolicy.graded()
    event = changed(SCOPE, Level.IV, Level.II)
    notices = build_notices(
        event, baoan, policy, ack_minutes=15, public_url=URL, hazard_text="", sent_at=SIGNAL_AT
    )
    assert len(notices) == len(recipients(baoan, SCOPE, Level.II, policy))


def test_persons_told_before_hear_the_end_even_outside_todays_policy(baoan: Directory) -> None:
    policy = TargetingPolicy.graded()
    member = next(p for p in baoan.persons if p.role is Role.MEMBER and p.street is Street.SONGGANG)
    notices = build_notices(
        ended(SCOPE, Level.IV),
        baoan,
        policy,
        ack_minutes=30,
        public_url=URL,
        hazard_text="",
        sent_at=SIGNAL_AT,
        previously_notified=[member.person_id, "P99999"],
    )
    ids = [n.person_id for n in notices]
    assert member.person_id in ids
    assert "P99999" not in ids
    assert ids == sorted(ids)


def test_ack_minutes_must_be_positive(baoan: Directory) -> None:
    with pytest.raises(ValueError, match="ack_minutes"):
        build_notices(
            activated(SCOPE),
            baoan,
            DEFAULT_POLICY,
            ack_minutes=0,
            public_url=URL,
            hazard_text="",
            sent_at=SIGNAL_AT,
        )


def test_the_ack_deadline_counts_from_when_the_notice_is_sent_not_from_the_event(baoan: Directory) -> None:
    # A response decided on an input from long ago, its notices built today: the person
    # still has the whole ack time from now, and the link is alive for as long after that.
    event = activated(SCOPE)
    sent = SIGNAL_AT + timedelta(days=400)
    notices = build_notices(
        event, baoan, DEFAULT_POLICY, ack_minutes=15, public_url=URL, hazard_text="", sent_at=sent
    )
    assert {n.ack_by for n in notices} == {sent + timedelta(minutes=15)}
    assert {n.occurred_at for n in notices} == {SIGNAL_AT}  # the notice is still about that event


def test_sent_at_must_be_timezone_aware(baoan: Directory) -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_notices(
            activated(SCOPE),
            baoan,
            DEFAULT_POLICY,
            ack_minutes=15,
            public_url=URL,
            hazard_text="",
            sent_at=SIGNAL_AT.replace(tzinfo=None),
        )
