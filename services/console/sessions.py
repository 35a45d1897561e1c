"""Logging in and out: argon2 password checks, throttled and locked after repeated
failures, and sessions whose token works as a bearer token or as an HttpOnly cookie.

Only a SHA-256 of each token is stored. A session ends when it expires, when the officer
logs out, or when the account is disabled.

>>> async def demo(sessions: Sessions) -> None:  # doctest: +SKIP
...     login = await sessions.login("zhang.wei", "…", source_ip="10.0.0.5")
...     officer = await sessions.resolve(login.token)
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from schemas.console import LoginOut, OfficerPublic, Role
from services.console import tables
from services.console.audit import Actor, record
from services.console.errors import Locked, NotAuthenticated, TooManyAttempts
from services.console.passwords import averify_password
from services.core.clock import Clock
from services.core.settings import Settings
from services.core.store import Store

__all__ = ["Officer", "Sessions", "token_hash"]

log = logging.getLogger(__name__)

#: Failed logins from one address, across accounts, before that address is refused for a while.
IP_FAILURES_PER_ACCOUNT_LIMIT = 4


@dataclass(frozen=True)
class Officer:
    """The officer behind a request's session."""

    username: str
    display_name: str
    role: Role
    csrf_token: str
    expires_at: datetime

    def public(self) -> OfficerPublic:
        """As the API shows the officer."""
        return OfficerPublic(
            username=self.username, display_name=self.display_name, role=self.role, role_zh=self.role.chinese
        )

    def actor(self, source_ip: str) -> Actor:
        """The officer as the audit log names them."""
        return Actor(self.username, self.display_name, self.role.value, source_ip)


def token_hash(token: str) -> str:
    """What is stored of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


class Sessions:
    """Logins, sessions and the failed-login throttle."""

    def __init__(
        self, store: Store, clock: Clock, *, session_minutes: int, max_failures: int, lockout_minutes: int
    ) -> None:
        self._store = store
        self._clock = clock
        self._ttl = timedelta(minutes=session_minutes)
        self._max_failures = max_failures
        self._lockout = timedelta(minutes=lockout_minutes)

    @classmethod
    def from_settings(cls, store: Store, clock: Clock, settings: Settings) -> Sessions:
        """The sessions of the deployment, as its settings say (any service that checks logins)."""
        return cls(
            store,
            clock,
            session_minutes=settings.console_session_minutes,
            max_failures=settings.console_login_failures,
            lockout_minutes=settings.console_lockout_minutes,
        )

    async def login(self, username: str, password: str, *, source_ip: str) -> LoginOut:
        """Check the password and open a session.

        Raises ``NotAuthenticated`` for a wrong username or password (the same answer for
        both), ``Locked`` after too many failures for the account, ``TooManyAttempts``
        after too many failures from the address.
        """
        now = self._clock.now()
        await self._throttle(username, source_ip, now)
        c = tables.accounts.c
        async with self._store.read() as conn:
            row = (
                (await conn.execute(select(tables.accounts).where(c.username == username))).mappings().first()
            )
        usable = row is not None and row["active"]
        ok = await averify_password(row["password_hash"] if usable and row else None, password)
        actor = Actor(
            username[:64], row["display_name"] if row else "", row["role"] if row else "", source_ip
        )
        async with self._store.transaction() as tx:
            await tx.execute(
                tables.login_attempts.insert().values(
                    username=username[:64], source_ip=source_ip, at=now, ok=ok
                )
            )
            if not ok or row is None:
                await record(tx, actor, "auth.login", f"account:{username[:64]}", now, outcome="refused")
            else:
                token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
                expires = now + self._ttl
                await tx.execute(
                    tables.sessions.insert().values(
                        token_hash=token_hash(token),
                        username=username,
                        csrf_token=csrf,
                        created_at=now,
                        expires_at=expires,
                        source_ip=source_ip,
                    )
                )
                await record(
                    tx, actor, "auth.login", f"account:{username}", now, after={"expires_at": expires}
                )
        if not ok or row is None:
            # The username is logged, never the password.
            log.warning("failed login for %r from %s", username[:64], source_ip)
            raise NotAuthenticated("wrong username or password")
        role = Role(row["role"])
        officer = OfficerPublic(
            username=username, display_name=row["display_name"], role=role, role_zh=role.chinese
        )
        return LoginOut(token=token, expires_at=expires, csrf_token=csrf, officer=officer)

    async def _throttle(self, username: str, source_ip: str, now: datetime) -> None:
        a = tables.login_attempts.c
        since = now - self._lockout
        async with self._store.read() as conn:
            last_ok = (
                await conn.execute(select(func.max(a.at)).where(a.username == username, a.ok.is_(True)))
            ).scalar_one_or_none()
            start = max(since, last_ok) if last_ok else since
            failures = (
                (
                    await conn.execute(
                        select(a.at)
                        .where(a.username == username, a.ok.is_(False), a.at > start)
                        .order_by(a.at.desc())
                        .limit(self._max_failures)
                    )
                )
                .scalars()
                .all()
            )
            from_ip = (
                await conn.execute(
                    select(func.count()).where(a.source_ip == source_ip, a.ok.is_(False), a.at > since)
                )
            ).scalar_one()
        if from_ip >= self._max_failures * IP_FAILURES_PER_ACCOUNT_LIMIT:
            raise TooManyAttempts(
                f"too many failed logins from {source_ip}; try again later",
                retry_after=int(self._lockout.total_seconds()),
            )
        if len(failures) >= self._max_failures:
            until = failures[0] + self._lockout
            raise Locked(
                f"the account is locked after {self._max_failures} failed logins; try again after "
                f"{until.isoformat(timespec='seconds')}",
                retry_after=max(1, int((until - now).total_seconds())),
            )

    async def resolve(self, token: str) -> Officer:
        """The officer of a live session; ``NotAuthenticated`` when there is none."""
        s, c = tables.sessions.c, tables.accounts.c
        now = self._clock.now()
        async with self._store.read() as conn:
            row = (
                await conn.execute(
                    select(c.username, c.display_name, c.role, s.csrf_token, s.expires_at)
                    .join(tables.accounts, c.username == s.username)
                    .where(
                        s.token_hash == token_hash(token),
                        s.revoked_at.is_(None),
                        s.expires_at > now,
                        c.active.is_(True),
                    )
                )
            ).first()
        if row is None:
            raise NotAuthenticated("the session has expired or ended; log in again")
        return Officer(row.username, row.display_name, Role(row.role), row.csrf_token, row.expires_at)

    async def logout(self, token: str, actor: Actor) -> None:
        """End the session of ``token``."""
        now = self._clock.now()
        s = tables.sessions.c
        async with self._store.transaction() as tx:
            await tx.execute(
                update(tables.sessions)
                .where(s.token_hash == token_hash(token), s.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            await record(tx, actor, "auth.logout", f"account:{actor.username}", now)
