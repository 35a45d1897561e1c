"""``SANFANG_INGEST_TOKENS``: read, checked, masked, required in production; and the feed a
bearer token names."""

from __future__ import annotations

import pytest
from fastapi.security import HTTPAuthorizationCredentials

from services.core.errors import ConfigError
from services.core.settings import Settings
from services.ingest.errors import Rejected
from services.ingest.feed_auth import FeedAuth, push_source, signal_source

OBSERVATORY = "obs-0123456789abcdefghijklmnop"
GAUGES = "gau_ABCDEFGHIJKLMNOPQRSTUVWXYZ+/=="
PRODUCTION_KEY = "Yq3v_0Pp-Jd8tLr2ZsKmW7xNbE4hGc9uFo1iTa6eRyU"  # production checks a key's strength
#: Production checks a token's strength too (GAUGES is an alphabet run: enough for development).
PRODUCTION_GAUGES = "mZ4q7-Kd2xVb9TnR0wLc8hPj"


def bearer(token: str) -> HTTPAuthorizationCredentials:
    return HTTPAuthorizationCredentials(scheme="Bearer", credentials=token)


def test_named_tokens_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANFANG_INGEST_TOKENS", f" observatory:{OBSERVATORY} , gauges : {GAUGES} ")
    tokens = Settings().ingest_feed_tokens
    assert list(tokens) == ["observatory", "gauges"]
    assert [token.get_secret_value() for token in tokens.values()] == [OBSERVATORY, GAUGES]


def test_no_tokens_is_an_empty_set() -> None:
    assert Settings().ingest_feed_tokens == {}
    assert Settings(ingest_tokens="  ").ingest_feed_tokens == {}


def test_tokens_are_masked_wherever_settings_are_shown() -> None:
    settings = Settings(ingest_tokens=f"observatory:{OBSERVATORY},gauges:{GAUGES}")
    shown = settings.describe()
    assert shown["ingest_tokens"] == "**********"
    for text in (str(shown), repr(settings), str(settings.ingest_feed_tokens)):
        assert OBSERVATORY not in text
        assert GAUGES not in text


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (OBSERVATORY, "entry 1: write name:token"),
        (f":{OBSERVATORY}", "entry 1: write name:token"),
        (f"observatory:{OBSERVATORY},", "entry 2 is empty"),
        (f"observatory:{OBSERVATORY},,gauges:{GAUGES}", "entry 2 is empty"),
        (f"the observatory:{OBSERVATORY}", "not 'the observatory'"),
        (f"{'o' * 41}:{OBSERVATORY}", "1 to 40 letters"),
        (f"gauges:{OBSERVATORY},gauges:{GAUGES}", "the feed name 'gauges' is given twice"),
        ("gauges:short-token-of-23-chars", "has 23 characters, at least 24"),
        ("gauges:", "has 0 characters"),
        (f"gauges:{GAUGES} x", "may hold only letters, digits"),
        (f"gauges:{GAUGES[:-2]}=x", "may hold only letters, digits"),
        (f"gauges:{GAUGES},observatory:{GAUGES}", "'observatory' has the same token as 'gauges'"),
    ],
)
def test_a_wrong_value_is_refused_with_a_clear_message_that_never_shows_a_token(
    value: str, words: str
) -> None:
    with pytest.raises(ConfigError, match="SANFANG_INGEST_TOKENS") as refused:
        Settings(ingest_tokens=value)
    message = str(refused.value)
    assert words in message
    for token in (OBSERVATORY, GAUGES, "short-token-of-23-chars"):
        assert token not in message


def test_production_refuses_to_start_without_tokens() -> None:
    with pytest.raises(ConfigError, match="SANFANG_INGEST_TOKENS must be set in production"):
        Settings(environment="production", secret_key=PRODUCTION_KEY)
    settings = Settings(
        environment="production", secret_key=PRODUCTION_KEY, ingest_tokens=f"gauges:{PRODUCTION_GAUGES}"
    )
    assert list(settings.ingest_feed_tokens) == ["gauges"]


def test_development_starts_without_tokens() -> None:
    assert Settings(environment="development").ingest_feed_tokens == {}


def test_each_configured_token_names_its_feed() -> None:
    feeds = FeedAuth(Settings(ingest_tokens=f"observatory:{OBSERVATORY},gauges:{GAUGES}").ingest_feed_tokens)
    assert feeds.names == ["observatory", "gauges"]
    assert feeds.feed_of(bearer(OBSERVATORY)) == "observatory"
    assert feeds.feed_of(bearer(GAUGES)) == "gauges"


@pytest.mark.parametrize(
    ("credentials", "status", "reason"),
    [
        (None, 401, "unauthenticated"),
        (bearer("x" * 40), 403, "forged_token"),
        (bearer(OBSERVATORY[:-1]), 403, "forged_token"),
        (bearer(OBSERVATORY + "x"), 403, "forged_token"),
        (bearer("观测台" * 10), 403, "forged_token"),
    ],
)
def test_a_missing_or_unknown_token_is_refused(
    credentials: HTTPAuthorizationCredentials | None, status: int, reason: str
) -> None:
    feeds = FeedAuth(Settings(ingest_tokens=f"observatory:{OBSERVATORY}").ingest_feed_tokens)
    with pytest.raises(Rejected) as refused:
        feeds.feed_of(credentials)
    assert (refused.value.status, refused.value.reason) == (status, reason)


def test_without_tokens_pushes_are_open_and_come_from_no_feed() -> None:
    feeds = FeedAuth({})
    assert feeds.names == []
    assert feeds.feed_of(None) is None
    assert feeds.feed_of(bearer("anything")) is None


def test_sources_name_the_feed_when_one_is_known() -> None:
    assert push_source("/api/v1/warnings", "observatory") == "api:observatory /api/v1/warnings"
    assert push_source("/api/v1/warnings", None) == "api:/api/v1/warnings"
    assert signal_source("observatory") == "api:observatory"
    assert signal_source(None) == "api"
