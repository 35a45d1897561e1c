"""Logging in and out: argon2 password checks, a throttle on failed logins, and sessions
whose token works as a bearer token or as an HttpOnly cookie.

The throttle never locks an account: a lock is what an attacker wants, to keep the commander
out in the middle of a typhoon. It slows two things down instead:

- one account *from one address*: after ``console_login_failures`` failures there, each try
  waits 15 s, then 30 s, 60 s … up to ``console_lockout_minutes``; the same officer at any
  other address logs in at once, and a success there clears the count;
- one address across accounts (a password spray): after ``console_address_failures``
  failures within ``console_lockout_minutes`` the address may log in only to accounts that
  logged in from it before (within 30 days), so the officers of a shared office still can.

Refused tries are answered 429 with ``Retry-After``, without checking the password and
without being recorded. The client's address is the peer's, or the one a trusted proxy
(``SANFANG_TRUSTED_PROXIES``) forwarded.

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
from services.core.clock import Clock
from services.core.proxies import TrustedProxies
from services.core.settings import Settings
from services.core.store import Store
from services.web import tables
from services.web.audit import Actor, record
from services.web.errors import NotAuthenticated, TooManyAttempts
from services.web.passwords import averify_password

__all__ = ["Officer", "Sessions", "token_hash"]

log = logging.getLogger(__name__)

#: The first wait of an account at an address after its allowed failures; it doubles with each.
FIRST_WAIT = timedelta(seconds=15)
#: An address over its failure limit may still log in to an account that logged in from it this recently.
KNOWN_FOR = timedelta(days=30)


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
        self,
        store: Store,
        clock: Clock,
        *,
        session_minutes: int,
        max_failures: int,
        lockout_minutes: int,
        address_failures: int = 20,
        proxies: TrustedProxies | None = None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._ttl = timedelta(minutes=session_minutes)
        self._max_failures = max_failures
        self._lockout = timedelta(minutes=lockout_minutes)
        self._address_failures = address_failures
        #: The proxies whose X-Forwarded-For names the client (see ``Auth.address``).
        self.proxies = proxies or TrustedProxies()

    @classmethod
    def from_settings(cls, store: Store, clock: Clock, settings: Settings) -> Sessions:
        """The sessions of the deployment, as its settings say (any service that checks logins)."""
        return cls(
            store,
            clock,
            session_minutes=settings.console_session_minutes,
            max_failures=settings.console_login_failures,
            lockout_minutes=settings.console_lockout_minutes,
            address_failures=settings.console_address_failures,
            proxies=settings.proxies,
        )

    async def login(self, username: str, password: str, *, source_ip: str) -> LoginOut:
        """Check the password and open a session.

        Raises ``NotAuthenticated`` for a wrong username or password (the same answer for
        both), ``TooManyAttempts`` while this account must wait at this address, or while
        this address, after too many failures, tries an account not known there.
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
        username = username[:64]
        pair = (a.username == username, a.source_ip == source_ip)
        async with self._store.read() as conn:
            last_ok = (
                await conn.execute(select(func.max(a.at)).where(*pair, a.ok.is_(True)))
            ).scalar_one_or_none()
            start = max(since, last_ok) if last_ok else since
            failures, latest = (
                await conn.execute(
                    select(func.count(), func.max(a.at)).where(*pair, a.ok.is_(False), a.at > start)
                )
            ).one()
            from_address = (
                await conn.execute(
                    select(func.count()).where(a.source_ip == source_ip, a.ok.is_(False), a.at > since)
                )
            ).scalar_one()
            known = (
                from_address >= self._address_failures
                and (
                    await conn.execute(
                        select(func.count()).where(*pair, a.ok.is_(True), a.at > now - KNOWN_FOR)
                    )
                ).scalar_one()
                > 0
            )
        if from_address >= self._address_failures and not known:
            raise TooManyAttempts(
                f"too many failed logins from {source_ip}; only accounts used here before may log in "
                "from it for now",
                retry_after=int(self._lockout.total_seconds()),
            )
        excess = failures - self._max_failures
        if excess >= 0 and latest is not None:
            wait = min(self._lockout, FIRST_WAIT * 2 ** min(excess, 20))
            left = (latest + wait - now).total_seconds()
            if left > 0:
                raise TooManyAttempts(
                    f"{failures} failed logins for this account from {source_ip}; try again in "
                    f"{int(left) + 1} s (from another address it works now)",
                    retry_after=int(left) + 1,
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
