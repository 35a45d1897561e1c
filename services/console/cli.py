"""``sanfang users …``: officers' accounts from the command line (the first administrator
is made this way: there is no default account and no default password).

    sanfang users add zhang.wei --name 张伟 --role duty_officer   (asks for the password)
    echo "$PW" | sanfang users add admin --name 管理员 --role administrator --password-stdin
    sanfang users list
    sanfang users disable zhang.wei
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import TypeVar

from schemas.console import AccountIn, Role
from services.core.clock import SystemClock
from services.core.errors import ConfigError
from services.core.settings import Settings
from services.core.store import Store
from services.web.accounts import Accounts
from services.web.audit import Actor

__all__ = ["register"]

T = TypeVar("T")


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``sanfang users add|list|disable``."""
    users = commands.add_parser("users", help="officers' accounts of the console").add_subparsers(
        dest="users_command", required=True
    )
    add = users.add_parser("add", help="add an account (asks for the password)")
    add.add_argument("username")
    add.add_argument("--name", required=True, help="the officer's name as shown and audited")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(handler=_add)
    listing = users.add_parser("list", help="list the accounts")
    listing.set_defaults(handler=_list)
    disable = users.add_parser("disable", help="disable an account and end its sessions")
    disable.add_argument("username")
    disable.set_defaults(handler=_disable)


def _actor() -> Actor:
    return Actor(f"cli:{getpass.getuser()}", "命令行 command line", Role.ADMINISTRATOR.value, "local")


def _password(args: argparse.Namespace) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("password: ")
    if getpass.getpass("again: ") != first:
        raise ConfigError("the two passwords differ")
    return first


async def _with_accounts(work: Callable[[Accounts], Awaitable[T]]) -> T:
    settings = Settings()
    async with Store(settings.database_url_effective) as store:
        await store.migrate()
        return await work(Accounts(store, SystemClock()))


def _add(args: argparse.Namespace) -> int:
    from pydantic import ValidationError

    password = _password(args)
    try:
        account = AccountIn(
            username=args.username, display_name=args.name, role=Role(args.role), password=password
        )
    except ValidationError as exc:
        raise ConfigError(f"invalid account: {exc.errors()[0]['loc'][0]}: {exc.errors()[0]['msg']}") from exc
    added = asyncio.run(_with_accounts(lambda accounts: accounts.add(account, by=_actor())))
    sys.stdout.write(f"added {added.username} ({added.role.value})\n")
    return 0


def _list(args: argparse.Namespace) -> int:
    for account in asyncio.run(_with_accounts(lambda accounts: accounts.all())):
        state = "active" if account.active else "disabled"
        sys.stdout.write(f"{account.username}\t{account.display_name}\t{account.role.value}\t{state}\n")
    return 0


def _disable(args: argparse.Namespace) -> int:
    done = asyncio.run(_with_accounts(lambda accounts: accounts.disable(args.username, by=_actor())))
    sys.stdout.write(f"disabled {done.username}\n")
    return 0
