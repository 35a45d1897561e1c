"""Production refuses guessable secrets: the signing key, the feeds' tokens and the gateway's
token are checked for strength (length, variety, no repeated part, no run), not only length;
development keeps its defaults."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.core.errors import ConfigError
from services.core.settings import DEV_SECRET, Settings
from services.core.strength import weakness

# Made with secrets.token_urlsafe(32) and secrets.token_hex(16): what the error messages advise.
KEY = "Yq3v_0Pp-Jd8tLr2ZsKmW7xNbE4hGc9uFo1iTa6eRyU"
FEED = "mZ4q7-Kd2xVb9TnR0wLc8hPj"
HEX = "9f2c4e81b07d3a6f5c1e8d2b4a907f36"
GATEWAY = "Qe7Lk2vN9xTb4Hc0Rz6Wm1Ys"

WEAK_SECRETS = [
    ("a" * 36, "repeats one character"),
    ("k" * 40, "repeats one character"),
    ("abcdefghijklmnopqrstuvwxyz0123456789", "obvious pattern"),
    ("0123456789012345678901234567890123", "repeats a shorter part"),
    ("changeme-changeme-changeme-changeme", "repeats a shorter part"),
    ("eia1ooeaaaouiaeuuiieaiea1iieeii11i", "different characters"),
    ("short-but-random-Qe7Lk2v", "at least 32"),
]


def production(**values: object) -> Settings:
    base: dict[str, object] = {
        "environment": "production",
        "secret_key": KEY,
        "ingest_tokens": f"gauges:{FEED}",
    }
    return Settings(**{**base, **values})  # type: ignore[arg-type]


@pytest.mark.parametrize(("secret", "why"), WEAK_SECRETS)
def test_a_guessable_secret_key_is_refused_in_production_saying_how_to_make_one(
    secret: str, why: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        production(secret_key=secret)
    message = str(refused.value.errors(include_input=False)[0]["msg"])
    assert "SANFANG_SECRET_KEY" in message
    assert why in message
    assert "secrets.token_urlsafe" in message
    assert secret not in message


@pytest.mark.parametrize(
    "token",
    ["a" * 24, "abcdefghijklmnopqrstuvwx", "gau_ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcabcabcabcabcabcabcabc"],
)
def test_a_guessable_feed_token_is_refused_in_production(token: str) -> None:
    with pytest.raises(ConfigError) as refused:
        production(ingest_tokens=f"observatory:{FEED},gauges:{token}")
    message = str(refused.value)
    assert "SANFANG_INGEST_TOKENS: the token of 'gauges' is too easy to guess" in message
    assert "secrets.token_urlsafe" in message
    assert token not in message


def test_random_secrets_pass_and_development_keeps_its_defaults() -> None:
    assert production().secret_key.get_secret_value() == KEY
    assert production(secret_key=HEX, ingest_tokens=f"gauges:{HEX}").secret_key.get_secret_value() == HEX
    development = Settings()
    assert development.secret_key.get_secret_value() == DEV_SECRET
    assert development.gateway_token.get_secret_value() == "dev-gateway-token"
    # A development feed token is checked for its form, not its strength (tests use simple ones).
    assert list(Settings(ingest_tokens="gauges:" + "g" * 24).ingest_feed_tokens) == ["gauges"]


@pytest.mark.parametrize(
    "token", ["dev-gateway-token", "dev-gateway-token-dev-gateway-token", "x" * 32, "changeme"]
)
def test_a_configured_gateway_with_a_placeholder_or_weak_token_is_refused_in_production(token: str) -> None:
    with pytest.raises(ValidationError) as refused:
        production(gateway_url="https://gateway.example/api", gateway_token=token)
    message = str(refused.value.errors(include_input=False)[0]["msg"])
    assert "SANFANG_GATEWAY_TOKEN must be set" in message
    assert token not in message
    settings = production(gateway_url="https://gateway.example/api", gateway_token=GATEWAY)
    assert settings.gateway_token.get_secret_value() == GATEWAY


def test_without_a_gateway_its_token_is_never_used_so_not_asked_for() -> None:
    # The callback routes are not mounted without SANFANG_GATEWAY_URL (tests/integration/security).
    assert production().gateway_url == ""


def test_random_tokens_pass_the_strength_check_nearly_always() -> None:
    import secrets

    made = [secrets.token_urlsafe(18) for _ in range(2000)] + [secrets.token_hex(12) for _ in range(2000)]
    refused = [token for token in made if weakness(token, min_length=24, min_bits=80)]
    assert len(refused) <= 2, refused  # about 1 in 250,000 is unlucky; its message says make another
