"""`trialbot run` in a child process, talking to a LocalBotAPI instead of Telegram: the same
code path as going online (settings, run lock, build_application, run_polling), only the Bot
API address and the token differ. Used by `trialbot chat` and the end-to-end tests."""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import os
import signal
import sys
from pathlib import Path

from bot.local_api import LocalBotAPI

STOP_WAIT = 20.0  # seconds a stopping bot gets before it is killed
PR_SET_PDEATHSIG = 1
LIBC = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True) if sys.platform == "linux" \
    else None


def die_with_parent() -> None:
    """Run in the child before it starts: SIGTERM when the parent dies (Linux), so a bot never
    outlives, polling forever, the server it talks to."""
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


class BotDidNotStart(RuntimeError):
    """The bot exited (or hung) before polling; the message is the end of its log."""


class BotProcess:
    """One `trialbot run` against `api` on database `db`, its output in `log`."""

    def __init__(self, api: LocalBotAPI, db: Path, log: Path, env: dict[str, str] | None = None):
        self.api, self.db, self.log = api, Path(db), Path(log)
        self.env = env or {}
        self.process: asyncio.subprocess.Process | None = None

    def environment(self) -> dict[str, str]:
        return os.environ | {"TELEGRAM_BOT_TOKEN": self.api.token,
                             "TELEGRAM_API_BASE_URL": self.api.base_url,
                             "TRIALBOT_DB": str(self.db), "PYTHONUNBUFFERED": "1"} | self.env

    async def spawn(self) -> asyncio.subprocess.Process:
        """Start `trialbot run`; its output is appended to the log."""
        with open(self.log, "ab") as output:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot.cli", "run", env=self.environment(),
                stdin=asyncio.subprocess.DEVNULL, stdout=output, stderr=output,
                preexec_fn=die_with_parent if LIBC else None)
        return self.process

    async def start(self, timeout: float = 60.0) -> None:
        """Start the bot and return once it polls for updates; BotDidNotStart if it exits
        first (a second bot on the database, a bad setting) or does not poll in time."""
        mark = len(self.api.calls)
        process = await self.spawn()
        polling = asyncio.ensure_future(self.api.wait_until(
            lambda: any(c.method == "getUpdates" for c in self.api.calls[mark:]), timeout))
        exited = asyncio.ensure_future(process.wait())
        done, _ = await asyncio.wait([polling, exited], return_when=asyncio.FIRST_COMPLETED)
        started = polling in done and polling.exception() is None
        for task in (polling, exited):
            task.cancel()
        if not started:
            if process.returncode is None:
                await self.kill()
            raise BotDidNotStart(self.log_tail())

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    async def stop(self, how: signal.Signals = signal.SIGTERM) -> int | None:
        """Ask the bot to stop as Ctrl-C or a service manager does; kill it if it hangs."""
        if not self.running:
            return self.process.returncode if self.process else None
        self.process.send_signal(how)
        try:
            return await asyncio.wait_for(self.process.wait(), STOP_WAIT)
        except TimeoutError:
            return await self.kill()

    async def kill(self) -> int | None:
        """kill -9: no chance to clean up."""
        if self.running:
            self.process.kill()
        return await self.process.wait() if self.process else None

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def log_tail(self, lines: int = 15) -> str:
        return "\n".join(self.log_text().splitlines()[-lines:])
