"""Screenings (S-001, S-002, ...) and their answers; every change is audited."""

from typing import Any

from sqlite_utils import Database

from storage.audit import record_change, record_insert
from storage.database import (
    from_json,
    insert_row,
    now,
    one,
    read_once,
    rows_where,
    to_json,
    transaction,
)
from storage.verdicts import compact_verdict, verdict_json

STATUSES = ("in_progress", "eligible", "screen_failure", "withdrawn")


class ReasonRequired(ValueError):
    """Changing an answer that was already given needs a reason."""


class ScreeningClosed(ValueError):
    """The screening is finished or withdrawn and cannot take this change."""


class ScreeningNotFound(LookupError):
    """No screening with that number."""


class AnswerConflict(ValueError):
    """The caller expected the question unanswered, but an answer stands (given meanwhile,
    perhaps by someone else); `standing` is that answer's row, its value decoded."""

    def __init__(self, number: str, question_id: str, standing: dict):
        super().__init__(f"{question_id} of {number} was answered meanwhile")
        self.standing = standing


def start_screening(db: Database, *, actor: Any) -> str:
    """Open a new screening and return its number, "S-001", "S-002", ..."""
    with transaction(db):
        last = db.execute(  # the newest row, by rowid: no scan of every screening
            "SELECT number FROM screenings ORDER BY rowid DESC LIMIT 1").fetchone()
        number = f"S-{(int(last[0][2:]) if last else 0) + 1:03d}"
        row = {"screened_by": str(actor), "started_at": now(), "status": "in_progress"}
        insert_row(db, "screenings", {"number": number, **row})
        record_insert(db, actor=actor, table="screenings", record=number, row=row)
    return number


def get_screening(db: Database, number: str) -> dict | None:
    """The screening row with its verdict decoded, or None."""
    row = one(db, "SELECT * FROM screenings WHERE number = ?", [number])
    return dict(row, verdict=from_json(row["verdict"])) if row else None


def screening_answers(db: Database, number: str) -> dict[str, Any]:
    """question_id -> normalised value, for answers that stand (not retracted)."""
    return {row["question_id"]: _copy(row["value"]) for row in _answer_rows(db, number)
            if row["value"] is not None}


def answers_version(db: Database, number: str) -> int:
    """How often the answers of a screening have changed: every change is audited and the audit
    trail only grows, so the same version means the same answers."""
    return read_once(db, f"answers version {number}", lambda: db.execute(
        "SELECT count(*) FROM audit WHERE table_name = 'answers' AND record_id = ?", [number]
    ).fetchone()[0])


def screened_at(db: Database, number: str) -> str | None:
    """When a screening was done (UTC): its oldest standing answer, or (none yet) its start."""
    oldest = db.execute(
        "SELECT min(answered_at) FROM answers WHERE screening = ? AND value IS NOT NULL", [number]
    ).fetchone()[0]
    if oldest:
        return oldest
    found = one(db, "SELECT started_at FROM screenings WHERE number = ?", [number])
    return found["started_at"] if found else None


def answer_details(db: Database, number: str) -> list[dict]:
    """Every answer row (retracted ones have value None) with what was typed, who and when."""
    return [dict(row, value=_copy(row["value"])) for row in _answer_rows(db, number)]


def _copy(value: Any) -> Any:
    """A ticked answer's list copied, so no caller changes the answers read once."""
    return list(value) if isinstance(value, list) else value


def _answer_rows(db: Database, number: str) -> list[dict]:
    """The answer rows, values decoded, read once while the database stays unchanged (one chat
    step asks for them several times); not to be changed by callers."""
    return read_once(db, f"answers {number}", lambda: [
        dict(row, value=from_json(row["value"]))
        for row in rows_where(db, "answers", "screening = ?", [number], order_by="rowid")])


def save_answer(
    db: Database,
    number: str,
    question_id: str,
    *,
    value: Any,
    entered: str,
    unit: str | None,
    actor: Any,
    reason: str | None = None,
    expect_unanswered: bool = False,
) -> None:
    """Store an answer. Changing a standing answer to a different value needs a reason.
    With `expect_unanswered` any standing answer raises AnswerConflict and nothing is written:
    an answer given to a question as it was shown never replaces one given meanwhile."""
    with transaction(db):
        _open_screening(db, number)
        old = _answer(db, number, question_id)
        if expect_unanswered and old is not None and old["value"] is not None:
            raise AnswerConflict(number, question_id, dict(old, value=from_json(old["value"])))
        row = {
            "value": to_json(value),
            "entered": entered,
            "unit": unit,
            "answered_by": str(actor),
            "answered_at": now(),
        }
        if old is None:
            db.execute(
                "INSERT INTO answers (screening, question_id, value, entered, unit,"
                " answered_by, answered_at) VALUES (:screening, :question_id, :value,"
                " :entered, :unit, :answered_by, :answered_at)",
                {**row, "screening": number, "question_id": question_id})
        else:
            if old["value"] is not None and old["value"] == row["value"]:
                return
            if old["value"] is not None and not reason:
                raise ReasonRequired(
                    f"{question_id} of {number} was already answered: give a reason to change it"
                )
            db.execute(
                "UPDATE answers SET value = :value, entered = :entered, unit = :unit,"
                " answered_by = :answered_by, answered_at = :answered_at"
                " WHERE screening = :screening AND question_id = :question_id",
                {**row, "screening": number, "question_id": question_id},
            )
        record_change(
            db,
            actor=actor,
            table="answers",
            record=number,
            field=question_id,
            old=None if old is None else from_json(old["value"]),
            new=value,
            reason=reason,
            old_typed=_typed(old),
            new_typed=entered,
        )


def retract_answer(db: Database, number: str, question_id: str, *, actor: Any, reason: str) -> bool:
    """Withdraw an answer (value becomes NULL, the audit keeps it); False if none stood."""
    with transaction(db):
        _open_screening(db, number)
        old = _answer(db, number, question_id)
        if old is None or old["value"] is None:
            return False
        db.execute(
            "UPDATE answers SET value = NULL WHERE screening = ? AND question_id = ?",
            [number, question_id],
        )
        record_change(
            db,
            actor=actor,
            table="answers",
            record=number,
            field=question_id,
            old=from_json(old["value"]),
            new=None,
            reason=reason,
            old_typed=_typed(old),
        )
        return True


def finish_screening(db: Database, number: str, *, status: str, verdict: dict, actor: Any) -> dict:
    """Close a screening as eligible or screen_failure, with the verdict that decided it."""
    if status not in ("eligible", "screen_failure"):
        raise ValueError(f"a screening finishes as eligible or screen_failure, not {status!r}")
    with transaction(db):
        _open_screening(db, number)
        answers = screening_answers(db, number)
        changes = {
            "status": status,
            "verdict": compact_verdict(verdict),  # storage/verdicts.py
            "age": answers.get("age"),
            "sex": answers.get("sex"),
        }
        _change_screening(db, number, changes, actor=actor)
        return get_screening(db, number)


def withdraw_screening(db: Database, number: str, *, actor: Any, reason: str) -> dict:
    """The candidate withdraws, during screening or when eligible but not yet enrolled."""
    with transaction(db):
        screening = _screening(db, number)
        enrolled = one(db, "SELECT number FROM participants WHERE screening = ?", [number])
        if screening["status"] not in ("in_progress", "eligible") or enrolled:
            raise ScreeningClosed(f"{number} is {_state(screening, enrolled)}: cannot withdraw")
        _change_screening(db, number, {"status": "withdrawn"}, actor=actor, reason=reason)
        return get_screening(db, number)


def reopen_screening(db: Database, number: str, *, actor: Any, reason: str) -> dict:
    """Open a finished screening again so an answer can be corrected; the reason is audited.
    Not once the candidate is enrolled or withdrawn."""
    if not reason or not reason.strip():
        raise ReasonRequired(f"reopening {number} needs a reason")
    with transaction(db):
        screening = _screening(db, number)
        enrolled = one(db, "SELECT number FROM participants WHERE screening = ?", [number])
        if screening["status"] not in ("eligible", "screen_failure") or enrolled:
            raise ScreeningClosed(f"{number} is {_state(screening, enrolled)}: cannot reopen")
        _change_screening(db, number, {"status": "in_progress", "finished_at": None},
                          actor=actor, reason=reason)
        return get_screening(db, number)


def list_screenings(db: Database) -> list[dict]:
    """The screening log: one row per screening with its participant number if enrolled."""
    rows = db.query(
        "SELECT s.number, s.started_at, s.finished_at, s.status, s.age, s.sex, s.verdict,"
        " p.number AS participant"
        " FROM screenings s LEFT JOIN participants p ON p.screening = s.number"
        " ORDER BY CAST(substr(s.number, 3) AS INTEGER)"
    )
    return [dict(row, verdict=from_json(row["verdict"])) for row in rows]


def _change_screening(
    db: Database, number: str, changes: dict, *, actor: Any, reason: str | None = None
) -> None:
    old = get_screening(db, number)
    for field, new in changes.items():
        if old[field] != new:
            record_change(
                db,
                actor=actor,
                table="screenings",
                record=number,
                field=field,
                old=old[field],
                new=new,
                reason=reason,
            )
    stored = dict(changes)
    if "verdict" in stored:
        stored["verdict"] = verdict_json(stored["verdict"])
    if old["finished_at"] is None:
        stored["finished_at"] = now()
    db["screenings"].update(number, stored)


def _screening(db: Database, number: str) -> dict:
    screening = get_screening(db, number)
    if screening is None:
        raise ScreeningNotFound(f"there is no screening {number}")
    return screening


def _open_screening(db: Database, number: str) -> dict:
    screening = _screening(db, number)
    if screening["status"] != "in_progress":
        raise ScreeningClosed(f"{number} is closed ({screening['status']})")
    return screening


def _answer(db: Database, number: str, question_id: str) -> dict | None:
    return one(
        db, "SELECT * FROM answers WHERE screening = ? AND question_id = ?", [number, question_id]
    )


def _typed(answer: dict | None) -> str | None:
    """What was typed for a standing answer ("1.2 mg/dL"); None for none or a retracted one."""
    return answer["entered"] if answer and answer["value"] is not None else None


def _state(screening: dict, enrolled: dict | None) -> str:
    return f"enrolled as {enrolled['number']}" if enrolled else screening["status"]


def open_screening_numbers(db: Database) -> list[str]:
    """Screenings still in progress, oldest first (an indexed query)."""
    return [number for (number,) in db.execute(
        "SELECT number FROM screenings WHERE status = 'in_progress' ORDER BY rowid")]


def status_counts(db: Database, since: str | None = None, until: str | None = None) -> dict:
    """status -> number of screenings started from `since` to before `until` (UTC ISO); for
    all of them, the tallies the triggers keep (a few rows, however long the log)."""
    if since is None and until is None:
        return dict(db.execute(
            "SELECT status, screenings FROM screening_tallies WHERE screenings > 0").fetchall())
    where, params = _started_between(since, until)
    rows = db.execute(f"SELECT status, count(*) FROM screenings s {where} GROUP BY status",
                      params)
    return dict(rows.fetchall())


def failure_counts(db: Database, since: str | None = None, until: str | None = None) -> dict:
    """(criterion number, id) -> screen failures that failed it, read from the stored verdicts
    of the screen failures only (SQLite's JSON functions, no row decoded in Python); for all
    of them, the tallies the triggers keep."""
    if since is None and until is None:
        return {(number, cid): count for number, cid, count in db.execute(
            "SELECT number, id, screenings FROM failure_tallies WHERE screenings > 0")}
    where, params = _started_between(since, until, "s.status = 'screen_failure'")
    rows = db.execute(
        "SELECT json_extract(c.value, '$.number'), json_extract(c.value, '$.id'), count(*)"
        " FROM screenings s, json_each(s.verdict, '$.criteria') c"
        f" {where} AND json_extract(c.value, '$.status') = 'not_met' GROUP BY 1, 2", params)
    return {(number, cid): count for number, cid, count in rows}


def enrolled_counts(db: Database, since: str | None = None, until: str | None = None) -> dict:
    """dose level -> participants enrolled from screenings started in the period."""
    where, params = _started_between(since, until)
    rows = db.execute(
        "SELECT p.dose_level, count(*) FROM participants p JOIN screenings s"
        f" ON s.number = p.screening {where} GROUP BY p.dose_level", params)
    return dict(rows.fetchall())


def _started_between(since: str | None, until: str | None,
                     *conditions: str) -> tuple[str, list]:
    clauses, params = list(conditions), []
    if since is not None:
        clauses.append("s.started_at >= ?")
        params.append(since)
    if until is not None:
        clauses.append("s.started_at < ?")
        params.append(until)
    return ("WHERE " + " AND ".join(clauses)) if clauses else "WHERE 1", params
