"""trialbot benchmark: `make bench` (or `.venv/bin/python -m bench [--quick]`).

Drives the real Application (its handlers, persistence and SQLite file) with Telegram faked at
the HTTP layer in the same process (tests/telegram_fake.py), and in the same run two floors
through the same fake transport: a bare echo handler, and echo plus one durable SQLite commit
(WAL, synchronous=FULL). Telegram's rate limiter is off: it is the real ceiling (about 30
messages/s per bot), measured apart from the bot's own cost.

Prints, for each path, updates/s, the ratio to the durable floor, p50/p99 per update (receipt
to last API call); then p50 of each path with 100, 1,000 and 10,000 completed screenings
stored; database bytes per completed screening; peak memory; the time from a DLT report's
commit to the first investigator alert; `trialbot escalation` wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bot.app import build_application
from bot.config import Settings
from storage.screenings import open_screening_numbers, withdraw_screening
from storage.staff import add_staff
from tests.handlers.helpers_enrollment import CLOSED, OPEN, enrol_directly
from tests.handlers.test_alert_latency import commit_to_first_send
from tests.handlers.test_screening import ELIGIBLE, answer, asked
from tests.telegram_fake import ChatDriver, FakeBotAPI

COORDINATORS = range(2001, 2011)
INVESTIGATOR = 3001
OTHER_INVESTIGATOR = 3002  # told of each DLT the first reports


class Timed(ChatDriver):
    """A ChatDriver that times every update from receipt to the last API call."""

    def __init__(self, app, **kwargs):
        super().__init__(app, raise_errors=True, **kwargs)
        self.times: list[float] = []

    async def process(self, data: dict):
        start = time.perf_counter()
        sent = await super().process(data)
        self.times.append(time.perf_counter() - start)
        return sent


def summary(times: list[float]) -> tuple[float, float, float]:
    """(updates/s, p50 ms, p99 ms)."""
    ordered = sorted(times)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return len(times) / sum(times), statistics.median(times) * 1000, p99 * 1000


# --- floors ---------------------------------------------------------------------------------

async def floor(commits: int, updates: int, folder: Path) -> list[float]:
    """An echo handler making `commits` durable commits per update."""
    conn = sqlite3.connect(folder / "floor.db", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, v TEXT)")

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        for _ in range(commits):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t (v) VALUES (?)", [update.message.text])
            conn.execute("COMMIT")
        await update.effective_chat.send_message(update.message.text)

    app = Application.builder().token("123:BENCH").request(FakeBotAPI()).build()
    app.add_handler(MessageHandler(filters.TEXT, echo))
    async with app:
        driver = Timed(app)
        for n in range(updates):
            await driver.send(COORDINATORS[0], f"hello {n}")
    conn.close()
    return driver.times


# --- the bot's paths --------------------------------------------------------------------------

async def trial_app(folder: Path):
    settings = Settings(_env_file=None, token="123:BENCH", db=folder / "trial.db",
                        language="en")  # it presses the English labels
    app = build_application(settings, request=FakeBotAPI(), limit_rate=False)
    await app.initialize()
    db = app.bot_data["trial"].db
    for user in COORDINATORS:
        add_staff(db, user_id=user, name=f"Coordinator {user}", role="coordinator",
                  actor="bench")
    add_staff(db, user_id=INVESTIGATOR, name="Dr Bench", role="investigator", actor="bench")
    add_staff(db, user_id=OTHER_INVESTIGATOR, name="Dr Other", role="investigator",
              actor="bench")
    await app.start()  # the alert sender works while the Application runs
    return app


async def screenings(app, driver: Timed, count: int) -> list[float]:
    """`count` complete screenings, coordinators taking turns; the answers' times."""
    answers: list[float] = []
    for n in range(count):
        user = COORDINATORS[n % len(COORDINATORS)]
        await driver.send(user, "/screen")
        number = app.bot_data["trial"].db.execute(
            "SELECT max(number) FROM screenings").fetchone()[0]
        start = len(driver.times)
        await answer_all(app, driver, number, user)
        answers += driver.times[start:]
        await driver.press(user, "✅ Save as eligible")
    return answers


async def answer_all(app, driver: Timed, number: str, user: int) -> None:
    """Answer every question of a screening as the eligible candidate of the chat tests."""
    while (question := asked(app, number)) is not None:
        await answer(driver, number, question, ELIGIBLE[question.id], user=user,
                     answers=ELIGIBLE)


async def repeat(driver: Timed, user: int, text: str, times: int) -> list[float]:
    start = len(driver.times)
    for _ in range(times):
        await driver.send(user, text)
    return driver.times[start:]


async def dlt_reports(app, driver: Timed, times: int) -> list[float]:
    """DLT reports judged not a DLT, each a whole form; the updates' times."""
    steps = []
    for _ in range(times):
        enrol_directly(app, days_ago=OPEN)
        start = len(driver.times)
        await driver.send(INVESTIGATOR, "/dlt")
        await driver.press(INVESTIGATOR, driver.last(INVESTIGATOR).labels[-1])
        await driver.press(INVESTIGATOR, "CRS")
        await driver.press(INVESTIGATOR, "Grade 1")
        await driver.press(INVESTIGATOR, driver.last(INVESTIGATOR).labels[0])
        await driver.press(INVESTIGATOR, "Unrelated")
        await driver.press(INVESTIGATOR, "Not a DLT")
        await driver.press(INVESTIGATOR, "✅ Save")
        steps += driver.times[start:]
    return steps


async def alert_latencies(app, driver: Timed, times: int) -> list[float]:
    """DLTs reported (each a new participant): seconds from the report's commit to the first
    sendMessage of its alert, to the other investigator."""
    latencies = []
    for _ in range(times):
        number = enrol_directly(app, days_ago=OPEN)["number"]
        latencies.append(await commit_to_first_send(app, driver, number, INVESTIGATOR))
    return latencies


def store_completed(app, total: int) -> None:
    """Copy the first completed screening until `total` are stored (SQL, one transaction)."""
    db = app.bot_data["trial"].db
    have = db.execute("SELECT count(*) FROM screenings").fetchone()[0]
    with db.conn:
        for n in range(have + 1, total + 1):
            number = f"S-{n:03d}"
            db.execute("INSERT INTO screenings SELECT ?, screened_by, started_at, status,"
                       " verdict, finished_at, age, sex FROM screenings WHERE number='S-001'",
                       [number])
            db.execute("INSERT INTO answers SELECT ?, question_id, value, entered, unit,"
                       " answered_by, answered_at FROM answers WHERE screening='S-001'",
                       [number])
            db.execute("INSERT INTO audit (at, actor, table_name, record_id, field, old_value,"
                       " new_value, reason) SELECT at, actor, table_name, ?, field, old_value,"
                       " new_value, reason FROM audit WHERE record_id='S-001'", [number])


def database_bytes(db, path: Path) -> int:
    """The database file's size with the write-ahead log folded in."""
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path.stat().st_size


# --- the report -----------------------------------------------------------------------------

def row(name: str, times: list[float], durable: float) -> str:
    rate, p50, p99 = summary(times)
    return f"| {name} | {rate:,.0f} | {rate / durable:.0%} | {p50:.2f} | {p99:.2f} |"


def escalation_wall() -> float:
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "bot.cli", "escalation", "1NNT 1NNN 2NTT"],
                       check=True, capture_output=True)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


async def floors(updates: int, folder: Path) -> dict[str, list[float]]:
    """The floors' times; measured before and after the bot's paths, as the disk's speed
    drifts."""
    return {name: await floor(commits, updates // 2, folder)
            for name, commits in FLOORS.items()}


FLOORS = {"floor: bare echo": 0, "floor: echo + durable commit": 1,
          "floor: echo + two durable commits": 2}
DURABLE = "floor: echo + durable commit"


async def growth_with_stored(app, driver: Timed, sizes) -> dict[str, list[list[float]]]:
    """Each path's update times with `size` completed screenings stored, for each size."""
    growth: dict[str, list[list[float]]] = {}
    user = COORDINATORS[0]
    for size in sizes:
        store_completed(app, size)
        withdraw_open(app)
        growth.setdefault("/screen", []).append(await repeat(driver, user, "/screen", 20))
        await driver.send(user, "/cancel")
        withdraw_open(app)  # each size starts with no screening open, as the first did
        growth.setdefault("/screenlog", []).append(await repeat(driver, user, "/screenlog", 20))
        growth.setdefault("/status", []).append(await repeat(driver, user, "/status", 20))
        await driver.send(user, "/screen")
        number = app.bot_data["trial"].db.execute(
            "SELECT max(CAST(substr(number, 3) AS INTEGER)) FROM screenings").fetchone()[0]
        start = len(driver.times)
        await answer_all(app, driver, f"S-{number:03d}", user)
        growth.setdefault("screening answer", []).append(driver.times[start:])
        await driver.send(user, "/cancel")
        driver.fake.calls.clear()  # the fake's record, not the bot's memory
    return growth


def withdraw_open(app) -> None:
    """Withdraw the screenings /screen opened: /screen lists those still open, so they would
    lengthen its answer at the next size."""
    db = app.bot_data["trial"].db
    for number in open_screening_numbers(db):
        withdraw_screening(db, number, actor="bench", reason="benchmark")


def print_growth(growth: dict[str, list[list[float]]], sizes) -> None:
    print("| path, p50 ms (p99) | " + " | ".join(f"{s:,} screenings" for s in sizes)
          + " | growth of p50 |")
    print("|---|" + "---|" * (len(sizes) + 1))
    for path, runs in growth.items():
        figures = [summary(times) for times in runs]
        cells = " | ".join(f"{p50:.2f} ({p99:.2f})" for _, p50, p99 in figures)
        print(f"| {path} | {cells} | {figures[-1][1] / figures[0][1]:.1f}× |")


async def main(quick: bool) -> None:
    n = 300 if quick else 2000
    sizes = (100, 1_000) if quick else (100, 1_000, 10_000)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        floor_times = await floors(n, folder)
        app = await trial_app(folder)
        driver = Timed(app)
        db = app.bot_data["trial"].db
        await screenings(app, driver, 1)  # the schema's pages and the first rows
        await driver.send(COORDINATORS[0], "/status")  # a process's first chart imports matplotlib
        empty = database_bytes(db, folder / "trial.db")
        count = 10 if quick else 20
        answers = await screenings(app, driver, count)
        per_screening = (database_bytes(db, folder / "trial.db") - empty) / count
        status = await repeat(driver, COORDINATORS[0], "/status", n // 4)
        for _ in range(3):
            enrol_directly(app, days_ago=CLOSED)
        reports = await dlt_reports(app, driver, 10 if quick else 30)
        for name, times in (await floors(n, folder)).items():
            floor_times[name] += times
        durable_rate = summary(floor_times[DURABLE])[0]
        print("| path | updates/s | share of the durable floor | p50 ms | p99 ms |")
        print("|---|---|---|---|---|")
        for name, times in floor_times.items():
            print(row(name, times, durable_rate))
        print(row("screening answer", answers, durable_rate))
        print(row("/status", status, durable_rate))
        print(row("DLT report (each step)", reports, durable_rate))
        print()
        print_growth(await growth_with_stored(app, driver, sizes), sizes)
        to_alert = await alert_latencies(app, driver, 3 if quick else 10)
        print()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"database bytes per completed screening: {per_screening:,.0f}")
        print(f"peak memory: {peak:,.0f} MB")
        print(f"DLT report commit -> first alert sendMessage, p50 of {len(to_alert)}: "
              f"{statistics.median(to_alert) * 1000:.1f} ms")
        print(f"trialbot escalation wall time: {escalation_wall() * 1000:.0f} ms")
        await app.stop()
        await app.shutdown()


if __name__ == "__main__":
    options = argparse.ArgumentParser(prog="bench", description=__doc__)
    options.add_argument("--quick", action="store_true", help="fewer updates, up to 1,000")
    asyncio.run(main(options.parse_args().quick))
