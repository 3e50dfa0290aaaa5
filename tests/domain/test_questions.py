"""Which questions are asked, in what order, going back, and reading an answer."""

import pytest

from domain.questions import (
    QUESTION_BY_ID,
    QUESTIONS,
    AnswerError,
    applicable,
    next_question,
    previous_question,
    read_answer,
)
from domain.reasons import Reason
from handlers.wording import say
from tests.domain.conftest import eligible_answers, walk

CONDITIONAL = {
    "ana_entry", "eular_items", "glucocorticoid_drug", "glucocorticoid_dose",
    "sledai_descriptors", "sledai_total", "clinical_sledai_total", "gilbert", "weight", "pt",
    "childbearing_potential", "pregnancy_test_negative", "contraception_consent",
    "reproductive_potential", "barrier_contraception_consent",
}
ALWAYS = [q.id for q in QUESTIONS if q.id not in CONDITIONAL]


def asked(ctx, **changes) -> list[str]:
    return list(eligible_answers(ctx, **changes))


def test_first_question_is_consent(ctx):
    assert next_question({}, ctx).id == "consent"
    assert next_question({"consent": "yes"}, ctx).id == "age"


def test_eligible_woman_is_asked_in_order(ctx):
    expected = [q for q in QUESTION_BY_ID if q in set(ALWAYS) | {
        "glucocorticoid_drug", "glucocorticoid_dose", "sledai_descriptors",
        "childbearing_potential", "pregnancy_test_negative", "contraception_consent"}]
    assert asked(ctx) == expected


def test_unconditional_questions_are_asked_of_everyone(ctx):
    for changes in ({}, {"sex": "male"}, {"glucocorticoid": "no"}):
        assert set(ALWAYS) <= set(asked(ctx, **changes))


@pytest.mark.parametrize(("changes", "included", "excluded"), [
    ({"sex": "male"}, {"barrier_contraception_consent"},
     {"childbearing_potential", "pregnancy_test_negative", "contraception_consent"}),
    ({"childbearing_potential": "no"}, {"childbearing_potential"},
     {"pregnancy_test_negative", "contraception_consent", "barrier_contraception_consent"}),
    ({}, {"childbearing_potential", "pregnancy_test_negative", "contraception_consent"},
     {"barrier_contraception_consent"}),
    ({"bilirubin": "42 µmol/L"}, set(), {"gilbert"}),                 # exactly 2×ULN (21)
    ({"bilirubin": "43 µmol/L"}, {"gilbert"}, set()),
    ({"bilirubin": "2.5 mg/dL"}, {"gilbert"}, set()),                 # 42.75 µmol/L
    ({"creatinine": "156 µmol/L"}, set(), {"weight"}),                # exactly 1.5×ULN (104)
    ({"creatinine": "157 µmol/L"}, {"weight"}, set()),
    ({"creatinine": "2 mg/dL"}, {"weight"}, set()),                   # 176.8 µmol/L
    ({"inr": "1.8"}, set(), {"pt"}),                                  # exactly 1.5×ULN (1.2)
    ({"inr": "1.81"}, {"pt"}, set()),
    ({"sle_criteria": "eular_acr_2019"}, set(), {"ana_entry", "eular_items"}),
    ({"sle_criteria": "slicc_2012"}, set(), {"ana_entry", "eular_items"}),
    ({"sle_criteria": "neither"}, set(), {"ana_entry", "eular_items"}),
    ({"sle_criteria": "compute_2019"}, {"ana_entry", "eular_items"}, set()),
    ({"sle_criteria": "compute_2019", "ana_entry": "no"}, {"ana_entry"}, {"eular_items"}),
    ({"sledai_mode": "descriptors"}, {"sledai_descriptors"},
     {"sledai_total", "clinical_sledai_total"}),
    ({"sledai_mode": "totals"}, {"sledai_total", "clinical_sledai_total"},
     {"sledai_descriptors"}),
    ({"glucocorticoid": "no"}, set(), {"glucocorticoid_drug", "glucocorticoid_dose"}),
])
def test_skipping_rules(ctx, changes, included, excluded):
    questions = set(asked(ctx, **changes))
    assert included <= questions
    assert not excluded & questions


def test_conditional_question_comes_right_after_what_triggers_it(ctx):
    for lab, follow_up, value in (("bilirubin", "gilbert", "50 µmol/L"),
                                  ("creatinine", "weight", "200 µmol/L"),
                                  ("inr", "pt", "2.0")):
        answers = walk(ctx, **{lab: value, follow_up: None})
        assert next_question(answers, ctx).id == follow_up
        assert list(answers)[-1] == lab


def test_conditional_question_waits_for_its_trigger(ctx):
    assert "weight" not in [q.id for q in applicable({}, ctx)]
    assert "gilbert" not in [q.id for q in applicable({"bilirubin": None}, ctx)]


def test_site_upper_limit_decides_the_alternative_question(ctx):
    from domain.questions import Context
    from domain.site import UpperLimits

    strict = Context(ctx.protocol, UpperLimits(bilirubin=17.0))
    assert "gilbert" not in asked(ctx, bilirubin="40 µmol/L")     # 1.9×ULN 21
    assert "gilbert" in asked(strict, bilirubin="40 µmol/L")      # 2.35×ULN 17


def test_previous_question(ctx):
    answers = walk(ctx, sle_criteria=None)
    assert next_question(answers, ctx).id == "sle_criteria"
    assert previous_question(answers, ctx, "sle_criteria").id == "sex"
    assert previous_question(answers, ctx, "sex").id == "age"
    assert previous_question(answers, ctx, "consent") is None
    assert previous_question(answers, ctx, None).id == "sex"      # the last one answered
    assert previous_question({}, ctx, "consent") is None


def test_previous_question_skips_what_does_not_apply(ctx):
    man = eligible_answers(ctx, sex="male")
    assert previous_question(man, ctx, "barrier_contraception_consent").id == (
        "reproductive_potential")
    assert previous_question(man, ctx, "reproductive_potential").id == "lvef"
    assert previous_question(man, ctx, None).id == "barrier_contraception_consent"
    woman = eligible_answers(ctx, bilirubin="50 µmol/L", gilbert="yes")
    assert previous_question(woman, ctx, "creatinine").id == "gilbert"
    # the bilirubin is corrected to normal: the stale Gilbert answer no longer applies
    woman["bilirubin"] = 12.0
    assert previous_question(woman, ctx, "creatinine").id == "bilirubin"


@pytest.mark.parametrize(("question_id", "typed", "value"), [
    ("consent", "yes", "yes"), ("consent", "Y", "yes"), ("consent", " no ", "no"),
    ("consent", "是", "yes"), ("consent", "否", "no"), ("consent", "NO", "no"),
    ("sex", "female", "female"), ("sle_criteria", "compute_2019", "compute_2019"),
    ("bilag_renal", "a", "A"), ("bilag_renal", "E", "E"),
    ("glucocorticoid_drug", "dexamethasone", "dexamethasone"),
    ("haemoglobin", "6.0 g/dL", 60.0), ("age", "45", 45.0),
    ("eular_items", ["anti_dsdna_or_sm", "fever"], ["fever", "anti_dsdna_or_sm"]),
    ("sledai_descriptors", "rash", ["rash"]),
    ("sledai_descriptors", [], []),
])
def test_read_answer_normalises(question_id, typed, value):
    assert read_answer(QUESTION_BY_ID[question_id], typed, {}).value == value


def test_read_answer_keeps_what_was_typed():
    answer = read_answer(QUESTION_BY_ID["platelets"], "150000 /µL", {})
    assert (answer.value, answer.entered, answer.unit) == (150.0, "150000 /µL", "/µL")
    assert read_answer(QUESTION_BY_ID["sledai_descriptors"], [], {}).entered == "none"


@pytest.mark.parametrize(("question_id", "typed", "message"), [
    ("consent", "maybe", "Please choose one of: yes, no."),
    ("consent", "", "Please choose one of: yes, no."),
    ("sex", "Woman", "Please choose one of: female, male."),
    ("sle_criteria", "acr_1997", "Please choose one of: eular_acr_2019, slicc_2012, "
                                 "compute_2019, neither."),
    ("bilag_renal", "F", "Please choose one of: A, B, C, D, E."),
    ("glucocorticoid_drug", "budesonide", "Please choose one of: prednisone"),
    ("sledai_descriptors", ["rash", "headache"], "Unknown item: headache."),
    ("eular_items", "malar_rash", "Unknown item: malar_rash."),
    ("haemoglobin", "110", "Please add the unit (g/L or g/dL)"),
    ("haemoglobin", "110 mmol/L", "'mmol/L' is not a unit I accept here"),
    ("spo2", "45", "45 % is outside 50-100 %: probably a typo"),
    ("age", "45.5", "Please type a whole number"),
    ("pga", "high", "Please type a number"),
])
def test_read_answer_refuses(question_id, typed, message):
    with pytest.raises(AnswerError) as refused:
        read_answer(QUESTION_BY_ID[question_id], typed, {})
    assert say(refused.value.reason).startswith(message)


def test_clinical_sledai_higher_than_total_is_refused():
    question = QUESTION_BY_ID["clinical_sledai_total"]
    with pytest.raises(AnswerError) as refused:
        read_answer(question, "9", {"sledai_total": 8.0})
    assert refused.value.reason == Reason(
        code="answer.clinical_above_total", params={"clinical": 9.0, "total": 8.0})
    assert "clinical SLEDAI-2K (9) cannot be higher than the SLEDAI-2K total (8)" in say(
        refused.value.reason)
    assert read_answer(question, "8", {"sledai_total": 8.0}).value == 8.0
    assert read_answer(question, "0", {"sledai_total": 8.0}).value == 0.0


def test_every_question_has_a_known_criterion_and_analyte():
    from domain.units import ANALYTES

    assert len(QUESTION_BY_ID) == len(QUESTIONS)
    for question in QUESTIONS:
        assert 1 <= question.criterion <= 11
        assert (question.analyte in ANALYTES) == (question.kind == "number")
