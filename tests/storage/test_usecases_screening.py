"""Screening through storage.usecases.screening: start and resume, the current question derived
from the stored answers, answers bound to the question shown (two coordinators on one
screening, the store's own expect_unanswered guard), going back, finishing early, the verdict
and saving it, corrections (after the verdict too), the open screenings and the log."""

import json
import threading

import pytest

from domain.reasons import Reason, Refused
from storage.audit import audit_trail
from storage.screenings import finish_screening, get_screening, save_answer, screening_answers
from storage.staff import add_staff
from storage.usecases import screening as screenings
from storage.usecases.events import withdraw_candidate
from storage.verdicts import compact_verdict
from tests.domain.conftest import TYPED
from tests.storage.conftest import (
    COORDINATOR,
    INVESTIGATOR,
    enrol,
    everything,
    make_trial,
    refusal,
)

WANG = 444  # a second coordinator
STRANGER = 999


@pytest.fixture
def wang(trial):
    add_staff(trial.db, user_id=WANG, name="Coordinator Wang", role="coordinator", actor="test")
    return WANG


def refusal_of(code, **params) -> Reason:
    """The reason `refusal` (tests.storage.conftest) gives, without its "refusal." prefix."""
    return Reason(code=code, params=params)


def new_screening(trial) -> str:
    return screenings.start(trial, actor=COORDINATOR).standing.number


def answer(trial, number, question, given=None, actor=COORDINATOR):
    return screenings.answer(trial, number=number, question=question,
                             given=TYPED[question] if given is None else given, actor=actor)


def walk(trial, number, stop_at=None, **typed):
    """Answer as a coordinator would, each current question in turn (TYPED, or `typed`), up to
    `stop_at` (not answered) or the end; returns where the screening stands then."""
    now = screenings.standing(trial, number)
    while now.question is not None and now.question != stop_at:
        now = answer(trial, number, now.question, typed.get(now.question)).next
    return now


def audited_answers(trial, number, question):
    return [(r["old_value"], r["new_value"], r["reason"])
            for r in audit_trail(trial.db, "answers", number) if r["field"] == question]


# --- starting, resuming, where a screening stands ----------------------------------------------

def test_start_numbers_screenings_and_names_those_still_open(trial):
    first = screenings.start(trial, actor=COORDINATOR)
    second = screenings.start(trial, actor=INVESTIGATOR)

    assert (first.standing.number, first.still_open) == ("S-001", [])
    assert (second.standing.number, second.still_open) == ("S-002", ["S-001"])
    assert first.standing.question == "consent" and first.standing.verdict is None
    assert get_screening(trial.db, "S-002")["screened_by"] == str(INVESTIGATOR)
    assert screenings.open_screenings(trial) == ["S-001", "S-002"]


def test_only_staff_start_a_screening(trial):
    before = everything(trial.db)

    assert refusal(screenings.start, trial, actor=STRANGER).code == "not_staff"
    assert everything(trial.db) == before


def test_resume_says_where_an_open_screening_stands_and_refuses_the_others(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="sex")

    assert screenings.resume(trial, number).question == "sex"
    assert refusal(screenings.resume, trial, "S-009") == refusal_of("no_screening",
                                                                    number="S-009")
    finish_screening(trial.db, number, status="screen_failure", verdict={}, actor=COORDINATOR)
    assert refusal(screenings.resume, trial, number) == refusal_of(
        "screening_closed", number=number, status="screen_failure")


def test_the_current_question_is_derived_from_the_stored_answers(trial):
    number = new_screening(trial)
    save_answer(trial.db, number, "consent", value="yes", entered="yes", unit=None,
                actor=COORDINATOR)   # stored by anyone, anyhow: the screening moves on

    assert screenings.standing(trial, number).question == "age"
    now = walk(trial, number)
    assert now.question is None and now.verdict.status == "eligible"


# --- answering ---------------------------------------------------------------------------------

def test_an_answer_is_read_stored_audited_and_says_what_comes_next(trial):
    number = new_screening(trial)
    answer(trial, number, "consent")

    answered = answer(trial, number, "age", "45")

    assert answered.answer.model_dump(exclude={"answered_at"}) == {
        "question": "age", "value": 45, "entered": "45", "unit": "years",
        "answered_by": "Coordinator Li"}
    assert answered.failure is None
    assert answered.next.question == "sex" and answered.next.verdict is None
    assert screening_answers(trial.db, number) == {"consent": "yes", "age": 45}
    assert audited_answers(trial, number, "age") == [(None, 45, None)]


def test_an_answer_that_fails_its_criterion_says_why(trial):
    number = new_screening(trial)
    answer(trial, number, "consent")

    answered = answer(trial, number, "age", "75")

    assert answered.failure.code == "eligibility.age_outside"
    assert answered.failure.params["age"] == 75
    assert screening_answers(trial.db, number)["age"] == 75  # stored: the coordinator goes on


def test_a_units_answer_is_converted_and_the_last_one_gives_the_verdict(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="haemoglobin")

    answered = answer(trial, number, "haemoglobin", "11.5 g/dL")
    assert answered.answer.value == 115 and answered.answer.unit == "g/dL"
    last = walk(trial, number, stop_at="contraception_consent")
    assert last.question == "contraception_consent"
    final = answer(trial, number, "contraception_consent").next
    assert final.question is None and final.verdict.status == "eligible"


def test_an_answer_that_cannot_be_read_is_refused_with_its_reason_and_readings(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="haemoglobin")
    before = everything(trial.db)

    reason = refusal(answer, trial, number, "haemoglobin", "11.5")

    assert reason.code == "invalid_answer"
    assert reason.params["reason"].code == "units.unit_missing"
    assert reason.params["readings"] == ["11.5 g/dL"]
    assert refusal(answer, trial, number, "haemoglobin", "lots").params["readings"] == []
    assert everything(trial.db) == before


def test_an_answer_to_a_question_not_asked_yet_is_refused(trial):
    number = new_screening(trial)
    before = everything(trial.db)

    assert refusal(answer, trial, number, "lvef", "60") == refusal_of(
        "moved_on", number=number, question="lvef")
    assert refusal(answer, trial, number, "no_such", "1").code == "unknown_question"
    assert everything(trial.db) == before


def test_two_coordinators_on_one_screening_never_overwrite_each_other(trial, wang):
    number = new_screening(trial)
    walk(trial, number, stop_at="treatment_months")   # both are shown the months question

    answer(trial, number, "treatment_months", "6", actor=WANG)
    before = everything(trial.db)
    reason = refusal(answer, trial, number, "treatment_months", "3", actor=COORDINATOR)

    assert reason == refusal_of("answered_meanwhile", number=number, question="treatment_months",
                                who="Coordinator Wang", value=6, entered="6")
    assert everything(trial.db) == before
    answer(trial, number, "stable_weeks", "3", actor=COORDINATOR)  # Li, now shown the weeks
    assert refusal(answer, trial, number, "stable_weeks", "4", actor=WANG).params["who"] == (
        "Coordinator Li")
    assert refusal(screenings.go_back, trial, number=number, shown_question="stable_weeks",
                   version=None, reason="went back", actor=WANG).code == "answered_meanwhile"
    assert screening_answers(trial.db, number)["stable_weeks"] == 3


def test_the_store_refuses_an_answer_over_one_given_meanwhile(trial, wang, monkeypatch):
    """save_answer(expect_unanswered=True) is the last guard: even with the current-question
    check skipped, an answer standing is not replaced, and the refusal names it."""
    number = new_screening(trial)
    answer(trial, number, "consent", actor=WANG)
    monkeypatch.setattr(screenings, "check_current", lambda *args: None)
    before = everything(trial.db)

    reason = refusal(answer, trial, number, "consent", "no")

    assert reason == refusal_of("answered_meanwhile", number=number, question="consent",
                                who="Coordinator Wang", value="yes", entered="yes")
    assert everything(trial.db) == before


def test_two_coordinators_answering_at_once_store_exactly_one_answer(db_path, trial, clock, wang):
    number = new_screening(trial)
    barrier = threading.Barrier(2, timeout=30)
    stored, refused, errors = [], [], []

    def attempt(actor, given):
        own = make_trial(db_path, clock)
        try:
            barrier.wait()
            stored.append(answer(own, number, "consent", given, actor=actor).answer)
        except Refused as error:
            refused.append(error.reason)
        except Exception as error:  # reported by the assertion below
            errors.append(error)
        finally:
            own.db.close()

    threads = [threading.Thread(target=attempt, args=args)
               for args in ((COORDINATOR, "yes"), (WANG, "no"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == [] and len(stored) == len(refused) == 1
    [won], [lost] = stored, refused
    assert lost.code == "refusal.answered_meanwhile"
    assert (lost.params["who"], lost.params["value"]) == (won.answered_by, won.value)
    assert screening_answers(trial.db, number) == {"consent": won.value}
    assert len(audited_answers(trial, number, "consent")) == 1


def test_a_closed_screening_takes_no_answer(trial):
    number = new_screening(trial)
    withdraw_candidate(trial, number=number, reason="candidate declined", actor=COORDINATOR)
    before = everything(trial.db)

    assert refusal(answer, trial, number, "consent") == refusal_of(
        "screening_closed", number=number, status="withdrawn")
    assert refusal(answer, trial, "S-404", "consent").code == "no_screening"
    assert everything(trial.db) == before


# --- going back, finishing early ---------------------------------------------------------------

def test_back_takes_back_the_previous_answer_with_its_reason(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="sex")

    went = screenings.go_back(trial, number=number, shown_question="sex", version=None,
                              reason="went back with /back", actor=COORDINATOR)

    assert (went.question, went.retracted, went.next.question) == ("age", 45, "age")
    assert "age" not in screening_answers(trial.db, number)
    assert audited_answers(trial, number, "age") == [(None, 45, None),
                                                     (45, None, "went back with /back")]


def test_back_at_the_first_question_and_from_a_stale_question_is_refused(trial):
    number = new_screening(trial)
    assert refusal(screenings.go_back, trial, number=number, shown_question="consent",
                   version=None, reason="back", actor=COORDINATOR).code == "no_previous_question"
    answer(trial, number, "consent")
    before = everything(trial.db)

    reason = refusal(screenings.go_back, trial, number=number, shown_question="consent",
                     version=None, reason="back", actor=COORDINATOR)

    assert reason.code == "answered_meanwhile"  # shown consent, now at age: nothing taken back
    assert everything(trial.db) == before


def test_back_from_a_review_needs_the_answers_it_showed(trial):
    number = new_screening(trial)
    walk(trial, number)
    shown = screenings.review(trial, number)
    save_answer(trial.db, number, "lvef", value=61, entered="61", unit="%", actor=COORDINATOR,
                reason="re-read")   # changed meanwhile

    assert refusal(screenings.go_back, trial, number=number, shown_question=None,
                   version=shown.version, reason="back", actor=COORDINATOR) == refusal_of(
        "changed_meanwhile", number=number)
    went = screenings.go_back(trial, number=number, shown_question=None,
                              version=screenings.review(trial, number).version, reason="back",
                              actor=COORDINATOR)
    assert went.question == "contraception_consent"


def test_finish_early_only_once_something_has_failed(trial):
    number = new_screening(trial)
    answer(trial, number, "consent")
    left = len(screenings.verdict(trial, number).missing_questions)

    assert refusal(screenings.finish_early, trial, number) == refusal_of(
        "cannot_finish", number=number, left=left)
    answer(trial, number, "age", "75")
    early = screenings.finish_early(trial, number)
    assert early.verdict.status == "not_eligible"
    assert [a.question for a in early.answers] == ["consent", "age"]
    saved = screenings.save_verdict(trial, number=number, shown_verdict="not_eligible",
                                    version=early.version, actor=COORDINATOR)
    assert saved.status == "screen_failure"
    assert [c["id"] for c in get_screening(trial.db, number)["verdict"]["criteria"]
            if c["status"] == "not_met"] == ["age"]


# --- the verdict and saving it -----------------------------------------------------------------

def test_the_review_lists_the_answers_that_apply_in_the_order_asked(trial):
    number = new_screening(trial)
    walk(trial, number)
    save_answer(trial.db, number, "barrier_contraception_consent", value="yes", entered="yes",
                unit=None, actor=COORDINATOR)   # a question for men: does not apply to her

    found = screenings.review(trial, number)

    assert found.verdict.status == "eligible"
    asked = [a.question for a in found.answers]
    assert asked[:3] == ["consent", "age", "sex"] and asked[-1] == "contraception_consent"
    assert "barrier_contraception_consent" not in asked
    assert screenings.answers_shown(trial, number) == found.answers


def test_save_verdict_closes_the_screening_with_the_verdict_reviewed(trial):
    number = new_screening(trial)
    walk(trial, number)
    shown = screenings.review(trial, number)

    saved = screenings.save_verdict(trial, number=number, shown_verdict="eligible",
                                    version=shown.version, actor=COORDINATOR)

    assert (saved.status, saved.verdict) == ("eligible", shown.verdict)
    stored = get_screening(trial.db, number)
    assert (stored["status"], stored["age"], stored["sex"]) == ("eligible", 45, "female")
    # stored compact (storage/verdicts.py): the criteria met by id, the rest as reviewed
    assert stored["verdict"] == compact_verdict(shown.verdict.model_dump(mode="json"))
    assert stored["verdict"]["met"] == [c.id for c in shown.verdict.criteria if c.status == "met"]
    raw = trial.db.execute("SELECT verdict FROM screenings").fetchone()[0]
    assert len(raw) < len(json.dumps(shown.verdict.model_dump(mode="json"))) / 8  # 1 of 9.5 KB
    assert refusal(screenings.save_verdict, trial, number=number, shown_verdict="eligible",
                   version=shown.version, actor=COORDINATOR).code == "screening_closed"


def test_save_verdict_is_refused_when_the_answers_changed_since_the_review(trial, wang):
    number = new_screening(trial)
    walk(trial, number)
    shown = screenings.review(trial, number)
    screenings.go_back(trial, number=number, shown_question=None, version=shown.version,
                       reason="back", actor=WANG)
    answer(trial, number, "contraception_consent", actor=WANG)   # the same answers again
    before = everything(trial.db)

    reason = refusal(screenings.save_verdict, trial, number=number, shown_verdict="eligible",
                     version=shown.version, actor=COORDINATOR)

    assert reason == refusal_of("changed_meanwhile", number=number)
    assert everything(trial.db) == before


def test_save_verdict_refuses_a_verdict_not_shown_an_incomplete_one_and_strangers(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="lvef")
    version = screenings.review(trial, number).version
    save = screenings.save_verdict

    assert refusal(save, trial, number=number, shown_verdict="not_eligible", version=version,
                   actor=COORDINATOR).code == "screening_incomplete"
    answer(trial, number, "lvef", "45")
    walk(trial, number)
    version = screenings.review(trial, number).version
    assert refusal(save, trial, number=number, shown_verdict="eligible", version=version,
                   actor=COORDINATOR) == refusal_of("verdict_changed", number=number,
                                                    verdict="not_eligible")
    assert refusal(save, trial, number=number, shown_verdict="not_eligible", version=version,
                   actor=STRANGER).code == "not_staff"
    assert get_screening(trial.db, number)["status"] == "in_progress"


# --- corrections -------------------------------------------------------------------------------

def saved_eligible(trial) -> str:
    number = new_screening(trial)
    walk(trial, number)
    screenings.save_verdict(trial, number=number, shown_verdict="eligible",
                            version=screenings.review(trial, number).version, actor=COORDINATOR)
    return number


def test_a_correction_after_the_verdict_keeps_the_old_value_and_reason_in_the_audit(trial):
    number = saved_eligible(trial)
    assert "age" in [a.question for a in screenings.correctable(trial, number)]

    corrected = screenings.correct(trial, number=number, question="age",
                                   reason="  ID card   re-checked ", actor=COORDINATOR)

    assert (corrected.question, corrected.old, corrected.reopened) == ("age", 45, True)
    assert corrected.next.question == "age"
    assert get_screening(trial.db, number)["status"] == "in_progress"
    assert audited_answers(trial, number, "age")[-1] == (45, None, "ID card re-checked")
    status = [(r["old_value"], r["new_value"], r["reason"])
              for r in audit_trail(trial.db, "screenings", number) if r["field"] == "status"]
    assert status[-1] == ("eligible", "in_progress", "ID card re-checked")
    answer(trial, number, "age", "74")
    assert screenings.verdict(trial, number).status == "not_eligible"


def test_a_correction_of_an_open_screening_does_not_reopen_anything(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="sle_criteria")
    before = audit_trail(trial.db, "screenings", number)

    corrected = screenings.correct(trial, number=number, question="sex",
                                   reason="typed the wrong button", actor=COORDINATOR)

    assert (corrected.old, corrected.reopened, corrected.next.question) == ("female", False,
                                                                           "sex")
    assert audit_trail(trial.db, "screenings", number) == before
    assert get_screening(trial.db, number)["status"] == "in_progress"


def test_a_correction_needs_a_reason_of_five_characters(trial):
    number = saved_eligible(trial)
    before = everything(trial.db)

    for short in ("", "typo", "  ab  "):
        assert refusal(screenings.correct, trial, number=number, question="age", reason=short,
                       actor=COORDINATOR) == refusal_of("short_reason", least=5, most=500)
    assert refusal(screenings.correct, trial, number=number, question="age", reason="x" * 501,
                   actor=COORDINATOR).code == "long_reason"
    assert everything(trial.db) == before


def test_a_correction_is_refused_once_enrolled_or_withdrawn(trial):
    enrolled = saved_eligible(trial)
    enrol(trial, enrolled)
    withdrawn = saved_eligible(trial)
    withdraw_candidate(trial, number=withdrawn, reason="moved away", actor=COORDINATOR)
    before = everything(trial.db)

    for number, code, params in [
            (enrolled, "screening_enrolled", {"participant": "P-01"}),
            (withdrawn, "screening_closed", {"status": "withdrawn"}),
            ("S-404", "no_screening", {})]:
        expected = refusal_of(code, number=number, **params)
        assert refusal(screenings.correctable, trial, number) == expected
        assert refusal(screenings.correct, trial, number=number, question="age",
                       reason="ID card re-checked", actor=COORDINATOR) == expected
    assert everything(trial.db) == before


def test_only_a_standing_answer_is_corrected_and_only_by_staff(trial):
    number = new_screening(trial)
    answer(trial, number, "consent")
    before = everything(trial.db)

    assert refusal(screenings.correct, trial, number=number, question="age",
                   reason="ID card re-checked", actor=COORDINATOR) == refusal_of(
        "nothing_to_correct", number=number, question="age")
    assert refusal(screenings.correct, trial, number=number, question="consent",
                   reason="ID card re-checked", actor=STRANGER).code == "not_staff"
    assert everything(trial.db) == before


# --- the log -----------------------------------------------------------------------------------

def test_the_screening_log_has_one_entry_per_screening_with_its_participant(trial):
    enrolled = saved_eligible(trial)
    enrol(trial, enrolled)
    open_one = new_screening(trial)

    log = screenings.screening_log(trial)

    assert [(e.number, e.status, e.participant) for e in log] == [
        (enrolled, "eligible", "P-01"), (open_one, "in_progress", None)]
    assert log[0].verdict["status"] == "eligible" and (log[0].age, log[0].sex) == (45, "female")
    assert screenings.open_screenings(trial) == [open_one]
