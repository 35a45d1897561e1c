"""The rules file in a running service: an invalid one refuses to start with line and field,
a reload that is invalid is refused and the last good rules keep deciding."""

from __future__ import annotations

import asyncio
import os
import signal as signals
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from schemas.console import Role
from schemas.topics import Topic
from schemas.warnings import Colour, Hazard
from services.core.broker import EmbeddedBroker, free_port
from services.core.clock import BEIJING, ManualClock
from services.core.store import Store
from services.rules.domain.errors import RulesFileError
from services.runtime import Runtime
from services.web.audit import AuditFilter, query
from tests.integration.helpers import officer_bearer, running, wait_until
from tests.integration.rules.support import publish, signal, topic_events

pytestmark = [pytest.mark.integration, pytest.mark.slow]

T0 = datetime(2024, 6, 1, 8, 0, tzinfo=BEIJING)
SANFANG = Path(sys.executable).parent / "sanfang"
GOOD = """\
id: bureau-test
version: "{version}"
signals:
  - {{id: typhoon-blue, hazard: typhoon, colour: blue, level: IV, bureau_confirmed: true}}
confirmation: {{otherwise: automatic}}
"""
BROKEN = """\
id: bureau-test
version: "3"
signals:
  - {id: typhoon-blue, hazard: typhoon, colour: pink, level: IV}
"""

REFUSED = 'sanfang_rules_reloads_total{outcome="refused"}'


def _metric(text: str, name: str) -> float:
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_an_invalid_rules_file_stops_the_runtime_naming_line_and_field(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    runtime = Runtime(settings_factory(rules_file=broken), frozenset({"rules"}), bootstrap=broker.bootstrap)
    with pytest.raises(RulesFileError) as refused:
        await asyncio.wait_for(runtime.run(asyncio.Event()), timeout=60)
    assert f"{broken} line 4, signals[0].colour: 'pink' is not a colour" in str(refused.value)


def test_sanfang_run_rules_exits_non_zero_printing_the_problem(tmp_path: Path) -> None:
    # No Kafka configured: the command starts its embedded broker and its SQLite, as
    # `sanfang run rules` does on one machine; the rules file is refused when rules is built.
    broken = tmp_path / "broken.yaml"
    broken.write_text(BROKEN, encoding="utf-8")
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SANFANG_")},
        "SANFANG_RULES_FILE": str(broken),
        "SANFANG_DATA_DIR": str(tmp_path / "var"),
        "SANFANG_PORT": str(free_port()),
        "COLUMNS": "400",  # the console would wrap the message at 80 columns without a terminal
    }
    done = subprocess.run(
        [str(SANFANG), "run", "rules"], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 1
    printed = " ".join(done.stderr.split())  # the console wraps long lines
    assert f"error: {broken} line 4, signals[0].colour: 'pink' is not a colour" in printed
    assert "Traceback" not in printed


async def test_an_invalid_reload_is_refused_and_the_last_good_rules_keep_deciding(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD.format(version="1"), encoding="utf-8")
    settings = settings_factory(rules_file=path, rules_watch_seconds=0.5)
    async with running(settings, broker.bootstrap, frozenset({"rules"}), ManualClock(T0)) as sanfang:
        shown = (await sanfang.http.get("/api/v1/rules")).json()
        assert (shown["id"], shown["version"], shown["refused"]) == ("bureau-test", "1", None)
        assert shown["summary"][0]["rows"][0][0] == "typhoon-blue"
        refused_before = _metric((await sanfang.http.get("/metrics")).text, REFUSED)

        path.write_text(BROKEN, encoding="utf-8")
        # Reloading is an administrator's; the rules process checks the console's logins.
        admin = await officer_bearer(sanfang, Role.ADMINISTRATOR, "admin-li")
        duty = await officer_bearer(sanfang, Role.DUTY_OFFICER)
        assert (await sanfang.http.post("/api/v1/rules/reload")).status_code == 401
        assert (await sanfang.http.post("/api/v1/rules/reload", headers=duty)).status_code == 403
        answer = await sanfang.http.post("/api/v1/rules/reload", headers=admin)
        assert answer.status_code == 422
        assert answer.json()["error"] == "invalid_rules_file"
        assert "line 4, signals[0].colour" in answer.json()["message"]
        assert answer.json()["kept"] == "bureau-test 1"
        shown = (await sanfang.http.get("/api/v1/rules")).json()
        assert shown["version"] == "1"
        assert "line 4, signals[0].colour" in shown["refused"]["message"]
        metrics = (await sanfang.http.get("/metrics")).text
        assert _metric(metrics, REFUSED) > refused_before
        assert _metric(metrics, "sanfang_rules_refused") == 1
        async with Store(settings.database_url_effective) as store:
            (line,) = await query(store, AuditFilter(action="rules.reload"))
        assert (line.actor, line.outcome, line.target) == ("admin-li", "refused", "rules:rules.yaml")
        assert line.before == {"id": "bureau-test", "version": "1"}
        assert "line 4, signals[0].colour" in line.after["refused"]

        # The last good rules still decide, and say which rules they are.
        await publish(settings, broker.bootstrap, signal("blue-1", Hazard.TYPHOON, Colour.BLUE, T0))

        async def activated() -> bool:
            return bool(await topic_events(settings, broker.bootstrap, Topic.RESPONSES))

        await wait_until(activated, what="the activation by the last good rules")
        (event,) = await topic_events(settings, broker.bootstrap, Topic.RESPONSES)
        assert (event.kind, event.explanation.rules_version) == ("response.activated", "1")  # type: ignore[union-attr]

        # A fixed file is picked up by the watch, without a call.
        path.write_text(GOOD.format(version="2"), encoding="utf-8")

        async def fixed() -> bool:
            now = (await sanfang.http.get("/api/v1/rules")).json()
            return bool(now["version"] == "2" and now["refused"] is None)

        await wait_until(fixed, within=15, what="the fixed rules file to be picked up")
        assert _metric((await sanfang.http.get("/metrics")).text, "sanfang_rules_refused") == 0


async def test_sighup_rereads_the_rules_file(
    broker: EmbeddedBroker, settings_factory, tmp_path: Path
) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(GOOD.format(version="1"), encoding="utf-8")
    settings = settings_factory(rules_file=path, rules_watch_seconds=0)  # no watch: only the signal
    async with running(settings, broker.bootstrap, frozenset({"rules"}), ManualClock(T0)) as sanfang:
        path.write_text(GOOD.format(version="2"), encoding="utf-8")
        await asyncio.sleep(0.5)
        assert (await sanfang.http.get("/api/v1/rules")).json()["version"] == "1"
        # Without the service's handler a SIGHUP would end the test run: check it is there.
        assert signals.getsignal(signals.SIGHUP) not in (signals.SIG_DFL, signals.SIG_IGN, None)
        os.kill(os.getpid(), signals.SIGHUP)

        async def reread() -> bool:
            return bool((await sanfang.http.get("/api/v1/rules")).json()["version"] == "2")

        await wait_until(reread, within=10, what="the rules file re-read on SIGHUP")
    assert signals.getsignal(signals.SIGHUP) in (signals.SIG_DFL, signals.SIG_IGN, None)  # handler removed
