"""The people of the end-to-end stories and what they do, and the checks made on the database
the bot wrote (from outside, as an auditor would)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.local_api import Call, LocalBotAPI, buttons_of, send, shown, tap
from domain.dlt import dlt_window_end
from domain.questions import Question, next_question
from storage.database import from_json
from storage.participants import Placement, add_evaluation, add_participant
from storage.screenings import finish_screening, screening_answers, start_screening
from storage.usecases.trial import Trial
from tests.handlers.test_screening import ELIGIBLE, opened_branch

COORDINATOR, INVESTIGATOR, ADMIN, INVESTIGATOR_2, STRANGER = 1001, 1002, 1003, 1004, 9999
NAMES = {COORDINATOR: "Coordinator Li", INVESTIGATOR: "Dr Mei", ADMIN: "Admin Xie",
         INVESTIGATOR_2: "Dr Zhou", STRANGER: "Stranger"}
GROUP = -1001234567890
FAILING = {**ELIGIBLE, "platelets": "15 x10^9/L", "lvef": "45"}


def asked(trial: Trial, number: str) -> Question | None:
    """The question the screening stands at, derived from what is stored."""
    return next_question(screening_answers(trial.db, number), trial.context)


def label_starting(api: LocalBotAPI, chat_id: int, prefix: str) -> str:
    message = api.last_keyboard(chat_id)
    labels = [label for label, _ in buttons_of(message)] if message else []
    return next(label for label in labels if label.startswith(prefix))


async def answer(api: LocalBotAPI, user: int, number: str, question: Question,
                 given: Any, answers: dict | None = None) -> list[Call]:
    """Answer a question as the coordinator does: tick boxes, press a button or type; a
    question asked with its branch (a drug with "on a glucocorticoid?") by the branch's answer."""
    opened = opened_branch(question, given) if answers is not None else None
    if opened is not None:
        question, given = opened, answers[opened.id]
    if isinstance(given, list):
        for option in given:
            await tap(api, user, f"tick:{number}:{question.id}:{option}")
        return await tap(api, user, label_starting(api, user, "Done"))
    if question.kind in ("yes_no", "choice", "grade"):
        return await tap(api, user, given)
    return await send(api, user, given)


async def answer_all(api: LocalBotAPI, trial: Trial, user: int, number: str,
                     answers: dict) -> None:
    seen = set()
    while (question := asked(trial, number)) is not None:
        assert question.id not in seen, f"{question.id} asked again"
        opened = opened_branch(question, answers.get(question.id))
        seen.update({question.id} | ({opened.id} if opened else set()))
        await answer(api, user, number, question, answers[question.id], answers)


def latest_screening(trial: Trial) -> str:
    return trial.db.execute("SELECT number FROM screenings ORDER BY rowid DESC LIMIT 1"
                            ).fetchone()[0]


async def screen(api: LocalBotAPI, trial: Trial, user: int, answers: dict) -> tuple[str, str]:
    """A whole screening up to its review: (number, the verdict's text)."""
    [started] = shown(await send(api, user, "/screen"))
    number = latest_screening(trial)
    assert f"New screening {number}" in started
    await answer_all(api, trial, user, number, answers)
    return number, api.last_keyboard(user)["text"]


def enrolled_long_ago(trial: Trial, *, days_ago: int = 40, weight: float = 60.0) -> str:
    """A DL1 participant infused `days_ago` days ago (their DLT window closed without a DLT,
    as an investigator confirmed), enrolled through the storage layer, as an earlier part of
    the trial."""
    number = start_screening(trial.db, actor="test")
    finish_screening(trial.db, number, status="eligible", verdict={"status": "eligible"},
                     actor="test")
    infused = trial.today() - timedelta(days=days_ago)
    dose = trial.protocol.dose_level(1)
    placement = Placement(dose_level=1, cohort=1, expansion=False,
                          cells_per_kg=dose.cells_per_kg, total_cells=dose.cells_per_kg * weight,
                          dlt_window_end=dlt_window_end(trial.protocol, infused))
    participant = add_participant(trial.db, screening=number, weight_kg=weight,
                                  infusion_date=infused, actor="test", placement=placement)
    add_evaluation(trial.db, participant["number"], actor="test")
    return participant["number"]


# -- checks on the database -------------------------------------------------------------------

def integrity(path: Path) -> list:
    """SQLite's own checks of the file: ['ok'] and no broken reference."""
    with sqlite3.connect(path) as conn:
        checks = [row[0] for row in conn.execute("PRAGMA integrity_check")]
        broken = conn.execute("PRAGMA foreign_key_check").fetchall()
    conn.close()
    return checks + [f"foreign key: {row}" for row in broken]


# Audited tables: the column that is the audit's record id, and columns stored as JSON text.
AUDITED = {"staff": ("user_id", ()), "screenings": ("number", ("verdict",)),
           "participants": ("number", ()), "dlt_reports": ("id", ()),
           "escalation_decisions": ("id", ("recommendation",))}


def audit_problems(db) -> list[str]:
    """Where the records and the audit trail disagree: every record has its insertion audited,
    and every audited field holds the value its last audit row says."""
    problems = []
    last: dict[tuple, Any] = {}
    for row in db.query("SELECT table_name, record_id, field, new_value FROM audit ORDER BY id"):
        last[row["table_name"], row["record_id"], row["field"]] = from_json(row["new_value"])
    for table, (key, as_json) in AUDITED.items():
        for record in db.query(f"SELECT * FROM {table}"):
            record_id = str(record[key])
            fields = {f: v for (t, r, f), v in last.items() if (t, r) == (table, record_id)}
            if not fields:
                problems.append(f"{table} {record_id} has no audit row")
            for field, value in fields.items():
                stored = record[field]
                stored = from_json(stored) if field in as_json else stored
                if stored != value:
                    problems.append(f"{table} {record_id}.{field} is {stored!r}, audit {value!r}")
    for row in db.query("SELECT screening, question_id, value FROM answers"):
        audited = last.get(("answers", row["screening"], row["question_id"]), "no audit row")
        if from_json(row["value"]) != audited:
            problems.append(f"answer {row['screening']}.{row['question_id']} is "
                            f"{row['value']}, audit {audited!r}")
    return problems


def counts(db) -> dict[str, int]:
    """How many rows each clinical table and the outbox hold."""
    tables = ("screenings", "answers", "participants", "dlt_reports", "escalation_decisions",
              "alerts", "audit", "staff")
    return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


def records(db) -> dict[str, list]:
    """Every clinical row and alert, to compare before and after."""
    tables = ("staff", "screenings", "answers", "participants", "dlt_reports",
              "escalation_decisions", "alerts", "audit")
    return {t: [tuple(r) for r in db.execute(f"SELECT * FROM {t} ORDER BY rowid")]
            for t in tables}
