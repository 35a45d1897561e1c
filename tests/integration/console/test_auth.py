"""Logging in, sessions, throttling and who may do what: every role boundary of the API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from schemas.console import AccountIn, Role
from services.cli import main
from tests.integration.console.conftest import CLI, PASSWORD, Harness

pytestmark = pytest.mark.integration

CHANGES = [
    ("POST", "/api/v1/proposals/r1/confirm", {"note": ""}),
    ("POST", "/api/v1/proposals/r1/reject", {"note": "雨已停"}),
    ("POST", "/api/v1/levels", {"streets": ["松岗"], "level": "IV", "reason": "会商"}),
    ("POST", "/api/v1/responses/r1/end", {"reason": "雨停"}),
    ("POST", "/api/v1/responses/r1/acks", {"person_id": "P1", "reason": "电话确认"}),
    ("POST", "/api/v1/notices/N-P1/acks", {"reason": "电话确认"}),
    ("POST", "/api/v1/notices/manual", {"units": ["U08"], "title": "t", "text": "x"}),
    ("POST", "/api/v1/notices/manual/preview", {"units": ["U08"], "title": "t", "text": "x"}),
    ("POST", "/api/v1/drills", {"streets": ["松岗"], "mode": "now"}),
    (
        "POST",
        "/api/v1/accounts",
        {"username": "x1", "display_name": "x", "role": "viewer", "password": PASSWORD},
    ),
]
READS = [
    "/api/v1/proposals",
    "/api/v1/responses/r1/board",
    "/api/v1/persons/P1",
    "/api/v1/units",
    "/api/v1/notices/manual/m1/pending",
    "/api/v1/drills",
    "/api/v1/audit",
]


async def test_anonymous_calls_get_401_and_public_reads_stay_open(harness: Harness) -> None:
    await harness.response("r1", "IV", "proposed")
    for method, path, body in CHANGES:
        answer = await harness.http.request(method, path, json=body)
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json()["error"] == "not_authenticated"
        assert answer.headers["www-authenticate"] == "Bearer"
    for path in READS:
        assert (await harness.http.get(path)).status_code == 401, path
    assert (await harness.http.get("/api/v1/responses")).status_code == 200
    forged = await harness.http.post(
        "/api/v1/proposals/r1/confirm", json={}, headers={"Authorization": "Bearer forged-token"}
    )
    assert forged.status_code == 401


async def test_a_viewer_reads_but_changes_nothing(harness: Harness) -> None:
    await harness.response("r1", "IV", "proposed")
    viewer = await harness.officer("viewer1", Role.VIEWER)
    for method, path, body in CHANGES:
        answer = await harness.http.request(method, path, json=body, headers=viewer)
        assert answer.status_code == 403, (path, answer.text)
    assert (await harness.http.get("/api/v1/proposals", headers=viewer)).status_code == 200
    assert (await harness.http.get("/api/v1/audit", headers=viewer)).status_code == 403
    assert await harness.outbox("command.proposal_confirmed") == []


async def test_role_boundaries_of_levels_audit_and_accounts(harness: Harness) -> None:
    await harness.response("r2", "II", "proposed")
    officer = await harness.officer("duty1", Role.DUTY_OFFICER)
    admin = await harness.officer("admin1", Role.ADMINISTRATOR)
    commander = await harness.officer("cmd1", Role.COMMANDER)
    # A level II proposal is a commander's; an administrator takes no operational decision.
    assert (
        await harness.http.post("/api/v1/proposals/r2/confirm", json={}, headers=officer)
    ).status_code == 403
    assert (
        await harness.http.post("/api/v1/proposals/r2/confirm", json={}, headers=admin)
    ).status_code == 403
    level_two = {"level": "II", "reason": "会商"}
    assert (await harness.http.post("/api/v1/levels", json=level_two, headers=officer)).status_code == 403
    assert (
        await harness.http.post("/api/v1/proposals/r2/confirm", json={}, headers=commander)
    ).status_code == 202
    # The audit log is for commanders and administrators; accounts for administrators only.
    assert (await harness.http.get("/api/v1/audit", headers=officer)).status_code == 403
    assert (await harness.http.get("/api/v1/audit", headers=commander)).status_code == 200
    new = {"username": "new1", "display_name": "新人", "role": "viewer", "password": PASSWORD}
    assert (await harness.http.post("/api/v1/accounts", json=new, headers=commander)).status_code == 403
    assert (await harness.http.post("/api/v1/accounts", json=new, headers=admin)).status_code == 201
    weak = {**new, "username": "new2", "password": "changeme"}
    refused = await harness.http.post("/api/v1/accounts", json=weak, headers=admin)
    assert refused.status_code == 422
    assert "too weak" in refused.json()["message"]
    # Listing and disabling accounts are an administrator's too.
    for someone in (officer, commander):
        assert (await harness.http.get("/api/v1/accounts", headers=someone)).status_code == 403
        assert (await harness.http.post("/api/v1/accounts/new1/disable", headers=someone)).status_code == 403
    listed = await harness.http.get("/api/v1/accounts", headers=admin)
    assert listed.status_code == 200
    assert {"duty1", "admin1", "cmd1", "new1"} <= {a["username"] for a in listed.json()}
    assert (await harness.http.post("/api/v1/accounts/new1/disable", headers=admin)).status_code == 200


async def test_wrong_passwords_slow_the_account_at_that_address_and_a_spray_the_address(
    harness: Harness,
) -> None:
    # Never a lock-out (an outsider could keep an officer out): tests/integration/security.
    await harness.officer("duty1", Role.DUTY_OFFICER)
    for _ in range(5):
        harness.clock.advance(timedelta(seconds=1))
        wrong = await harness.http.post(
            "/api/v1/auth/login", json={"username": "duty1", "password": "guess-guess"}
        )
        assert wrong.status_code == 401
        assert wrong.json()["message"] == "wrong username or password"
    waiting = await harness.http.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})
    assert waiting.status_code == 429
    assert int(waiting.headers["retry-after"]) > 0
    # An unknown account answers like a wrong password (no account enumeration) ...
    unknown = await harness.http.post("/api/v1/auth/login", json={"username": "nobody", "password": PASSWORD})
    assert unknown.status_code == 401
    # ... and after the wait the right password works again.
    harness.clock.advance(timedelta(minutes=16))
    assert (
        await harness.http.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})
    ).status_code == 200
    await harness.console.accounts.add(
        AccountIn(username="fresh1", display_name="新", role=Role.VIEWER, password=PASSWORD), by=CLI
    )
    for n in range(20):
        harness.clock.advance(timedelta(seconds=1))
        await harness.http.post(
            "/api/v1/auth/login", json={"username": f"spray{n}", "password": "guess-guess"}
        )
    # After a spray the address may log in only to accounts used from it before.
    throttled = await harness.http.post(
        "/api/v1/auth/login", json={"username": "fresh1", "password": PASSWORD}
    )
    assert throttled.status_code == 429
    known = await harness.http.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})
    assert known.status_code == 200


async def test_sessions_expire_and_disabling_an_account_ends_them(harness: Harness) -> None:
    officer = await harness.officer("duty1", Role.DUTY_OFFICER)
    admin = await harness.officer("admin1", Role.ADMINISTRATOR)
    assert (await harness.http.get("/api/v1/auth/me", headers=officer)).status_code == 200
    disabled = await harness.http.post("/api/v1/accounts/duty1/disable", headers=admin)
    assert disabled.json()["active"] is False
    assert (await harness.http.get("/api/v1/auth/me", headers=officer)).status_code == 401
    again = await harness.http.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})
    assert again.status_code == 401
    harness.clock.advance(timedelta(minutes=721))
    assert (await harness.http.get("/api/v1/auth/me", headers=admin)).status_code == 401


async def test_the_cookie_session_needs_the_csrf_token_for_changes(harness: Harness) -> None:
    await harness.response("r1", "IV", "proposed")
    await harness.officer("duty1", Role.DUTY_OFFICER)
    login = await harness.http.post("/api/v1/auth/login", json={"username": "duty1", "password": PASSWORD})
    cookie = login.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    csrf = (await harness.http.get("/api/v1/auth/me")).json()["csrf_token"]
    refused = await harness.http.post("/api/v1/proposals/r1/confirm", json={})
    assert refused.status_code == 403
    assert "X-CSRF-Token" in refused.json()["message"]
    wrong = await harness.http.post("/api/v1/proposals/r1/confirm", json={}, headers={"X-CSRF-Token": "nope"})
    assert wrong.status_code == 403
    ok = await harness.http.post("/api/v1/proposals/r1/confirm", json={}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 202, ok.text
    await harness.http.post("/api/v1/auth/logout", headers={"X-CSRF-Token": csrf})
    assert (await harness.http.get("/api/v1/auth/me")).status_code == 401


async def test_security_headers_and_the_page(harness: Harness) -> None:
    page = await harness.http.get("/console/")
    assert page.status_code == 200
    assert "三防值班台" in page.text
    for answer in (
        page,
        await harness.http.get("/api/v1/responses"),
        await harness.http.get("/api/v1/audit"),
    ):
        assert "script-src 'self'" in answer.headers["content-security-policy"]
        assert answer.headers["referrer-policy"] == "no-referrer"
        assert answer.headers["x-content-type-options"] == "nosniff"
    script = await harness.http.get("/console/static/console.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert (await harness.http.get("/console/static/../tables.py")).status_code == 404


def test_users_command_adds_lists_and_disables(tmp_path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    import io

    monkeypatch.setenv("SANFANG_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    assert (
        main(["users", "add", "admin.li", "--name", "李管理", "--role", "administrator", "--password-stdin"])
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["users", "add", "weak1", "--name", "弱", "--role", "viewer", "--password-stdin"]) == 1
    assert main(["users", "disable", "admin.li"]) == 0
    assert main(["users", "list"]) == 0
    out = capsys.readouterr()
    assert "admin.li\t李管理\tadministrator\tdisabled" in out.out
    assert "too weak" in out.err
    assert PASSWORD not in out.out + out.err
