import threading

import pytest

from storage.audit import audit_trail
from storage.database import open_database
from storage.screenings import (
    AnswerConflict,
    ReasonRequired,
    ScreeningClosed,
    answer_details,
    answers_version,
    finish_screening,
    get_screening,
    list_screenings,
    retract_answer,
    save_answer,
    screening_answers,
    start_screening,
    withdraw_screening,
)
from tests.storage.conftest import COORDINATOR, eligible_screening, place_directly


def answer(db, number, question_id, value, **extra):
    save_answer(
        db,
        number,
        question_id,
        value=value,
        entered=str(value),
        unit=None,
        actor=COORDINATOR,
        **extra,
    )


def test_screening_numbers_are_sequential(db):
    assert [start_screening(db, actor=1) for _ in range(3)] == ["S-001", "S-002", "S-003"]
    screening = get_screening(db, "S-002")
    assert screening["status"] == "in_progress" and screening["screened_by"] == "1"


def test_concurrent_starts_get_distinct_sequential_numbers(db_path):
    open_database(db_path).close()
    barrier = threading.Barrier(20, timeout=30)
    numbers = []

    def start():
        db = open_database(db_path)
        barrier.wait()
        numbers.append(start_screening(db, actor=1))
        db.close()

    threads = [threading.Thread(target=start) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(numbers) == [f"S-{n:03d}" for n in range(1, 21)]


def test_answers_are_stored_normalised_with_what_was_typed(db):
    number = start_screening(db, actor=COORDINATOR)
    save_answer(db, number, "weight", value=61.5, entered="61,5 kg", unit="kg", actor=COORDINATOR)
    answer(db, number, "criteria", {"sledai": 8, "flags": ["a", "b"]})

    assert screening_answers(db, number) == {
        "weight": 61.5,
        "criteria": {"sledai": 8, "flags": ["a", "b"]},
    }
    details = answer_details(db, number)
    assert (details[0]["entered"], details[0]["unit"], details[0]["answered_by"]) == (
        "61,5 kg",
        "kg",
        str(COORDINATOR),
    )


def test_changing_an_answer_needs_a_reason_and_the_audit_keeps_the_old_value(db):
    number = start_screening(db, actor=COORDINATOR)
    answer(db, number, "age", 43)

    with pytest.raises(ReasonRequired):
        answer(db, number, "age", 34)
    answer(db, number, "age", 43)  # the same value again changes nothing
    answer(db, number, "age", 34, reason="digits swapped")

    assert screening_answers(db, number) == {"age": 34}
    trail = [
        (r["field"], r["old_value"], r["new_value"], r["reason"])
        for r in audit_trail(db, "answers", number)
    ]
    assert trail == [("age", None, 43, None), ("age", 43, 34, "digits swapped")]


def test_an_answer_expected_unanswered_never_replaces_one_given_meanwhile(db_path):
    first, second = open_database(db_path), open_database(db_path)  # two staff, two connections
    number = start_screening(first, actor=COORDINATOR)
    save_answer(second, number, "treatment_months", value=6, entered="6", unit="months",
                actor=222, expect_unanswered=True)
    version = answers_version(first, number)

    for value in (3, 6):  # a different value, and even the same one, is refused
        with pytest.raises(AnswerConflict) as refused:
            save_answer(first, number, "treatment_months", value=value, entered=str(value),
                        unit="months", actor=COORDINATOR, reason="typo", expect_unanswered=True)
        assert refused.value.standing["value"] == 6
        assert refused.value.standing["answered_by"] == "222"

    assert screening_answers(first, number) == {"treatment_months": 6}
    assert [r["new_value"] for r in audit_trail(first, "answers", number)] == [6]
    assert not first.conn.in_transaction  # the refused transaction was rolled back
    assert answers_version(first, number) == version == 1
    retract_answer(second, number, "treatment_months", actor=222, reason="went back")
    save_answer(first, number, "treatment_months", value=3, entered="3", unit="months",
                actor=COORDINATOR, expect_unanswered=True)  # retracted: free to answer again
    assert screening_answers(second, number) == {"treatment_months": 3}
    assert answers_version(second, number) == 3  # every change counts, retractions too
    first.close()
    second.close()


def test_retracted_answer_is_kept_in_audit_and_can_be_answered_again_without_reason(db):
    number = start_screening(db, actor=COORDINATOR)
    answer(db, number, "pregnant", False)

    assert retract_answer(db, number, "pregnant", actor=COORDINATOR, reason="/back") is True
    assert retract_answer(db, number, "pregnant", actor=COORDINATOR, reason="/back") is False
    assert screening_answers(db, number) == {}
    assert answer_details(db, number)[0]["value"] is None

    answer(db, number, "pregnant", True)
    assert screening_answers(db, number) == {"pregnant": True}
    trail = [
        (r["old_value"], r["new_value"], r["reason"]) for r in audit_trail(db, "answers", number)
    ]
    assert trail == [(None, False, None), (False, None, "/back"), (None, True, None)]


def test_finished_screening_is_closed_and_logged_with_age_and_sex(db):
    number = eligible_screening(db, age=29, sex="male")
    failed = start_screening(db, actor=COORDINATOR)
    finish_screening(
        db,
        failed,
        status="screen_failure",
        verdict={"eligible": False, "reasons": ["eGFR too low"]},
        actor=1,
    )

    with pytest.raises(ScreeningClosed):
        answer(db, number, "age", 30, reason="typo")
    with pytest.raises(ScreeningClosed):
        finish_screening(db, number, status="screen_failure", verdict={}, actor=1)
    with pytest.raises(ValueError):
        finish_screening(db, failed, status="withdrawn", verdict={}, actor=1)

    place_directly(db, number)
    log = list_screenings(db)
    assert [(s["number"], s["status"], s["age"], s["sex"], s["participant"]) for s in log] == [
        (number, "eligible", 29, "male", "P-01"),
        (failed, "screen_failure", None, None, None),
    ]
    assert log[1]["verdict"]["reasons"] == ["eGFR too low"]
    assert log[0]["finished_at"] is not None


def test_withdrawal_is_audited_with_its_reason(db):
    number = start_screening(db, actor=COORDINATOR)
    withdraw_screening(db, number, actor=COORDINATOR, reason="consent withdrawn")

    assert get_screening(db, number)["status"] == "withdrawn"
    (row,) = [r for r in audit_trail(db, "screenings", number) if r["old_value"]]
    assert (row["old_value"], row["new_value"], row["reason"]) == (
        "in_progress",
        "withdrawn",
        "consent withdrawn",
    )
    with pytest.raises(ScreeningClosed):
        withdraw_screening(db, number, actor=COORDINATOR, reason="again")


def test_reopen_a_finished_screening_for_a_correction_is_audited(db):
    from storage.audit import audit_trail
    from storage.screenings import reopen_screening

    number = start_screening(db, actor=COORDINATOR)
    save_answer(db, number, "age", value=45, entered="45", unit="years", actor=COORDINATOR)
    finish_screening(db, number, status="eligible", verdict={"status": "eligible"},
                     actor=COORDINATOR)
    with pytest.raises(ReasonRequired):
        reopen_screening(db, number, actor=COORDINATOR, reason=" ")
    reopened = reopen_screening(db, number, actor=COORDINATOR, reason="age typed wrong")
    assert reopened["status"] == "in_progress" and reopened["finished_at"] is None
    change = [r for r in audit_trail(db, "screenings", number) if r["field"] == "status"][-1]
    assert (change["old_value"], change["new_value"], change["reason"]) == (
        "eligible", "in_progress", "age typed wrong")
    withdraw_screening(db, number, actor=COORDINATOR, reason="declined")
    with pytest.raises(ScreeningClosed):
        reopen_screening(db, number, actor=COORDINATOR, reason="too late")


def test_a_correction_keeps_the_value_as_typed_beside_the_converted_one(db):
    number = start_screening(db, actor=COORDINATOR)
    save_answer(db, number, "bilirubin", value=20.52, entered="1.2 mg/dL", unit="mg/dL",
                actor=COORDINATOR)
    save_answer(db, number, "bilirubin", value=18.0, entered="18 µmol/L", unit="µmol/L",
                actor=COORDINATOR, reason="lab sheet misread")
    retract_answer(db, number, "bilirubin", actor=COORDINATOR, reason="asked again")
    save_answer(db, number, "bilirubin", value=17.1, entered="1,0 mg/dL", unit="mg/dL",
                actor=COORDINATOR)

    trail = [(r["old_value"], r["old_typed"], r["new_value"], r["new_typed"], r["reason"])
             for r in audit_trail(db, "answers", number)]
    assert trail == [
        (None, None, 20.52, "1.2 mg/dL", None),
        (20.52, "1.2 mg/dL", 18.0, "18 µmol/L", "lab sheet misread"),
        (18.0, "18 µmol/L", None, None, "asked again"),
        (None, None, 17.1, "1,0 mg/dL", None),
    ]
