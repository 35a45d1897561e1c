"""Processes the suite starts, each in its own process group, which only it signals.

>>> group = Group("sleep", ["sleep", "30"], env={})  # doctest: +SKIP
>>> group.start(); group.signal(signal.SIGSTOP); group.signal(signal.SIGCONT); group.kill()
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

__all__ = ["Group", "members"]


def members(pgid: int) -> list[tuple[int, str]]:
    """The live processes of process group ``pgid``: ``(pid, command line)``."""
    found: list[tuple[int, str]] = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        # The fields after the command name: state, ppid, pgrp, …
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            found.append((int(entry.name), cmdline.strip()))
    return found


class Group:
    """A command run as the leader of a new session (so its children share its group)."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path | None = None) -> None:
        self.name = name
        self.argv = argv
        self.env = env
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pgid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.name} was never started")
        return self.proc.pid

    def start(self) -> None:
        """Start the command (again)."""
        out = self.log.open("ab") if self.log is not None else subprocess.DEVNULL
        try:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        finally:
            if self.log is not None and not isinstance(out, int):
                out.close()
        self.starts += 1

    def exited(self) -> bool:
        """Whether the leader is gone (by itself or killed)."""
        return self.proc is None or self.proc.poll() is not None

    def signal(self, sig: signal.Signals) -> None:
        """Send ``sig`` to every process of the group."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.pgid, sig)

    def kill(self, timeout: float = 10.0) -> None:
        """SIGKILL the whole group and wait until none of it is left (a stopped group dies too)."""
        if self.proc is None:
            return
        self.signal(signal.SIGKILL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.proc.poll()
            if self.proc.returncode is not None and not members(self.pgid):
                return
            time.sleep(0.05)
        raise RuntimeError(f"{self.name}: process group {self.pgid} still alive after SIGKILL")

    def terminate(self, timeout: float = 15.0) -> None:
        """SIGTERM the group, SIGKILL what is left after ``timeout``."""
        if self.proc is None or self.exited():
            self.kill()
            return
        self.signal(signal.SIGCONT)
        self.signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout)
        self.kill()
