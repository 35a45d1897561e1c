"""The event contracts: round trips, ids, time zones, and the generated documents."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.areas import Scope, Street
from schemas.envelope import derived_id
from schemas.responses import Level
from schemas.topics import Topic, event_key, parse_event, topic_of
from schemas.warnings import Colour, Hazard, WarningAction, WarningSignal
from services.schemadocs import GENERATED_DIR, documents

ISSUED = datetime(2024, 5, 4, 6, 45, tzinfo=UTC)


def signal(**overrides: object) -> WarningSignal:
    values: dict[str, object] = {
        "event_id": derived_id("warning", "s1"),
        "occurred_at": ISSUED,
        "signal_id": "s1",
        "hazard": Hazard.RAINSTORM,
        "colour": Colour.ORANGE,
        "action": WarningAction.ISSUE,
        "scope": Scope.of_streets([Street.SONGGANG, Street.FUYONG]),
        "issued_at": ISSUED,
    }
    values.update(overrides)
    return WarningSignal.model_validate(values)


def test_an_event_survives_the_wire_unchanged() -> None:
    original = signal()
    again = parse_event(original.model_dump_json())
    assert again == original
    assert topic_of(again) is Topic.WARNINGS
    assert event_key(again) == "streets:fuyong,songgang"


def test_naive_times_are_refused() -> None:
    with pytest.raises(ValidationError, match="timezone"):
        signal(issued_at=datetime(2024, 5, 4, 6, 45))  # noqa: DTZ001 - the point of the test


def test_unknown_kinds_are_refused() -> None:
    with pytest.raises(ValidationError):
        parse_event('{"kind": "nonsense", "event_id": "x"}')


def test_derived_ids_are_stable_and_distinct() -> None:
    assert derived_id("notice", "e", "P1") == derived_id("notice", "e", "P1")
    assert derived_id("notice", "e", "P1") != derived_id("notice", "e", "P2")
    # Parts are separated, so ("ab", "c") and ("a", "bc") do not collide.
    assert derived_id("ab", "c") != derived_id("a", "bc")


def test_street_scopes_are_canonical() -> None:
    assert Scope.of_streets([Street.SONGGANG, Street.SHAJING, Street.SONGGANG]).streets == (
        Street.SHAJING,
        Street.SONGGANG,
    )
    with pytest.raises(ValidationError):
        Scope(kind="streets", streets=(Street.SONGGANG, Street.SHAJING))
    assert Scope.district().covers(None)
    assert not Scope.of_streets([Street.SHAJING]).covers(None)


@pytest.mark.parametrize(
    ("text", "street"),
    [
        ("松岗", Street.SONGGANG),
        ("松岗街道", Street.SONGGANG),
        ("xinan", Street.XINAN),
        ("Xin'an", Street.XINAN),
    ],
)
def test_streets_are_read_from_codes_and_chinese_names(text: str, street: Street) -> None:
    assert Street.parse(text) is street


def test_levels_are_ordered() -> None:
    assert sorted([Level.I, Level.WATCH, Level.III, Level.IV, Level.II]) == [
        Level.WATCH,
        Level.IV,
        Level.III,
        Level.II,
        Level.I,
    ]
    assert max(Level.IV, Level.III) is Level.III


def test_committed_schema_documents_are_current() -> None:
    for name, text in documents().items():
        path = GENERATED_DIR / name
        assert path.exists(), f"{name} is missing: run scripts/gen-schemas"
        assert path.read_text(encoding="utf-8") == text, f"{name} is stale: run scripts/gen-schemas"


def test_every_event_kind_travels_with_kind_version_and_content_type() -> None:
    from schemas.topics import event_types
    from services.core.bus import headers, serialise

    for model in event_types():
        kind = model.model_fields["kind"].default
        assert dict(headers(kind)) == {
            "kind": kind.encode(),
            "schema_version": b"1",
            "content-type": b"application/json",
        }
    # The outbox relay and a direct publish send the same headers.
    assert serialise(signal())[2] == headers("warning.signal")
