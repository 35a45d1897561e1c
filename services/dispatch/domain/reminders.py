"""What an escalation step sends: one message per channel and recipient, with its text.

Every message has a deterministic ``ref`` (notice, step, action, recipient): it is the
message's identity towards the gateway, so a step planned twice plans the same messages
and a gateway can be asked whether it already has one.

>>> from services.demo.directory.generator import generate_baoan_directory
>>> d = generate_baoan_directory()
>>> about = Reminder("n-1", d.person("P00001"), Level.IV, drill=True, ack_url="https://x/ack/n-1?t=a")
>>> [m.channel.value for m in plan_step(about, d, 1, (Action.VOICE,))]
['voice']
>>> plan_step(about, d, 0, (Action.SMS,))[0].text.startswith("【演练】【宝安区三防】")
True
>>> manual = Reminder("n-2", d.person("P00001"), Level.WATCH, False, None, subject="17时到岗")
>>> plan_step(manual, d, 0, (Action.SMS,))[0].text
'【宝安区三防】您有一条三防通知“17时到岗”尚未确认。请回复1确认收到'
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.directory import Person, Role
from schemas.envelope import derived_id
from schemas.notices import Channel
from schemas.responses import Level
from services.dispatch.domain.directory import Directory
from services.dispatch.domain.ladder import Action

__all__ = ["Message", "Reminder", "plan_step"]


@dataclass(frozen=True)
class Reminder:
    """The unacknowledged notice a step is about; ``subject``: a manual notice's title (it
    names no level), None for a response's notice."""

    notice_id: str
    person: Person
    level: Level
    drill: bool
    ack_url: str | None
    subject: str | None = None

    @property
    def about(self) -> str:
        """What the notice was, in a few words."""
        if self.subject is not None:
            return f"三防通知“{self.subject}”"
        return f"防汛防风{self.level.chinese}应急响应通知"


@dataclass(frozen=True)
class Message:
    """One message to send on one channel to one address."""

    ref: str
    channel: Channel
    action: Action
    address: str
    text: str
    target_person_id: str


def _prefix(drill: bool) -> str:
    return ("【演练】" if drill else "") + "【宝安区三防】"


def _own_text(r: Reminder) -> str:
    link = f"，或点击链接确认：{r.ack_url}" if r.ack_url else ""
    return f"{_prefix(r.drill)}您有一条{r.about}尚未确认。请回复1确认收到{link}"


def _voice_text(r: Reminder) -> str:
    drill = "这是一次演练。" if r.drill else ""
    if r.subject is not None:
        return f"{drill}宝安区三防指挥部通知：{r.subject}。您尚未确认收到。确认请按1。"
    return (
        f"{drill}宝安区三防指挥部通知：已启动防汛防风{r.level.chinese}应急响应，您尚未确认收到。确认请按1。"
    )


def _about_text(r: Reminder, whom: str) -> str:
    p = r.person
    return (
        f"{_prefix(r.drill)}{whom}：{p.name}（{p.person_id}，{p.role.chinese}）尚未确认"
        f"{r.about}，请立即督促落实。"
    )


def plan_step(
    reminder: Reminder, directory: Directory, step: int, actions: tuple[Action, ...]
) -> list[Message]:
    """The messages of ladder step ``step`` for ``reminder``; contacts without an address are skipped.

    ``duty_board`` sends nothing: its escalation event is what the duty officers' board shows.
    """
    person = reminder.person
    out: list[Message] = []

    def add(channel: Channel, action: Action, address: str | None, text: str, target: Person) -> None:
        if address:
            ref = derived_id("attempt", reminder.notice_id, str(step), action.value, target.person_id)
            out.append(Message(ref, channel, action, address, text, target.person_id))

    for action in actions:
        if action is Action.SMS:
            add(Channel.SMS, action, person.phone, _own_text(reminder), person)
        elif action is Action.VOICE:
            add(Channel.VOICE, action, person.phone, _voice_text(reminder), person)
        elif action is Action.DEPUTY and person.deputy_id and directory.has_person(person.deputy_id):
            deputy = directory.person(person.deputy_id)
            add(Channel.SMS, action, deputy.phone, _about_text(reminder, "请您作为AB岗协助"), deputy)
        elif action is Action.UNIT_LEADER:
            unit = directory.unit(person.unit_id)
            leaders = [p for p in directory.persons_of(unit.unit_id) if p.role is Role.UNIT_LEADER]
            for leader in leaders:
                if leader.person_id != person.person_id:
                    add(Channel.SMS, action, leader.phone, _about_text(reminder, "单位负责人"), leader)
            if unit.webhook_url:
                # The unit's group robot stands for the unit as a whole; its target is the person.
                add(Channel.WEBHOOK, action, unit.webhook_url, _about_text(reminder, unit.name), person)
    return out
