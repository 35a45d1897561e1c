"""Properties of targeting, notices and texts over any scope, level and policy."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.areas import Scope, Street
from schemas.notices import NoticeChange
from schemas.responses import Level
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.notices import NoticeSource, build_notices
from services.dispatch.domain.targeting import DEFAULT_POLICY, TargetingPolicy, recipients
from services.dispatch.domain.templates import TEXT_LIMIT, TITLE_LIMIT, render_manual, render_notice
from tests.unit.dispatch.conftest import SIGNAL_AT, activated, changed, ended

# The directory fixture is session-scoped and immutable, so sharing it across examples is safe.
SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
street_sets = st.sets(st.sampled_from(list(Street)), min_size=1)
policies = st.sampled_from([DEFAULT_POLICY, TargetingPolicy.graded()])
levels = st.sampled_from(list(Level))


@SETTINGS
@given(streets=street_sets, level=levels, policy=policies)
def test_a_street_scope_tells_a_subset_of_the_district(
    baoan: Directory, streets: set[Street], level: Level, policy: TargetingPolicy
) -> None:
    some = {p.person_id for p in recipients(baoan, Scope.of_streets(streets), level, policy)}
    district = {p.person_id for p in recipients(baoan, Scope.district(), level, policy)}
    assert some <= district


@SETTINGS
@given(smaller=street_sets, extra=street_sets, level=levels, policy=policies)
def test_more_streets_never_tell_fewer_persons(
    baoan: Directory, smaller: set[Street], extra: set[Street], level: Level, policy: TargetingPolicy
) -> None:
    few = {p.person_id for p in recipients(baoan, Scope.of_streets(smaller), level, policy)}
    more = {p.person_id for p in recipients(baoan, Scope.of_streets(smaller | extra), level, policy)}
    assert few <= more


@settings(SETTINGS, max_examples=12)
@given(
    streets=street_sets,
    kind=st.sampled_from(["activated", "changed", "ended"]),
    level=levels,
    previous=levels,
    policy=policies,
)
def test_never_two_notices_for_one_person(
    baoan: Directory, streets: set[Street], kind: str, level: Level, previous: Level, policy: TargetingPolicy
) -> None:
    scope = Scope.of_streets(streets)
    event: NoticeSource
    if kind == "activated":
        event = activated(scope, level)
    elif kind == "changed" and previous != level:
        event = changed(scope, previous, level)
    else:
        event = ended(scope, previous)
    notices = build_notices(
        event, baoan, policy, ack_minutes=30, public_url="https://x", hazard_text="暴雨", sent_at=SIGNAL_AT
    )
    persons = [n.person_id for n in notices]
    assert len(persons) == len(set(persons))
    assert len({n.event_id for n in notices}) == len(notices)


@settings(max_examples=60, deadline=None)
@given(
    change=st.sampled_from([c for c in NoticeChange if c is not NoticeChange.MANUAL]),
    level=levels,
    streets=st.sets(st.sampled_from(list(Street))),
    drill=st.booleans(),
    hazard_text=st.text(max_size=3000),
    minutes=st.integers(min_value=1, max_value=7 * 24 * 60),
)
def test_texts_always_fit_the_notice_limits(
    change: NoticeChange, level: Level, streets: set[Street], drill: bool, hazard_text: str, minutes: int
) -> None:
    scope = Scope.of_streets(streets) if streets else Scope.district()
    previous = Level.I if level is not Level.I else Level.IV
    title, text = render_notice(
        change,
        level,
        scope,
        drill,
        hazard_text,
        SIGNAL_AT + timedelta(minutes=minutes),
        "https://sanfang.example/ack/0d5c",
        previous_level=previous,
    )
    assert len(title) <= TITLE_LIMIT
    assert len(text) <= TEXT_LIMIT
    assert title.startswith("【演练】") is drill
    assert text.startswith("【演练】") is drill


@settings(max_examples=60, deadline=None)
@given(
    title=st.text(min_size=1, max_size=200),
    words=st.text(min_size=1, max_size=2000),
    drill=st.booleans(),
    ack=st.booleans(),
)
def test_manual_texts_always_fit_and_keep_the_ack_link_whole(
    title: str, words: str, drill: bool, ack: bool
) -> None:
    url = "https://sanfang.example/ack/0d5c?t=token"
    made_title, text = render_manual(title, words, drill, SIGNAL_AT if ack else None, url if ack else None)
    assert len(made_title) <= TITLE_LIMIT
    assert len(text) <= TEXT_LIMIT
    assert made_title.startswith("【演练】") is drill
    assert text.startswith("【演练】") is drill
    assert text.endswith(url if ack else "本通知无需确认。")
