"""Officers' accounts: add, list, disable. There is no default account and no default
password: the first administrator is made with ``sanfang users add``.

>>> async def demo(accounts: Accounts, cli: Actor) -> None:  # doctest: +SKIP
...     await accounts.add(AccountIn(username="zhang.wei", display_name="张伟",
...                                  role=Role.DUTY_OFFICER, password="…"), by=cli)
"""

from __future__ import annotations

from sqlalchemy import select, update

from schemas.console import AccountIn, AccountPublic, Role
from services.core.clock import Clock
from services.core.store import Store
from services.web import tables
from services.web.audit import Actor, record
from services.web.errors import Conflict, Invalid, NotFound
from services.web.passwords import hash_password, weakness

__all__ = ["Accounts"]


class Accounts:
    """The accounts table, every change audited."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock

    async def add(self, account: AccountIn, *, by: Actor) -> AccountPublic:
        """Create an account; refuses a weak password and a username already taken."""
        problem = weakness(account.password, account.username)
        if problem is not None:
            raise Invalid(f"the password is too weak: it needs {problem}")
        hashed = hash_password(account.password)
        now = self._clock.now()
        c = tables.accounts.c
        async with self._store.transaction() as tx:
            taken = (await tx.execute(select(c.username).where(c.username == account.username))).first()
            if taken is not None:
                raise Conflict(f"the username {account.username!r} is taken")
            await tx.execute(
                tables.accounts.insert().values(
                    username=account.username,
                    display_name=account.display_name,
                    role=account.role.value,
                    password_hash=hashed,
                    active=True,
                    created_at=now,
                    updated_at=now,
                )
            )
            public = AccountPublic(
                username=account.username,
                display_name=account.display_name,
                role=account.role,
                active=True,
                created_at=now,
            )
            await record(
                tx,
                by,
                "account.add",
                f"account:{account.username}",
                now,
                after=public.model_dump(mode="json"),
            )
        return public

    async def all(self) -> list[AccountPublic]:
        """Every account, by username."""
        c = tables.accounts.c
        async with self._store.read() as conn:
            rows = (
                await conn.execute(
                    select(c.username, c.display_name, c.role, c.active, c.created_at).order_by(c.username)
                )
            ).mappings()
            return [AccountPublic(**{**row, "role": Role(row["role"])}) for row in rows]

    async def disable(self, username: str, *, by: Actor) -> AccountPublic:
        """Disable an account and end its sessions at once; the account and its history stay."""
        now = self._clock.now()
        c = tables.accounts.c
        async with self._store.transaction() as tx:
            row = (await tx.execute(select(tables.accounts).where(c.username == username))).mappings().first()
            if row is None:
                raise NotFound(f"no account {username!r}")
            await tx.execute(
                update(tables.accounts).where(c.username == username).values(active=False, updated_at=now)
            )
            s = tables.sessions.c
            await tx.execute(
                update(tables.sessions)
                .where(s.username == username, s.revoked_at.is_(None))
                .values(revoked_at=now)
            )
            await record(
                tx,
                by,
                "account.disable",
                f"account:{username}",
                now,
                before={"active": row["active"]},
                after={"active": False},
            )
        return AccountPublic(
            username=username,
            display_name=row["display_name"],
            role=Role(row["role"]),
            active=False,
            created_at=row["created_at"],
        )
