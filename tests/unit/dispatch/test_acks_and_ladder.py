"""Ack-link tokens and the app push that carries them, the escalation ladder and the dispatch
policy file, without IO."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import ValidationError

from schemas.notices import AppNotice, Notice, NoticeChange
from schemas.responses import Level
from services.core.errors import ConfigError
from services.dispatch.domain.ladder import Action, Ladder, Step
from services.dispatch.domain.policy import DispatchPolicy
from services.dispatch.domain.reminders import Reminder, plan_step
from services.dispatch.domain.tokens import TokenRefused, sign_token, verify_token
from services.dispatch.inbound import is_yes
from services.dispatch.links import AckLinks
from services.dispatch.policy_file import read_policy
from services.dispatch.service import app_notice

SECRET = b"s" * 32
AT = datetime(2024, 5, 4, 8, tzinfo=UTC)


def test_a_token_is_bound_to_its_person_and_notice() -> None:
    token = sign_token(SECRET, "P00001", "n-1", AT)
    assert verify_token(SECRET, token, AT - timedelta(seconds=1)) == ("P00001", "n-1")


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # signature changed
        lambda t: (
            sign_token(SECRET, "P00002", "n-1", AT).split(".")[0] + "." + t.split(".")[1]
        ),  # payload swapped
        lambda t: t.replace(".", ""),  # damaged
        lambda t: "",
    ],
)
def test_forged_or_damaged_tokens_are_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    token = sign_token(SECRET, "P00001", "n-1", AT)
    with pytest.raises(TokenRefused):
        verify_token(SECRET, mangle(token), AT - timedelta(hours=1))


def test_another_deployments_secret_and_expiry_refuse() -> None:
    token = sign_token(SECRET, "P00001", "n-1", AT)
    with pytest.raises(TokenRefused, match="not genuine"):
        verify_token(b"t" * 32, token, AT - timedelta(hours=1))
    with pytest.raises(TokenRefused, match="expired"):
        verify_token(SECRET, token, AT + timedelta(seconds=1))


def test_the_app_push_carries_the_persons_own_ack_token_and_link() -> None:
    links = AckLinks(SECRET, "https://sanfang.example/", timedelta(hours=72))
    notice = Notice(
        event_id="n-1",
        occurred_at=AT - timedelta(minutes=15),
        response_id="r-1",
        response_event_id="e-1",
        person_id="P00001",
        unit_id="U001",
        change=NoticeChange.ACTIVATED,
        level=Level.IV,
        title="t",
        text="x",
        ack_by=AT,
        directory_version="v1",
    )
    pushed = app_notice(notice, links)
    assert pushed.ack_token is not None
    assert links.verify(pushed.ack_token, AT) == ("P00001", "n-1")
    assert pushed.ack_url == f"https://sanfang.example/ack/n-1?t={pushed.ack_token}"
    assert Notice.model_validate(pushed.model_dump(exclude={"ack_token", "ack_url"})) == notice
    assert AppNotice.model_validate_json(pushed.model_dump_json()) == pushed
    unasked = app_notice(notice.model_copy(update={"ack_by": None}), links)
    assert (unasked.ack_token, unasked.ack_url) == (None, None)
    # A push stored or retained before the token was added still reads (escalation, already_sent).
    assert AppNotice.model_validate_json(notice.model_dump_json()).ack_token is None


def test_ladder_steps_must_come_in_order() -> None:
    with pytest.raises(ValidationError):
        Ladder(
            steps=(
                Step(after_minutes=10, actions=(Action.SMS,)),
                Step(after_minutes=5, actions=(Action.VOICE,)),
            )
        )


def test_policy_file_lists_steps_and_refuses_nonsense(tmp_path: Path) -> None:
    path = tmp_path / "t.yaml"
    path.write_text("escalation:\n  - {after_minutes: 2, actions: [voice]}\n", encoding="utf-8")
    policy = read_policy(path)
    assert policy.escalation.steps[0].actions == (Action.VOICE,)
    assert len(policy.targeting.roles_for(Level.IV)) == 4  # default: everyone
    path.write_text("escalation:\n  - {after_minutes: 2, actions: [fax]}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not a valid targeting file"):
        read_policy(path)
    assert read_policy(None) == DispatchPolicy()


def test_deputy_and_unit_leader_hear_of_the_person_not_acknowledging(baoan) -> None:  # type: ignore[no-untyped-def]
    person = next(p for p in baoan.persons if p.role.value == "member" and p.deputy_id)
    reminder = Reminder("n-1", person, Level.III, drill=False, ack_url=None)
    messages = plan_step(reminder, baoan, 2, (Action.DEPUTY, Action.UNIT_LEADER, Action.DUTY_BOARD))
    deputy = baoan.person(person.deputy_id)
    assert messages[0].address == deputy.phone
    assert person.name in messages[0].text
    leaders = {m.target_person_id for m in messages[1:]}
    assert leaders
    assert all(baoan.person(p).role.value == "unit_leader" for p in leaders if p != person.person_id)
    assert len({m.ref for m in messages}) == len(messages)


@pytest.mark.parametrize(("text", "yes"), [("1", True), (" １\n", True), ("11", False), ("是", False)])
def test_an_sms_reply_acknowledges_only_when_it_says_1(text: str, yes: bool) -> None:
    assert is_yes(text) is yes
