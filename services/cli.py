"""The ``sanfang`` command.

sanfang up [--host H] [--port P] [--data-dir D]   every service in one process
sanfang run SERVICE [SERVICE …]                    some services (production): ingest, rules,
                                                   dispatch, console, recorder, replay
sanfang migrate                                    bring the database schema up to date
sanfang demo [--scenario S] [--exit-when-done]     play H1 2024 live (or one typhoon warning)
sanfang rules check FILE                           validate a rules file and summarise it
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import signal
import sys
from pathlib import Path

from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from services.core.errors import BrokerGone, SanfangError
from services.core.logs import setup_logging
from services.core.settings import Settings
from services.core.store import Store

__all__ = ["main"]

log = logging.getLogger("sanfang")

#: Modules that add their own subcommands; each has ``register(commands)``.
_COMMAND_MODULES = (
    "services.rules.cli",
    "services.console.cli",
    "services.dispatch.cli",
    "services.replay.cli",
)
console = Console(stderr=True)
#: What ``sanfang run`` takes, for its help; ``services.runtime.BUILDERS`` decides (a test keeps
#: the two the same: importing the runtime for every ``sanfang`` command would be slow).
RUNNABLE = ("ingest", "rules", "dispatch", "console", "recorder", "replay")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``sanfang`` command; returns the exit status."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args.handler(args))
    except ValidationError as exc:
        console.print(f"[red]invalid settings:[/red] {escape(settings_problems(exc))}")
        return 2
    except SanfangError as exc:
        console.print(f"[red]error:[/red] {exc}")
        return 1


def settings_problems(error: ValidationError) -> str:
    """What is wrong with the settings, one problem a line, naming the setting but never
    echoing its value (a refused value may be a secret)."""
    lines = []
    for problem in error.errors(include_input=False, include_url=False, include_context=False):
        where = ".".join(str(part) for part in problem["loc"])
        name = f"SANFANG_{where.upper()}: " if where else ""
        lines.append(f"{name}{problem['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sanfang", description="Flood and typhoon response coordinator")
    commands = parser.add_subparsers(dest="command")

    up = commands.add_parser("up", help="run every service in one process (embedded broker, SQLite)")
    up.add_argument("--host", help="console address (default 127.0.0.1)")
    up.add_argument("--port", type=int, help="console port (default 8080)")
    up.add_argument("--data-dir", type=Path, help="where SQLite and logs live (default ./var)")
    up.set_defaults(handler=_up)

    run = commands.add_parser("run", help="run some services against the configured Kafka and database")
    run.add_argument("service", nargs="+", metavar="SERVICE", help=f"one or more of: {', '.join(RUNNABLE)}")
    run.set_defaults(handler=_run)

    demo = commands.add_parser(
        "demo", help="play H1 2024 in Bao'an live with simulated persons (or one typhoon warning)"
    )
    demo.add_argument("--data-dir", type=Path, default=Path("var/demo"), help="default ./var/demo")
    demo.add_argument("--port", type=int, help="console port (default 8080)")
    importlib.import_module("services.demo.cli").add_arguments(demo)
    demo.set_defaults(handler=_demo)

    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(handler=_migrate)

    for module in _COMMAND_MODULES:
        importlib.import_module(module).register(commands)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        name: value
        for name in ("host", "port", "data_dir")
        if (value := getattr(args, name, None)) is not None
    }
    return Settings(**overrides)


def _print_settings(settings: Settings) -> None:
    table = Table(title="sanfang settings", show_header=False)
    for name, value in settings.describe().items():
        table.add_row(name, str(value))
    console.print(table)


def _up(args: argparse.Namespace) -> int:
    from services.runtime import ALL_SERVICES

    settings = _settings(args)
    return _serve(settings, ALL_SERVICES)


def _run(args: argparse.Namespace) -> int:
    from services.runtime import ALL_SERVICES

    unknown = sorted(set(args.service) - ALL_SERVICES)
    if unknown:
        # Checked before any setting is read or anything connects: a typo in a unit file or a
        # manifest should say so at once, not after a minute of retries.
        console.print(
            f"[red]error:[/red] no service named {escape(', '.join(unknown))}; "
            f"`sanfang run` takes one or more of: {', '.join(sorted(ALL_SERVICES))}",
            soft_wrap=True,
        )
        return 2
    settings = _settings(args)
    return _serve(settings, frozenset(args.service))


def _serve(settings: Settings, services: frozenset[str]) -> int:
    from services.runtime import Runtime

    setup_logging(settings.log_level)
    _print_settings(settings)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        while not stop.is_set():
            runtime = Runtime(settings, services)

            async def announce(runtime: Runtime = runtime) -> None:
                await runtime.ready.wait()
                url = settings.public_url_effective
                console.print(f"[green]sanfang is up.[/green] Console and API: {url}  (Ctrl-C stops)")

            waiter = asyncio.create_task(announce())
            try:
                await runtime.run(stop)
            except BrokerGone as exc:
                # Everything starts again on a new broker; the outbox publishes again what
                # the consumers had not applied (services/core/settling.py).
                log.error("%s: starting the services again", exc)  # noqa: TRY400 - the cause is said
            else:
                return
            finally:
                waiter.cancel()

    asyncio.run(serve())
    return 0


def _demo(args: argparse.Namespace) -> int:
    from services.demo.cli import run_demo_command

    return run_demo_command(args, _settings(args))


def _migrate(args: argparse.Namespace) -> int:
    settings = _settings(args)
    setup_logging(settings.log_level)

    async def migrate() -> None:
        async with Store(settings.database_url_effective) as store:
            await store.migrate()

    asyncio.run(migrate())
    console.print("database schema is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
