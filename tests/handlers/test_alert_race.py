"""Two bots racing over one outbox (two processes, as far as SQLite and Telegram can tell: two
Applications with their own connections, rate limiters and Bot API fakes, in two threads) never
send a row twice, and between them send every row."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest

from bot.app import build_application
from handlers.delivery import sender_of
from storage.outbox import AlertDraft
from tests.handlers.helpers_alerts import ALERT_GROUP, STAFF, alert_settings
from tests.storage.conftest import Clock, make_trial
from tests.telegram_fake import FakeBotAPI

ALERTS = 6


def sent_by(fake: FakeBotAPI) -> list[tuple[int, str]]:
    return [(c.params["chat_id"], c.params["text"]) for c in fake.calls_of("sendMessage")
            if c.status == 200]


async def one_sender(settings, clock: Clock, start: threading.Barrier) -> list[tuple[int, str]]:
    fake = FakeBotAPI()
    app = build_application(settings, request=fake)
    await app.initialize()
    app.bot_data["trial"].clock = clock
    start.wait()  # both bots are ready: they start sending together
    await sender_of(app).deliver_due()
    await app.shutdown()
    return sent_by(fake)


@pytest.mark.parametrize("run", range(10))
def test_two_bots_racing_over_one_outbox_send_each_row_once(tmp_path, run):
    settings = alert_settings(tmp_path)
    clock = Clock()
    writer = make_trial(settings.db, clock)
    writer.alert_chat = ALERT_GROUP
    for user_id, (name, role) in STAFF.items():
        writer.db["staff"].insert({"user_id": user_id, "name": name, "role": role,
                                   "active": True, "added_by": "test", "added_at": "2026"})
    for n in range(ALERTS):
        writer.alert(AlertDraft("step-confirmed", "all",
                                {"who": f"Dr {n}", "action": "escalate", "level": 2}))
    start, results = threading.Barrier(2), {}

    def run_bot(name: str) -> None:
        results[name] = asyncio.run(one_sender(settings, clock, start))

    threads = [threading.Thread(target=run_bot, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    sends = results["a"] + results["b"]
    per_chat = Counter(chat for chat, _ in sends)
    assert per_chat == {chat: ALERTS for chat in [*STAFF, ALERT_GROUP]}
    private = [(chat, text) for chat, text in sends if chat != ALERT_GROUP]
    assert len(set(private)) == len(private)  # each staff member: each alert once
    assert writer.db.execute(
        "SELECT count(*) FROM alert_deliveries WHERE status != 'sent'").fetchone()[0] == 0
    writer.db.close()
