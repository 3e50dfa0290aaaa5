"""Screening a candidate, question by question: start or resume a screening, the question it
stands at, an answer, going back, finishing early, the verdict and saving it, correcting an
answer (also after the verdict, until enrolment), the open screenings and the screening log.

Where a screening stands is derived from its stored answers (domain.questions.next_question),
never from a chat's state. Every answer names the question its sender was shown: unless that
question may still be answered (unanswered, applying, in the section the screening stands in)
it is refused (who answered it meanwhile, and what) and nothing is written; the store refuses
too (save_answer's expect_unanswered), so two coordinators on one screening never overwrite
each other. A review is saved, or an answer changed from it, only for the answers it showed
(answers_version).

One typed message may answer several questions of the section (`enter`); each value is read
and stored on its own, and each one refused says why. A criterion's failure is reported once,
with the answer that makes it fail.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel

from domain.corrections import LEAST_REASON, MOST_REASON, checked_reason
from domain.eligibility import Verdict, assess, screening_valid_until
from domain.questions import (
    GRID_REST,
    REASON,
    AnswerError,
    Question,
    applicable,
    grid_of,
    implied,
    next_question,
    previous_question,
    question_by_id,
    questions,
    questions_left,
    read_answer,
    split_entries,
)
from domain.reasons import Reason, Refused
from domain.units import offered_readings
from storage.database import transaction
from storage.participants import enrolled_as
from storage.screenings import (
    AnswerConflict,
    answer_details,
    answers_version,
    finish_screening,
    get_screening,
    list_screenings,
    open_screening_numbers,
    reopen_screening,
    retract_answer,
    save_answer,
    screened_at,
    screening_answers,
    start_screening,
)
from storage.usecases.escalation import require_role
from storage.usecases.trial import Trial

ROLE = "coordinator"  # who screens, goes back, saves and corrects
SAVED_AS = {"eligible": "eligible", "not_eligible": "screen_failure"}  # verdict -> status


class Standing(BaseModel):
    """Where a screening stands: the question to ask next, or (none left: `question` None) the
    verdict; `version` names its answers as they are now."""

    number: str
    question: str | None
    verdict: Verdict | None = None
    version: int
    section: str | None = None  # the section of `question` (domain.questions.SECTIONS)


class Started(BaseModel):
    standing: Standing
    still_open: list[str]  # the screenings that were open before this one


class ShownAnswer(BaseModel):
    """A standing answer, as typed or pressed, with who gave it (by name) and when (UTC)."""

    question: str
    value: Any
    entered: str
    unit: str | None
    answered_by: str
    answered_at: str


class Answered(BaseModel):
    """A stored answer; the reason its criterion fails, if this answer fails it; what next."""

    answer: ShownAnswer
    failure: Reason | None = None
    failures: list[Reason] = []  # every criterion that fails since this answer (failure: the first)
    next: Standing


class EntryRefused(BaseModel):
    """A value of a typed message that was not stored: why, and the readings it may mean."""

    question: str
    reason: Reason
    readings: list[str] = []


class Entered(BaseModel):
    """What one typed message (or one press for several rows) stored and refused, the criteria
    that fail since, and what next."""

    saved: list[ShownAnswer]
    refused: list[EntryRefused] = []
    failures: list[Reason] = []
    next: Standing


class WentBack(BaseModel):
    question: str  # asked again
    retracted: Any  # its answer, now only in the audit trail
    next: Standing


class Review(BaseModel):
    """What a coordinator reviews before saving: the verdict and the answers it was given."""

    number: str
    verdict: Verdict
    answers: list[ShownAnswer]
    version: int


class Finished(BaseModel):
    number: str
    status: str  # eligible or screen_failure
    verdict: Verdict
    valid_until: date  # the last day it may be enrolled (protocol's screening_valid_days)


class Corrected(BaseModel):
    question: str  # asked again
    old: Any  # the answer corrected, kept in the audit trail with the reason
    reopened: bool  # the saved verdict was set aside
    next: Standing


class LogEntry(BaseModel):
    """One line of the screening log."""

    number: str
    started_at: str
    finished_at: str | None
    status: str
    age: int | None
    sex: str | None
    verdict: dict | None  # as saved (JSON)
    participant: str | None


# --- reading ----------------------------------------------------------------------------------

def standing(trial: Trial, number: str) -> Standing:
    """The current question of a screening (the first that applies and is unanswered), or the
    verdict when every question that applies is answered."""
    answers = screening_answers(trial.db, number)
    question = next_question(answers, trial.context)
    return Standing(number=number, question=question.id if question else None,
                    verdict=None if question else assessed(trial, answers),
                    version=answers_version(trial.db, number),
                    section=question.section if question else None)


def existing(trial: Trial, number: str) -> dict:
    found = get_screening(trial.db, number)
    if found is None:
        raise Refused("no_screening", number=number)
    return found


def open_screening(trial: Trial, number: str) -> dict:
    """The screening, if it still takes answers."""
    found = existing(trial, number)
    if found["status"] != "in_progress":
        raise Refused("screening_closed", number=number, status=found["status"])
    return found


def resume(trial: Trial, number: str) -> Standing:
    """/screen S-004: where an open screening stands."""
    open_screening(trial, number)
    return standing(trial, number)


def screened_on(trial: Trial, number: str) -> date:
    """The site's date of a screening: that of its oldest standing answer (or of its start)."""
    return datetime.fromisoformat(screened_at(trial.db, number)).astimezone(trial.timezone).date()


def valid_until(trial: Trial, number: str) -> date:
    """The last day the screening may be enrolled; after it the candidate is screened again."""
    return screening_valid_until(screened_on(trial, number), trial.protocol)


def open_screenings(trial: Trial) -> list[str]:
    return open_screening_numbers(trial.db)


def screening_log(trial: Trial) -> list[LogEntry]:
    return [LogEntry.model_validate(row) for row in list_screenings(trial.db)]


def shown(trial: Trial, row: dict) -> ShownAnswer:
    return ShownAnswer(question=row["question_id"], value=row["value"], entered=row["entered"],
                       unit=row["unit"], answered_by=trial.staff_name(row["answered_by"]),
                       answered_at=row["answered_at"])


def answers_shown(trial: Trial, number: str) -> list[ShownAnswer]:
    """Every standing answer to a question that applies, in the order the questions are asked:
    what a review shows and a correction picks from."""
    applies = [q.id for q in applicable(screening_answers(trial.db, number), trial.context)]
    rows = [row for row in answer_details(trial.db, number)
            if row["value"] is not None and row["question_id"] in applies]
    rows.sort(key=lambda row: applies.index(row["question_id"]))
    return [shown(trial, row) for row in rows]


def verdict(trial: Trial, number: str) -> Verdict:
    return assessed(trial, screening_answers(trial.db, number))


VERDICTS_KEPT = 4


def assessed(trial: Trial, answers: dict) -> Verdict:
    """The verdict on `answers` (domain assess), judged once: an answer's step judges the
    screening before the answer (the step before judged it after its own) and after it, and
    the card and the review judge it again. Kept while the protocol, upper limits and lab units
    are the same objects."""
    judged_by = (trial.protocol, trial.upper_limits, trial.lab_units)
    key = json.dumps(answers, sort_keys=True, default=str)
    kept = trial.verdicts.get(key)
    if kept is not None and all(a is b for a, b in zip(kept[0], judged_by, strict=True)):
        return kept[1]
    found = assess(answers, trial.context)
    if len(trial.verdicts) >= VERDICTS_KEPT:
        trial.verdicts.clear()
    trial.verdicts[key] = (judged_by, found)
    return found


def review(trial: Trial, number: str) -> Review:
    return Review(number=number, verdict=verdict(trial, number),
                  answers=answers_shown(trial, number),
                  version=answers_version(trial.db, number))


# --- is what a user was shown still where the screening stands --------------------------------

def answered_meanwhile(trial: Trial, number: str, row: dict) -> Refused:
    return Refused("answered_meanwhile", number=number, question=row["question_id"],
                   who=trial.staff_name(row["answered_by"]), value=row["value"],
                   entered=row["entered"])


def check_current(trial: Trial, number: str, question: str | None) -> None:
    """Refused unless `question` (None: no question, the review) may be answered now: who
    answered it meanwhile and what, or that it is no longer asked. A question may be answered
    while it is unanswered, applies (or is the branch of a question its answer answers too,
    domain.questions.implied) and is in the section the screening stands in."""
    answers = screening_answers(trial.db, number)
    now = next_question(answers, trial.context)
    if question is None:
        if now is not None:
            raise Refused("changed_meanwhile", number=number)
        return
    row = next((row for row in answer_details(trial.db, number)
                if row["question_id"] == question and row["value"] is not None), None)
    if row is not None:
        raise answered_meanwhile(trial, number, row)
    asked = question_by_id(trial.context, question)
    if now is None or asked is None or not open_now(asked, answers, trial, now):
        raise Refused("moved_on", number=number, question=question)


def open_now(asked: Question, answers: dict, trial: Trial, now: Question) -> bool:
    """An unanswered question may be answered: it applies (with the answer it implies) and is in
    the section of the screening's current question `now`."""
    gate = implied(asked, answers)
    given = {**answers, gate[0]: gate[1]} if gate else answers
    return asked.section == now.section and asked.applies(given, trial.context)


def check_review(trial: Trial, number: str, version: int | None) -> None:
    """Refused unless the answers are still those a review showed (at `version`)."""
    if answers_version(trial.db, number) != version:
        raise Refused("changed_meanwhile", number=number)


def check_shown(trial: Trial, number: str, question: str | None, version: int | None) -> None:
    """What a user was shown still stands: the question `question`, or (question None) the
    review of the answers at `version`, also of a screening finished early."""
    if question is None and version is not None:
        check_review(trial, number, version)
    else:
        check_current(trial, number, question)


# --- writing ----------------------------------------------------------------------------------

def start(trial: Trial, *, actor: Any) -> Started:
    """A new screening, S-001, S-002, ...; with those still open."""
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        still_open = open_screenings(trial)
        number = start_screening(trial.db, actor=actor)
        return Started(standing=standing(trial, number), still_open=still_open)


def question_of(trial: Trial, question_id: str) -> Question:
    question = question_by_id(trial.context, question_id)
    if question is None:
        raise Refused("unknown_question", question=question_id)
    return question


def failing(trial: Trial, number: str) -> set[tuple]:
    """The criteria that fail now, by (group, number, id)."""
    return {(c.group, c.number, c.id) for c in verdict(trial, number).failed}


def failures_since(trial: Trial, number: str, before: set[tuple]) -> list[Reason]:
    """Why each criterion that did not fail `before` fails now: a failure is reported once,
    with the answer that makes it fail, not again with every later answer."""
    return [c.reason for c in verdict(trial, number).failed
            if (c.group, c.number, c.id) not in before]


def readings_for(trial: Trial, question: Question, given: Any) -> list[str]:
    """For a number typed without its unit, the likely readings to pick from."""
    if question.kind != "number" or not isinstance(given, str):
        return []
    return offered_readings(question.analyte, given, trial.lab_units.of(question.analyte))


def take(trial: Trial, number: str, asked: Question, given: Any, actor: Any) -> ShownAnswer:
    """Inside a transaction: check that `asked` may be answered, read the answer (AnswerError)
    and store it with its audit row, with the answer it implies to the question that opens its
    branch ("methylprednisolone": on a glucocorticoid, yes)."""
    check_current(trial, number, asked.id)
    answers = screening_answers(trial.db, number)
    gate = implied(asked, answers)
    taken = read_answer(asked, given, {**answers, **dict([gate] if gate else [])},
                        trial.context)
    stored = [(gate[0], gate[1], gate[1], None)] if gate else []
    stored.append((asked.id, taken.value, taken.entered, taken.unit))
    for question, value, entered, unit in stored:
        try:
            save_answer(trial.db, number, question, value=value, entered=entered, unit=unit,
                        actor=actor, expect_unanswered=True)
        except AnswerConflict as conflict:
            raise answered_meanwhile(trial, number, conflict.standing) from None
    row = next(r for r in answer_details(trial.db, number) if r["question_id"] == asked.id)
    return shown(trial, row)


def answer(trial: Trial, *, number: str, question: str, given: str | Sequence[str],
           actor: Any) -> Answered:
    """The answer to `question`, a question its sender was shown (typed text, a pressed
    option, the ticked options): read, checked and stored with its audit row, if the question
    may still be answered. Refused with the reason an answer is not taken (and, for a number
    typed without its unit, the readings it may mean)."""
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        open_screening(trial, number)
        asked = question_of(trial, question)
        before = failing(trial, number)
        try:
            taken = take(trial, number, asked, given, actor)
        except AnswerError as error:
            raise Refused("invalid_answer", number=number, question=question,
                          reason=error.reason, readings=readings_for(trial, asked, given)
                          ) from None
        failures = failures_since(trial, number, before)
        return Answered(answer=taken, failure=failures[0] if failures else None,
                        failures=failures, next=standing(trial, number))


def order_of(trial: Trial) -> dict[str, int]:
    return {q.id: place for place, q in enumerate(questions(trial.context))}


def enter(trial: Trial, *, number: str, shown_question: str, text: str, actor: Any,
          unnamed: bool = True) -> Entered:
    """A typed message: a value without a name answers `shown_question` (the question its
    sender was shown), values after their labels the questions they name in the same section
    ("ALT 48 AST 35 TBIL 16.8 umol/L", "45 F"). Each value is read and stored on its own; those
    refused are listed with why. Refused as a whole when the question shown may no longer be
    answered, when the message cannot be split (two values without a name, or one at all where
    `unnamed` is False: a grid), or when its only value is refused (as `answer` refuses it)."""
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        open_screening(trial, number)
        shown_asked = question_of(trial, shown_question)
        check_current(trial, number, shown_question)
        try:
            entries = split_entries(text, shown_asked, trial.context, unnamed)
        except AnswerError as error:
            raise Refused("invalid_answer", number=number, question=shown_question,
                          reason=error.reason, readings=[]) from None
        if len(entries) == 1 and entries[0].question == shown_question:
            answered = answer(trial, number=number, question=shown_question,
                              given=entries[0].text, actor=actor)
            return Entered(saved=[answered.answer], failures=answered.failures,
                           next=answered.next)
        before = failing(trial, number)
        order = order_of(trial)
        saved, refused = [], []
        for entry in sorted(entries, key=lambda entry: order[entry.question]):
            asked = question_of(trial, entry.question)
            try:
                saved.append(take(trial, number, asked, entry.text, actor))
            except AnswerError as error:
                refused.append(EntryRefused(question=asked.id, reason=error.reason,
                                            readings=readings_for(trial, asked, entry.text)))
            except Refused as refusal:
                refused.append(EntryRefused(question=asked.id,
                                            reason=entry_refusal(trial, number, asked, refusal)))
        return Entered(saved=saved, refused=refused, next=standing(trial, number),
                       failures=failures_since(trial, number, before))


def entry_refusal(trial: Trial, number: str, asked: Question, refusal: Refused) -> Reason:
    """Why a named value of a typed message is not taken: answered meanwhile (the refusal
    itself), asked in another section, or not asked of this candidate."""
    if refusal.reason.code != "refusal.moved_on":
        return refusal.reason
    now = next_question(screening_answers(trial.db, number), trial.context)
    elsewhere = now is not None and asked.section != now.section
    return REASON("other_section") if elsewhere else REASON("not_applicable")


def answer_rest(trial: Trial, *, number: str, grid: str, actor: Any) -> Entered:
    """A grid's "all others" (BILAG-2004: D/E): its answer for every row of `grid` that is
    still unanswered and applies; a row answered meanwhile keeps its answer. Refused when no
    row is left to answer."""
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        open_screening(trial, number)
        if grid not in GRID_REST:
            raise Refused("unknown_question", question=grid)
        answers, now = screening_answers(trial.db, number), standing(trial, number)
        rows = [q for q in grid_of(trial.context, grid) if q.id not in answers
                and q.section == now.section and q.applies(answers, trial.context)]
        if not rows:
            raise Refused("changed_meanwhile", number=number)
        before = failing(trial, number)
        saved = [take(trial, number, row, GRID_REST[grid], actor) for row in rows]
        return Entered(saved=saved, failures=failures_since(trial, number, before),
                       next=standing(trial, number))


def go_back(trial: Trial, *, number: str, shown_question: str | None, version: int | None,
            reason: str, actor: Any) -> WentBack:
    """Retract the answer before what the user was shown (a question, or the review of the
    answers at `version`), so it is asked again; the audit keeps it with `reason`."""
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        open_screening(trial, number)
        check_shown(trial, number, shown_question, version)
        answers = screening_answers(trial.db, number)
        previous = previous_question(answers, trial.context, standing(trial, number).question)
        if previous is None:
            raise Refused("no_previous_question", number=number)
        retract_answer(trial.db, number, previous.id, actor=actor, reason=reason)
        return WentBack(question=previous.id, retracted=answers[previous.id],
                        next=standing(trial, number))


def finish_early(trial: Trial, number: str) -> Review:
    """/finish: the review of a screening that has already failed, before every question is
    answered; refused while nothing has failed, with how many questions apply and are left
    (more may follow from their answers: `left`)."""
    open_screening(trial, number)
    found = review(trial, number)
    if found.verdict.status != "not_eligible":
        raise Refused("cannot_finish", number=number,
                      left=len(found.verdict.missing_questions))
    return found


def left(trial: Trial, number: str) -> tuple[int, int]:
    """(at least, at most) how many questions of a screening are left: those that apply and
    are unanswered, and besides them those that may yet apply, depending on their answers."""
    return questions_left(screening_answers(trial.db, number), trial.context)


def change(trial: Trial, *, number: str, question: str, version: int | None, reason: str,
           actor: Any) -> WentBack:
    """From the review, before saving: take back the answer to `question` so it is asked
    again; refused when the answers changed since that review (`version`). The audit keeps
    the old answer with `reason`."""
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        open_screening(trial, number)
        check_review(trial, number, version)
        answers = {a.question: a for a in answers_shown(trial, number)}
        if question not in answers:
            raise Refused("nothing_to_correct", number=number, question=question)
        retract_answer(trial.db, number, question, actor=actor, reason=reason)
        return WentBack(question=question, retracted=answers[question].value,
                        next=standing(trial, number))


def save_verdict(trial: Trial, *, number: str, shown_verdict: str, version: int | None,
                 actor: Any) -> Finished:
    """Close a screening as eligible or screen failure with the verdict the coordinator saw:
    refused when the answers changed since that review, or the verdict is not the one shown."""
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        open_screening(trial, number)
        check_review(trial, number, version)
        judged = verdict(trial, number)
        if judged.status not in SAVED_AS:
            raise Refused("screening_incomplete", number=number,
                          left=len(judged.missing_questions))
        if judged.status != shown_verdict:
            raise Refused("verdict_changed", number=number, verdict=judged.status)
        status = SAVED_AS[judged.status]
        finish_screening(trial.db, number, status=status, verdict=judged.model_dump(mode="json"),
                         actor=actor)
        return Finished(number=number, status=status, verdict=judged,
                        valid_until=valid_until(trial, number))


def correctable(trial: Trial, number: str) -> list[ShownAnswer]:
    """The answers of an open or finished screening that may be corrected; refused once the
    candidate is enrolled or withdrawn."""
    found = existing(trial, number)
    taken = enrolled_as(trial.db, number)
    if taken:
        raise Refused("screening_enrolled", number=number, participant=taken)
    if found["status"] == "withdrawn":
        raise Refused("screening_closed", number=number, status=found["status"])
    return answers_shown(trial, number)


def correct(trial: Trial, *, number: str, question: str, reason: str, actor: Any) -> Corrected:
    """Take back a wrong answer so it is asked again, with the reason (at least LEAST_REASON
    characters); a finished screening is reopened first, the saved verdict set aside. The
    audit trail keeps the old answer, the old status and the reason."""
    reason, problem = checked_reason(reason)
    if problem:
        raise Refused(problem, least=LEAST_REASON, most=MOST_REASON)
    with transaction(trial.db):
        require_role(trial, actor, ROLE)
        choices = {a.question: a for a in correctable(trial, number)}
        if question not in choices:
            raise Refused("nothing_to_correct", number=number, question=question)
        reopened = existing(trial, number)["status"] != "in_progress"
        if reopened:
            reopen_screening(trial.db, number, actor=actor, reason=reason)
        retract_answer(trial.db, number, question, actor=actor, reason=reason)
        return Corrected(question=question, old=choices[question].value, reopened=reopened,
                         next=standing(trial, number))
