"""Settings of every Sanfang service: environment variables ``SANFANG_…`` and a config file.

Precedence, highest first: keyword arguments, environment variables, the TOML file named
by ``SANFANG_CONFIG_FILE``, the defaults below. Secrets are ``SecretStr`` and are masked
wherever settings are printed.

>>> s = Settings(data_dir="var/x")
>>> s.database_url_effective
'sqlite+aiosqlite:///var/x/sanfang.db'
>>> s.kafka_idempotence_effective
False
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)
from sqlalchemy.engine import make_url

from services.core.errors import ConfigError
from services.core.proxies import TrustedProxies
from services.core.strength import MAKE_ONE, weakness

__all__ = ["DEV_SECRET", "Settings"]

#: The development secret. It signs ack links in development only; production refuses it.
DEV_SECRET = "dev-only-secret-not-for-production"  # noqa: S105 - refused outside development

_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "password", DEV_SECRET, "dev-gateway-token"}
#: Estimated bits (services.core.strength) a production secret and a token must have.
_SECRET_BITS = 110
_TOKEN_BITS = 80

#: A pushing feed's name (it becomes part of the source recorded with what it pushes).
_FEED_NAME = re.compile(r"[A-Za-z0-9._-]{1,40}")
#: A feed token: RFC 6750's b64token, so it goes into an ``Authorization`` header as it is.
_FEED_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_FEED_TOKEN_MIN = 24
_MAKE_TOKEN = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"  # noqa: S105 - how to make one


class Settings(BaseSettings):
    """All settings, read once at start and then frozen."""

    model_config = SettingsConfigDict(env_prefix="SANFANG_", frozen=True, extra="ignore")

    environment: Literal["development", "production"] = "development"
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    data_dir: Path = Path("var")

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    public_url: str = Field(default="", description="base URL of ack links; default http://host:port")
    max_body_bytes: int = Field(default=1024 * 1024, gt=0)

    kafka_bootstrap: str = Field(default="", description="empty: start the embedded broker")
    kafka_enable_idempotence: bool | None = Field(
        default=None, description="default: on for a configured Kafka, off for the embedded broker"
    )
    kafka_session_timeout_ms: int = Field(
        default=6000, ge=1000, description="consumer-group session; Tansu waits half of it before a join"
    )
    kafka_request_timeout_ms: int = Field(
        default=15000, ge=1000, description="how long a send may wait for Kafka before it is retried"
    )
    topic_prefix: str = ""
    topic_partitions: int = Field(default=3, ge=1)
    topic_replication: int | None = Field(
        default=None, ge=1, description="default: 3 for a configured Kafka, 1 for the embedded broker"
    )
    consumer_max_tries: int = Field(
        default=10, ge=1, description="tries of a failing batch, database up, before dead-lettering"
    )
    consumer_stuck_seconds: float = Field(
        default=60.0, gt=0, description="events in hand and no progress this long: not ready"
    )

    database_url: str = Field(default="", description="empty: SQLite under data_dir")

    mqtt_host: str = "127.0.0.1"
    mqtt_port: int = Field(default=1883, ge=0, le=65535)
    mqtt_username: str | None = None
    mqtt_password: SecretStr | None = None
    mqtt_topic_root: str = "sanfang"
    # Several dispatch processes share the app acks ($share subscription, one clean session each)
    # instead of one persistent session that only one process may hold.
    mqtt_shared_acks: bool = False
    mqtt_embedded: Literal["auto", "never"] = Field(
        default="auto", description="auto: start an embedded MQTT broker if none answers on loopback"
    )

    rules_file: Path | None = None
    # rules (issue 4): how often the rules file is checked for changes (0: only API / SIGHUP)
    rules_watch_seconds: float = Field(default=5.0, ge=0)
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    ack_minutes: int = Field(default=15, gt=0)

    # dispatch (issue 5): targeting and escalation file, channels, gateways, ack links
    targeting_file: Path | None = Field(default=None, description="YAML targeting + escalation; none: all")
    # Dispatch refuses to start with no imported directory; a demo or a trial may ask for the
    # invented one instead. Never in production: those 3,183 persons do not exist.
    demo_directory: bool = Field(
        default=False, description="no directory imported: use the generated Bao'an one (demo, tests)"
    )
    gateway_url: str = Field(default="", description="SMS and voice gateway API; empty: SMS/voice off")
    gateway_token: SecretStr = Field(
        default=SecretStr("dev-gateway-token"), description="bearer token both ways with the gateway"
    )
    sms_per_second: float = Field(default=50.0, gt=0, description="SMS gateway rate limit")
    voice_per_second: float = Field(default=10.0, gt=0, description="voice gateway rate limit")
    webhook_per_second: float = Field(default=10.0, gt=0, description="group-robot webhook rate limit")
    channel_max_tries: int = Field(default=3, ge=1, description="tries per message before escalating")
    channel_timeout_seconds: float = Field(default=5.0, gt=0, description="one gateway call")
    send_lease_seconds: float = Field(default=30.0, gt=0, description="a claimed send is in doubt after")
    escalation_poll_seconds: float = Field(default=2.0, gt=0, description="how often deadlines are checked")
    push_retain_seconds: int = Field(default=86400, ge=60, description="MQTT retained notice lifetime")
    ack_link_hours: int = Field(default=72, gt=0, description="ack links stay valid after the deadline")

    # console (issue 6): officers' logins, sessions and the live board
    console_session_minutes: int = Field(default=720, gt=0, description="how long an officer's login lasts")
    # Failed logins are throttled per account *and* address (an outsider elsewhere cannot lock the
    # officer out) and per address across accounts (a spray), sparing accounts known there.
    console_login_failures: int = Field(
        default=5, ge=1, description="failed logins of one account from one address before it must wait"
    )
    console_lockout_minutes: int = Field(
        default=15, gt=0, description="failures counted this long; the longest wait of an account and address"
    )
    console_address_failures: int = Field(
        default=20, ge=1, description="failed logins from one address before only known accounts may log in"
    )
    # security (issue 10): X-Forwarded-For is read only from these (addresses or networks)
    trusted_proxies: str = Field(
        default="", description="our reverse proxies, e.g. 10.0.0.0/8,192.168.1.7; empty: none"
    )
    console_cookie_secure: bool | None = Field(default=None, description="default: on in production")
    console_board_poll_ms: int = Field(default=250, ge=20, description="how often the live board looks")

    # ingest: station registry, polled feeds, order of warnings, silent stations
    stations_file: Path | None = Field(default=None, description="station registry CSV; default Bao'an's")
    sources_file: Path | None = Field(default=None, description="YAML list of polled feeds; none: no polling")
    ingest_hold_seconds: float = Field(
        default=120.0, gt=0, description="how long an update/cancel waits for what it references"
    )
    station_silent_minutes: int = Field(default=30, gt=0, description="no reading for this long: silent")
    # time checks (issue 10): how far ahead of the clock a warning may be issued, and when one is stale
    ingest_future_hours: float = Field(
        default=24.0, gt=0, le=24 * 30, description="a warning issued further ahead than this is refused"
    )
    warning_stale_hours: float = Field(
        default=6.0, gt=0, description="a warning with no expiry is stale this long after it was issued"
    )
    # ingest (issue 3): the feeds that may push, each with its own bearer token
    ingest_tokens: SecretStr = Field(
        default=SecretStr(""),
        description="name:token,name:token; empty: pushes are not authenticated (refused in production)",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Read the TOML file named by ``SANFANG_CONFIG_FILE`` below the environment."""
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("SANFANG_CONFIG_FILE")
        if config_file:
            _check_toml(Path(config_file))
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @model_validator(mode="after")
    def _refuse_placeholder_secrets(self) -> Settings:
        if self.environment == "production":
            secret = self.secret_key.get_secret_value()
            problem = weakness(secret, min_length=32, min_bits=_SECRET_BITS)
            if secret.lower() in _PLACEHOLDERS or problem:
                raise ValueError(
                    "SANFANG_SECRET_KEY must be set to a random value of at least 32 characters in "
                    f"production ({problem or 'a placeholder'}; make one: {MAKE_ONE})"
                )
            # Only a configured gateway calls back (the routes exist only then) with this token.
            gateway = self.gateway_token.get_secret_value()
            problem = weakness(gateway, min_length=_FEED_TOKEN_MIN, min_bits=_TOKEN_BITS)
            if self.gateway_url and (gateway.lower() in _PLACEHOLDERS or problem):
                raise ValueError(
                    "SANFANG_GATEWAY_TOKEN must be set to the gateway's random token in production "
                    f"({problem or 'a placeholder'}; make one: {MAKE_ONE})"
                )
        return self

    @field_validator("ingest_tokens")
    @classmethod
    def _check_ingest_tokens(cls, value: SecretStr) -> SecretStr:
        _feed_tokens(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _require_ingest_tokens(self) -> Settings:
        if self.environment == "production" and not self.ingest_feed_tokens:
            raise ConfigError(
                "SANFANG_INGEST_TOKENS must be set in production, one name:token per feed that pushes "
                f"warnings or readings, e.g. observatory:<token>,gauges:<token> (a token: {_MAKE_TOKEN})"
            )
        if self.environment == "production":
            for name, token in self.ingest_feed_tokens.items():
                problem = weakness(token.get_secret_value(), min_length=_FEED_TOKEN_MIN, min_bits=_TOKEN_BITS)
                if problem:
                    raise ConfigError(
                        f"SANFANG_INGEST_TOKENS: the token of {name!r} is too easy to guess for production: "
                        f"{problem} (make one: {_MAKE_TOKEN})"
                    )
        return self

    @field_validator("trusted_proxies")
    @classmethod
    def _check_trusted_proxies(cls, value: str) -> str:
        TrustedProxies.parse(value)
        return value

    @property
    def proxies(self) -> TrustedProxies:
        """The reverse proxies whose ``X-Forwarded-For`` is believed (``SANFANG_TRUSTED_PROXIES``).

        >>> Settings(trusted_proxies="10.0.0.0/8").proxies.trusts("10.1.2.3")
        True
        """
        return TrustedProxies.parse(self.trusted_proxies)

    @property
    def ingest_feed_tokens(self) -> dict[str, SecretStr]:
        """The feeds that may push to ingest, by name, each with its token (``SANFANG_INGEST_TOKENS``).

        >>> Settings(ingest_tokens="gauges:" + "g" * 24).ingest_feed_tokens
        {'gauges': SecretStr('**********')}
        """
        return _feed_tokens(self.ingest_tokens.get_secret_value())

    @property
    def embedded_broker(self) -> bool:
        """Whether Sanfang starts its own Kafka-compatible broker (no bootstrap configured)."""
        return not self.kafka_bootstrap

    @property
    def kafka_idempotence_effective(self) -> bool:
        """The idempotent producer: on for Apache Kafka, off for the embedded broker."""
        if self.kafka_enable_idempotence is not None:
            return self.kafka_enable_idempotence
        return not self.embedded_broker

    @property
    def topic_replication_effective(self) -> int:
        """Replicas of each topic Sanfang creates: ``SANFANG_TOPIC_REPLICATION``, else 3 on a
        configured Kafka (one broker may be lost with nothing refused) and 1 on the embedded one.

        >>> Settings(kafka_bootstrap="k1:9092,k2:9092,k3:9092").topic_replication_effective
        3
        >>> Settings().topic_replication_effective
        1
        """
        if self.topic_replication is not None:
            return self.topic_replication
        return 1 if self.embedded_broker else 3

    @property
    def topic_min_insync_replicas(self) -> int | None:
        """``min.insync.replicas`` set on each topic Sanfang creates: 2 once it has 3 replicas or
        more, so that an ``acks=all`` write is on two brokers whatever the brokers' defaults say;
        ``None`` (the broker's default) below that.

        >>> Settings(kafka_bootstrap="k1:9092").topic_min_insync_replicas
        2
        >>> Settings(kafka_bootstrap="k1:9092", topic_replication=1).topic_min_insync_replicas is None
        True
        """
        return 2 if self.topic_replication_effective >= 3 else None

    @property
    def database_url_effective(self) -> str:
        """The database URL, SQLite under ``data_dir`` unless one is configured."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{self.data_dir / 'sanfang.db'}"

    @property
    def public_url_effective(self) -> str:
        """Base URL that links in notices point at."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = "127.0.0.1" if self.host in ("0.0.0.0", "::") else self.host  # noqa: S104 - display only
        return f"http://{host}:{self.port}"

    def topic(self, name: str) -> str:
        """The full topic name with the deployment's prefix."""
        return f"{self.topic_prefix}{name}"

    def describe(self) -> dict[str, Any]:
        """Every setting as printed at start, with secrets and passwords masked."""
        shown: dict[str, Any] = {}
        for name, value in self.model_dump().items():
            if isinstance(value, SecretStr):
                shown[name] = "**********" if value.get_secret_value() else ""
            elif isinstance(value, Path):
                shown[name] = str(value)
            else:
                shown[name] = value
        shown["database_url"] = make_url(self.database_url_effective).render_as_string(hide_password=True)
        shown["kafka_bootstrap"] = self.kafka_bootstrap or "(embedded broker)"
        shown["kafka_enable_idempotence"] = self.kafka_idempotence_effective
        shown["topic_replication"] = self.topic_replication_effective
        return shown


def _feed_tokens(text: str) -> dict[str, SecretStr]:
    """``name:token,name:token`` read into tokens by feed name; :class:`ConfigError` says what is wrong.

    A ConfigError rather than a ValueError: pydantic would print the value, tokens and all.
    """
    tokens: dict[str, SecretStr] = {}
    if not text.strip():
        return tokens
    owners: dict[str, str] = {}
    for number, entry in enumerate(text.split(","), start=1):
        name, colon, token = (part.strip() for part in entry.partition(":"))
        where = f"SANFANG_INGEST_TOKENS, entry {number}"
        if not entry.strip():
            raise ConfigError(f"{where} is empty: write name:token, entries separated by commas")
        if not colon or not name:
            raise ConfigError(f"{where}: write name:token, entries separated by commas")
        if not _FEED_NAME.fullmatch(name):
            raise ConfigError(
                f"{where}: a feed name is 1 to 40 letters, digits, '.', '_' or '-', not {name!r}"
            )
        if name in tokens:
            raise ConfigError(f"{where}: the feed name {name!r} is given twice")
        if len(token) < _FEED_TOKEN_MIN:
            raise ConfigError(
                f"{where}: the token of {name!r} has {len(token)} characters, at least {_FEED_TOKEN_MIN} "
                f"are needed ({_MAKE_TOKEN})"
            )
        if not _FEED_TOKEN.fullmatch(token):
            raise ConfigError(
                f"{where}: the token of {name!r} may hold only letters, digits, '-', '.', '_', '~', '+', '/' "
                "and '=' at its end"
            )
        if token in owners:
            raise ConfigError(f"{where}: {name!r} has the same token as {owners[token]!r}; give each its own")
        owners[token] = name
        tokens[name] = SecretStr(token)
    return tokens


def _check_toml(path: Path) -> None:
    """Fail with a clear message when the config file is missing or not TOML."""
    try:
        tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ValueError(f"SANFANG_CONFIG_FILE names {path}, which does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{path} is not valid TOML: {exc}") from exc
