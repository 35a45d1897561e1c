"""Where each notice stands on dispatch's escalation ladder, in the console's words: the
steps taken, what the next step does and when. Reads dispatch's ``dispatch_escalations``
table and its ladder (``SANFANG_TARGETING_FILE``, or dispatch's default ladder).

>>> from datetime import UTC, datetime
>>> from services.dispatch.domain.ladder import DEFAULT_LADDER
>>> Standing(step=1, due_at=datetime(2024, 5, 4, 6, 0, tzinfo=UTC), state="waiting").next_step(DEFAULT_LADDER)
'14:00 第2步：语音电话 / step 2 at 14:00: voice'
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from services.core.clock import BEIJING
from services.dispatch import tables as dispatch_tables
from services.dispatch.domain.ladder import Action, Ladder

__all__ = ["Standing", "escalation_fingerprint", "standings"]

_ACTIONS_ZH = {
    Action.SMS: "短信",
    Action.VOICE: "语音电话",
    Action.DEPUTY: "通知代理人",
    Action.UNIT_LEADER: "通知单位负责人",
    Action.DUTY_BOARD: "报值班台",
}


@dataclass(frozen=True)
class Standing:
    """A notice on the ladder: ``step`` steps taken, the next one due at ``due_at``."""

    step: int
    due_at: datetime | None
    state: str

    def actions(self, ladder: Ladder, index: int) -> str | None:
        """The actions of step ``index`` (from 0) in words, or None past the last step."""
        if index < 0 or index >= len(ladder.steps):
            return None
        return (
            "、".join(_ACTIONS_ZH[a] for a in ladder.steps[index].actions)
            + " / "
            + ", ".join(a.value for a in ladder.steps[index].actions)
        )

    def last_action(self, ladder: Ladder) -> str | None:
        """What the last step taken did."""
        return self.actions(ladder, self.step - 1)

    def next_step(self, ladder: Ladder) -> str:
        """What happens next if the person still does not acknowledge."""
        if self.state != "waiting" or self.step >= len(ladder.steps) or self.due_at is None:
            return "升级已全部执行 / every escalation step taken" if self.step else "不升级 / no escalation"
        at = self.due_at.astimezone(BEIJING).strftime("%H:%M")
        zh, _, en = (self.actions(ladder, self.step) or " / ").partition(" / ")
        return f"{at} 第{self.step + 1}步：{zh} / step {self.step + 1} at {at}: {en}"


async def standings(conn: AsyncConnection, notice_ids: Collection[str]) -> dict[str, Standing]:
    """Where each of ``notice_ids`` stands; notices without a ladder row are absent."""
    e = dispatch_tables.escalations.c
    found: dict[str, Standing] = {}
    ids = list(notice_ids)
    for start in range(0, len(ids), 1000):  # bounded IN lists
        rows = await conn.execute(
            select(e.notice_id, e.step, e.due_at, e.state).where(e.notice_id.in_(ids[start : start + 1000]))
        )
        for row in rows:
            found[row.notice_id] = Standing(row.step, row.due_at, row.state)
    return found


async def escalation_fingerprint(conn: AsyncConnection, response_id: str) -> tuple[int, int]:
    """How many notices of the response escalated and how many steps in all (cheap)."""
    e = dispatch_tables.escalations.c
    escalated, steps = (
        await conn.execute(
            select(func.count(e.notice_id).filter(e.step > 0), func.coalesce(func.sum(e.step), 0)).where(
                e.response_id == response_id
            )
        )
    ).one()
    return int(escalated), int(steps)
