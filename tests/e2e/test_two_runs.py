"""Two `trialbot run` on one database: the second refuses to start, saying which process
serves it, and the first goes on serving."""

from __future__ import annotations

import pytest

from bot.local_api import send, shown
from bot.local_run import BotDidNotStart, BotProcess
from tests.e2e.people import ADMIN


async def test_a_second_bot_on_the_same_database_refuses(api, trial, tmp_path, bot):
    second = BotProcess(api, tmp_path / "trial.db", tmp_path / "second.log")
    with pytest.raises(BotDidNotStart):
        await second.start()
    assert second.process.returncode == 2
    [refusal] = second.log_text().strip().splitlines()
    assert refusal == (f"trialbot: another trialbot run (pid {bot.pid}) is already serving "
                       f"{tmp_path / 'trial.db'}: stop it first (lock file "
                       f"{tmp_path / 'trial.db.lock'})")
    assert shown(await send(api, ADMIN, "/staff list"))  # the first bot still answers
