"""Failed logins slow an account down at one address, never lock it: an outsider cannot keep
the commander out; a spray from one address spares the officers who work there; and only a
trusted proxy's X-Forwarded-For is believed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from schemas.console import Role
from services.web import tables
from tests.integration.security.stack import console_stack

pytestmark = pytest.mark.integration

OFFICE = "10.1.2.3"
OUTSIDER = "198.51.100.66"
WRONG = "guess-guess-guess"


async def test_an_outsider_cannot_lock_the_commander_out(database_url: str) -> None:
    async with console_stack(database_url) as stack:
        await stack.officer("cmd1", Role.COMMANDER)
        answers = [(await stack.login(OUTSIDER, "cmd1", WRONG)).status_code for _ in range(30)]
        assert answers[:5] == [401] * 5
        assert 429 in answers[5:]  # the outsider is slowed down ...
        assert (await stack.login(OUTSIDER, "cmd1")).status_code == 429  # ... even with the password
        # ... and the commander, at the office, logs in at once.
        assert (await stack.login(OFFICE, "cmd1")).status_code == 200


async def test_the_wait_of_an_account_at_an_address_grows_and_a_success_clears_it(database_url: str) -> None:
    async with console_stack(database_url) as stack:
        await stack.officer("duty1")
        for _ in range(5):
            assert (await stack.login(OFFICE, "duty1", WRONG)).status_code == 401
        waiting = await stack.login(OFFICE, "duty1")
        assert waiting.status_code == 429
        assert waiting.json()["error"] == "too_many_attempts"
        assert 0 < int(waiting.headers["retry-after"]) <= 15
        stack.clock.advance(timedelta(seconds=15))
        assert (await stack.login(OFFICE, "duty1", WRONG)).status_code == 401  # one more try, then longer
        longer = await stack.login(OFFICE, "duty1")
        assert 15 < int(longer.headers["retry-after"]) <= 30
        stack.clock.advance(timedelta(seconds=30))
        assert (await stack.login(OFFICE, "duty1")).status_code == 200
        # The count starts again after a success: one slip is a 401, not a wait.
        assert (await stack.login(OFFICE, "duty1", WRONG)).status_code == 401
        assert (await stack.login(OFFICE, "duty1")).status_code == 200


async def test_the_wait_never_exceeds_the_lockout_minutes(database_url: str) -> None:
    async with console_stack(database_url, console_login_failures=2, console_lockout_minutes=1) as stack:
        await stack.officer("duty1")
        for _ in range(12):
            answer = await stack.login(OUTSIDER, "duty1", WRONG)
            if answer.status_code == 429:
                assert int(answer.headers["retry-after"]) <= 60
                stack.clock.advance(timedelta(seconds=int(answer.headers["retry-after"])))
        assert (await stack.login(OUTSIDER, "duty1", WRONG)).status_code in (401, 429)
        stack.clock.advance(timedelta(minutes=1))
        assert (await stack.login(OUTSIDER, "duty1")).status_code == 200


async def test_a_spray_from_one_address_spares_the_officers_who_log_in_there(database_url: str) -> None:
    async with console_stack(database_url) as stack:
        for name in ("duty1", "cmd1", "cmd2"):
            await stack.officer(name)
        assert (await stack.login(OFFICE, "duty1")).status_code == 200
        assert (await stack.login(OFFICE, "cmd1")).status_code == 200
        for n in range(20):  # someone in the office network sprays accounts
            assert (await stack.login(OFFICE, f"spray{n}", WRONG)).status_code == 401
        # Accounts used from this address before still log in; one never used here waits ...
        assert (await stack.login(OFFICE, "duty1")).status_code == 200
        assert (await stack.login(OFFICE, "cmd1")).status_code == 200
        refused = await stack.login(OFFICE, "cmd2")
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        # ... which it does not at any other address, nor once the failures are old.
        assert (await stack.login(OUTSIDER, "cmd2")).status_code == 200
        stack.clock.advance(timedelta(minutes=16))
        assert (await stack.login(OFFICE, "cmd2")).status_code == 200


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy(database_url: str) -> None:
    async with console_stack(database_url, trusted_proxies="10.0.0.0/8") as stack:
        await stack.officer("duty1")
        # A client that is no proxy of ours cannot escape its wait by naming another address ...
        for n in range(5):
            spoof = {"X-Forwarded-For": f"192.0.2.{n}"}
            assert (await stack.login(OUTSIDER, "duty1", WRONG, **spoof)).status_code == 401
        spoof = {"X-Forwarded-For": "192.0.2.99"}
        assert (await stack.login(OUTSIDER, "duty1", **spoof)).status_code == 429
        # ... nor can a client behind our proxy claim to be an office address: the proxy appends
        # what it saw, and the right-most address that is not a proxy is the client.
        proxy, far = "10.0.0.2", "203.0.113.50"
        for _ in range(5):
            forwarded = {"X-Forwarded-For": f"{OFFICE}, {far}"}
            assert (await stack.login(proxy, "duty1", WRONG, **forwarded)).status_code == 401
        forwarded = {"X-Forwarded-For": f"{OFFICE}, {far}"}
        assert (await stack.login(proxy, "duty1", **forwarded)).status_code == 429
        # The officer behind the same proxy is another client, and the session records where from.
        office = {"X-Forwarded-For": f"{OFFICE}, 10.0.0.9"}
        assert (await stack.login(proxy, "duty1", **office)).status_code == 200
        s = tables.sessions.c
        async with stack.console.store.read() as conn:
            assert list((await conn.execute(select(s.source_ip))).scalars()) == [OFFICE]
