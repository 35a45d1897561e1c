"""A duty officer's manual notice: one notice per recipient, its text, its reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.areas import Scope
from schemas.notices import ManualNoticeRequested, NoticeChange
from schemas.responses import Level
from schemas.topics import Topic, parse_event, topic_of
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.ladder import Action
from services.dispatch.domain.manual import build_manual_notices, manual_notice_id
from services.dispatch.domain.reminders import Reminder, plan_step
from services.dispatch.domain.templates import TEXT_LIMIT, TITLE_LIMIT, render_notice
from tests.unit.dispatch.conftest import SIGNAL_AT

# Two of 松岗's unit leaders and one person of 区发展和改革局 (see the generated directory).
CHOSEN = ("P01421", "P01422", "P02410")


def request(**overrides: object) -> ManualNoticeRequested:
    values: dict[str, object] = {
        "event_id": "req-1",
        "occurred_at": SIGNAL_AT,
        "request_id": "req-1",
        "officer": "duty1",
        "title": "请到指挥部参加会商",
        "text": "请于今晚8时前到区三防指挥部参加防御工作会商",
        "recipients": CHOSEN,
    }
    values.update(overrides)
    return ManualNoticeRequested.model_validate(values)


def build(baoan: Directory, **overrides: object):  # type: ignore[no-untyped-def]
    return build_manual_notices(
        request(**overrides),
        baoan,
        ack_minutes=30,
        public_url="https://sanfang.example/",
        sent_at=SIGNAL_AT,
        sign=lambda person, notice, until: f"tok-{person}",
    )


def test_one_notice_per_recipient_with_ids_from_the_request_and_the_person(baoan: Directory) -> None:
    notices = build(baoan, recipients=(*CHOSEN, CHOSEN[0]))
    assert [n.person_id for n in notices] == list(CHOSEN)
    assert [n.event_id for n in notices] == [manual_notice_id("req-1", p) for p in CHOSEN]
    assert [n.event_id for n in build(baoan)] == [n.event_id for n in notices]  # a re-run: same ids
    assert {n.event_id for n in build(baoan, request_id="req-2", event_id="req-2")}.isdisjoint(
        n.event_id for n in notices
    )
    first = notices[0]
    assert first.change is NoticeChange.MANUAL
    assert (first.response_id, first.response_event_id) == ("req-1", "req-1")  # no response has it
    assert [n.unit_id for n in notices] == ["U008", "U008", "U021"]


def test_an_ack_is_asked_with_a_signed_link_unless_the_officer_asked_for_none(baoan: Directory) -> None:
    asking = build(baoan)[0]
    assert asking.ack_by == SIGNAL_AT + timedelta(minutes=30)
    assert f"https://sanfang.example/ack/{asking.event_id}?t=tok-P01421" in asking.text
    assert asking.title == "【宝安区三防】请到指挥部参加会商"
    assert asking.text.startswith("宝安区三防指挥部通知：请于今晚8时前到区三防指挥部参加防御工作会商。")

    telling = build(baoan, ack_wanted=False)[0]
    assert telling.ack_by is None
    assert "/ack/" not in telling.text
    assert telling.text.endswith("本通知无需确认。")


def test_a_drill_is_marked_and_long_words_are_cut_to_the_limits(baoan: Directory) -> None:
    notice = build(baoan, drill=True, title="题" * 200, text="字" * 2000)[0]
    assert notice.drill
    assert notice.title.startswith("【演练】【宝安区三防】")
    assert notice.title.endswith("…")
    assert len(notice.title) == TITLE_LIMIT
    assert len(notice.text) == TEXT_LIMIT
    assert "…本条为演练信息，非真实险情。请于" in notice.text  # the ack link survives the cut


def test_recipients_who_left_the_directory_are_skipped(baoan: Directory) -> None:
    assert [n.person_id for n in build(baoan, recipients=("P01421", "P99999"))] == ["P01421"]


def test_the_request_travels_on_the_commands_topic() -> None:
    sent = request(roles=("unit_leader",), units=("U008",))
    assert topic_of(sent) is Topic.COMMANDS
    assert parse_event(sent.model_dump_json()) == sent
    with pytest.raises(ValueError, match="at least 1"):
        request(recipients=())


def test_reminders_of_a_manual_notice_name_its_subject_not_a_level(baoan: Directory) -> None:
    person = baoan.person("P01422")
    about = Reminder("n-1", person, Level.WATCH, False, "https://x/ack/n-1?t=a", subject="到指挥部会商")
    sms, voice, leader = (
        plan_step(about, baoan, 1, (Action.SMS,))[0],
        plan_step(about, baoan, 2, (Action.VOICE,))[0],
        plan_step(about, baoan, 3, (Action.UNIT_LEADER,))[0],
    )
    assert sms.text == (
        "【宝安区三防】您有一条三防通知“到指挥部会商”尚未确认。请回复1确认收到，或点击链接确认：https://x/ack/n-1?t=a"
    )
    assert voice.text == "宝安区三防指挥部通知：到指挥部会商。您尚未确认收到。确认请按1。"
    assert "尚未确认三防通知“到指挥部会商”，请立即督促落实" in leader.text
    assert all("应急响应" not in m.text for m in (sms, voice, leader))


def test_a_manual_change_has_no_response_template() -> None:
    with pytest.raises(ValueError, match="render_manual"):
        render_notice(NoticeChange.MANUAL, Level.WATCH, Scope.district(), False, "", None, None)


def test_a_manual_notice_asks_for_an_ack_from_when_it_is_sent(baoan: Directory) -> None:
    sent = SIGNAL_AT + timedelta(hours=3)  # dispatch came to the request late
    notices = build_manual_notices(
        request(), baoan, ack_minutes=30, public_url="https://sanfang.example/", sent_at=sent
    )
    assert {n.ack_by for n in notices} == {sent + timedelta(minutes=30)}
