"""The time from a DLT report's commit to the first sendMessage of its alert, in process (the
real Application, started; Telegram faked in memory; a real SQLite file). Printed, not asserted:
run `.venv/bin/python -m pytest -q -s tests/handlers/test_alert_latency.py`."""

from __future__ import annotations

import statistics
import time

from handlers.delivery import sender_of
from tests.handlers.conftest import INVESTIGATOR
from tests.handlers.helpers_alerts import alert_settings, fake_of, running_app
from tests.handlers.helpers_enrollment import OPEN, enrol_directly, trial_of
from tests.telegram_fake import ChatDriver

REPORTS = 5


async def report_up_to_save(driver: ChatDriver, number: str, investigator: int) -> None:
    today = trial_of(driver.app).today()
    await driver.send(investigator, "/dlt")
    await driver.send(investigator, number)
    for label in ("CRS", "Grade 4", f"Today ({today})", "Probable", "It is a DLT"):
        await driver.press(investigator, label)


async def commit_to_first_send(app, driver: ChatDriver, number: str,
                               investigator: int = INVESTIGATOR) -> float:
    """Seconds from the COMMIT of the report's transaction to the first alert sendMessage
    (to anyone but the reporting `investigator`)."""
    await report_up_to_save(driver, number, investigator)
    statements: list[tuple[float, str]] = []
    db = trial_of(app).db
    db.conn.set_trace_callback(lambda sql: statements.append((time.perf_counter(), sql)))
    await driver.press(investigator, "✅ Save")
    await sender_of(app).settle()
    db.conn.set_trace_callback(None)
    insert = next(i for i, (_, sql) in enumerate(statements)
                  if "INTO dlt_reports " in sql.replace('"', "").replace("[", "").replace("]", ""))
    committed = next(at for at, sql in statements[insert:] if sql == "COMMIT")
    sends = [c.at for c in fake_of(app).calls_of("sendMessage")
             if c.at > committed and c.params["chat_id"] != investigator]
    return min(sends) - committed


async def test_dlt_report_commit_to_first_alert_sendmessage(tmp_path):
    """Each report in a bot of its own, so the rate limiter's bucket is as a report finds it
    in the ward (a form takes minutes, not milliseconds), not emptied by the test's clicks."""
    times = []
    for n in range(REPORTS):
        (tmp_path / str(n)).mkdir()
        async with running_app(alert_settings(tmp_path / str(n))) as app:
            enrol_directly(app, days_ago=OPEN)
            times.append(await commit_to_first_send(app, ChatDriver(app), "P-01"))
    ms = [round(t * 1000, 1) for t in times]
    print(f"\nDLT report commit -> first alert sendMessage: median {statistics.median(ms)} ms,"
          f" each {ms}")
    assert all(t > 0 for t in times)
