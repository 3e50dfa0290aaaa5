"""Issue 11 through storage.usecases.screening: an answer to any open question of the section
the screening stands in, several values in one typed message, BILAG's "all others", a branch
answered with the question that opens it, an answer changed from the review, and a criterion's
failure reported once."""

from storage.audit import audit_trail
from storage.screenings import screening_answers
from storage.staff import add_staff
from storage.usecases import screening as screenings
from tests.storage.conftest import COORDINATOR, everything, refusal
from tests.storage.test_usecases_screening import new_screening, walk

WANG = 444


def enter(trial, number, shown, text, actor=COORDINATOR):
    return screenings.enter(trial, number=number, shown_question=shown, text=text, actor=actor)


def test_any_open_question_of_the_current_section_may_be_answered(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="alt")

    screenings.answer(trial, number=number, question="ast", given="30", actor=COORDINATOR)

    assert screening_answers(trial.db, number)["ast"] == 30
    assert screenings.standing(trial, number).question == "alt"     # still the first left
    assert refusal(screenings.answer, trial, number=number, question="lvef", given="60",
                   actor=COORDINATOR).code == "moved_on"              # another section


def test_one_message_stores_each_named_value_and_says_why_of_the_others(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="alt")

    entered = enter(trial, number, "alt", "ALT 48 AST 35 TBIL 16.8 SpO2 97 PT 14")

    assert [a.question for a in entered.saved] == ["alt", "ast"]
    refused = {r.question: r for r in entered.refused}
    assert refused["bilirubin"].reason.code == "units.unit_missing"
    assert refused["bilirubin"].readings == ["16.8 µmol/L", "16.8 mg/dL"]
    assert refused["spo2"].reason.code == "answer.other_section"
    assert refused["pt"].reason.code == "answer.not_applicable"     # INR not above its limit
    stored = screening_answers(trial.db, number)
    assert (stored["alt"], stored["ast"]) == (48, 35) and "bilirubin" not in stored
    assert entered.next.question == "bilirubin"
    assert [r["field"] for r in audit_trail(trial.db, "answers", number)][-2:] == ["alt", "ast"]


def test_a_message_that_cannot_be_split_stores_nothing(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="age")
    before = everything(trial.db)

    reason = refusal(enter, trial, number, "age", "45 F 30")

    assert reason.code == "invalid_answer"
    assert reason.params["reason"].code == "answer.unnamed_values"
    assert everything(trial.db) == before


def test_a_named_value_answered_meanwhile_is_not_overwritten(trial):
    add_staff(trial.db, user_id=WANG, name="Coordinator Wang", role="coordinator", actor="test")
    number = new_screening(trial)
    walk(trial, number, stop_at="alt")
    screenings.answer(trial, number=number, question="ast", given="30", actor=WANG)

    entered = enter(trial, number, "alt", "ALT 48 AST 99")

    assert [a.question for a in entered.saved] == ["alt"]
    [refused] = entered.refused
    assert refused.reason.code == "refusal.answered_meanwhile"
    assert refused.reason.params["who"] == "Coordinator Wang"
    assert screening_answers(trial.db, number)["ast"] == 30


def test_pressing_the_drug_answers_on_a_glucocorticoid_too(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="glucocorticoid")

    answered = screenings.answer(trial, number=number, question="glucocorticoid_drug",
                                 given="methylprednisolone", actor=COORDINATOR)

    stored = screening_answers(trial.db, number)
    assert (stored["glucocorticoid"], stored["glucocorticoid_drug"]) == (
        "yes", "methylprednisolone")
    assert answered.next.question == "glucocorticoid_dose"
    audited = [r["field"] for r in audit_trail(trial.db, "answers", number)]
    assert audited[-2:] == ["glucocorticoid", "glucocorticoid_drug"]


def test_all_others_answers_the_rows_left_and_keeps_those_given(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="bilag_constitutional")
    screenings.answer(trial, number=number, question="bilag_renal", given="A",
                      actor=COORDINATOR)

    entered = screenings.answer_rest(trial, number=number, grid="bilag", actor=COORDINATOR)

    stored = screening_answers(trial.db, number)
    assert stored["bilag_renal"] == "A" and len(entered.saved) == 8
    assert {stored[f"bilag_{s}"] for s in ("constitutional", "ophthalmic")} == {"D/E"}
    assert entered.next.question == "pga"
    assert refusal(screenings.answer_rest, trial, number=number, grid="bilag",
                   actor=COORDINATOR).code == "changed_meanwhile"


def test_an_answer_changed_from_the_review_is_asked_again(trial):
    number = new_screening(trial)
    walk(trial, number)
    review = screenings.review(trial, number)

    changed = screenings.change(trial, number=number, question="age", version=review.version,
                                reason="changed from the review", actor=COORDINATOR)

    assert (changed.question, changed.retracted, changed.next.question) == ("age", 45, "age")
    assert refusal(screenings.change, trial, number=number, question="sex",
                   version=review.version, reason="x", actor=COORDINATOR).code == (
        "changed_meanwhile")                                          # an older review


def test_a_failure_is_reported_with_the_answer_that_makes_it_fail_only(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="alt")

    first = screenings.answer(trial, number=number, question="alt", given="200",
                              actor=COORDINATOR)
    later = screenings.answer(trial, number=number, question="ast", given="30",
                              actor=COORDINATOR)
    both = enter(trial, number, "bilirubin", "TBIL 80 umol/L Cr 80 umol/L ANC 0.5")

    assert [r.code for r in first.failures] == ["eligibility.lab_uln"]
    assert later.failure is None and later.failures == []
    assert [r.params["lab"].code for r in both.failures] == ["eligibility.lab_name.neutrophils"]


def test_the_questions_left_of_a_screening(trial):
    number = new_screening(trial)
    walk(trial, number, stop_at="childbearing_potential")
    assert screenings.left(trial, number) == (1, 3)
