"""Eligibility rules a site investigator checks: creatinine's upper limit of normal by sex, a
man's reproductive potential before barrier contraception, impossible SLEDAI-2K total pairs,
and how long a screening stays valid."""

from datetime import date

import pytest

from domain.eligibility import assess, check_sledai, screening_valid_until
from domain.questions import QUESTION_BY_ID, AnswerError, Context, read_answer
from domain.scores import excluded_points, sledai_pair_problem
from domain.site import UpperLimits
from handlers.wording import say
from tests.domain.conftest import amend_protocol, criterion, eligible_answers, judge, walk

WOMAN_ULN, MAN_ULN = 90.0, 110.0  # a site's creatinine ULNs, µmol/L


@pytest.fixture
def by_sex(ctx) -> Context:
    return Context(ctx.protocol, UpperLimits(creatinine_female=WOMAN_ULN,
                                             creatinine_male=MAN_ULN))


# --- creatinine: the ULN of the candidate's sex ------------------------------------------------

def _missing(answers, ctx) -> list[str]:
    return assess(answers, ctx).missing_questions


def test_a_woman_at_150_does_not_pass_on_a_mans_limit(by_sex):
    """150 µmol/L is 1.36×ULN for a man (110) but 1.67×ULN for a woman (90) > 1.5: her
    clearance is computed (weight asked), and 33 mL/min fails."""
    woman = walk(by_sex, creatinine="150 µmol/L", weight=None)
    assert _missing(woman, by_sex)[0] == "weight"
    result = judge(by_sex, "renal", creatinine="150 µmol/L", weight="50 kg")
    assert result.status == "not_met"
    assert "Creatinine 150 µmol/L = 1.667×ULN (ULN 90) > 1.5×ULN" in say(result.reason)
    man = judge(by_sex, "renal", sex="male", creatinine="150 µmol/L")
    assert man.status == "met"
    assert "Creatinine 150 µmol/L = 1.364×ULN (ULN 110) ≤ 1.5×ULN" in say(man.reason)


@pytest.mark.parametrize(("sex", "typed", "weight_asked"), [
    ("female", "135 µmol/L", False),   # 1.5×90: at the limit
    ("female", "136 µmol/L", True),
    ("male", "165 µmol/L", False),     # 1.5×110
    ("male", "166 µmol/L", True),
])
def test_each_sex_at_its_own_limit(by_sex, sex, typed, weight_asked):
    answers = walk(by_sex, sex=sex, creatinine=typed, weight=None)
    assert ("weight" in _missing(answers, by_sex)) == weight_asked


def test_the_single_value_still_holds_for_both_sexes(ctx):
    shared = Context(ctx.protocol, UpperLimits(creatinine=90.0))
    for sex in ("female", "male"):
        result = judge(shared, "renal", sex=sex, creatinine="135 µmol/L")
        assert "(ULN 90)" in say(result.reason) and result.status == "met"
    one_set = UpperLimits(creatinine=100.0, creatinine_female=85.0)
    assert (one_set.of("creatinine", "female"), one_set.of("creatinine", "male")) == (85, 100)


def test_sex_unknown_takes_the_lowest_limit_never_a_mans():
    limits = UpperLimits(creatinine_female=WOMAN_ULN, creatinine_male=MAN_ULN)
    assert limits.of("creatinine") == WOMAN_ULN
    assert limits.of("alt", "female") == limits.alt == 40


def test_the_computed_ratio_uses_the_sex_limit(by_sex):
    computed = assess(eligible_answers(by_sex, creatinine="90 µmol/L"), by_sex).computed
    assert say(computed["creatinine_uln"]) == "1"


# --- criterion 11: a man's reproductive potential ----------------------------------------------

def test_a_man_not_of_reproductive_potential_is_not_asked_for_barrier_contraception(ctx):
    man = eligible_answers(ctx, sex="male", reproductive_potential="no")
    assert "barrier_contraception_consent" not in man
    result = criterion(assess(man, ctx), "contraception")
    assert result.status == "not_applicable"
    assert say(result.reason) == "Not of reproductive potential"
    assert assess(man, ctx).status == "eligible"


def test_a_fertile_man_is_asked_for_barrier_contraception(ctx):
    answers = walk(ctx, sex="male", barrier_contraception_consent=None)
    assert list(answers)[-1] == "reproductive_potential"
    assert assess(answers, ctx).missing_questions == ["barrier_contraception_consent"]
    refused = judge(ctx, "contraception", sex="male", barrier_contraception_consent="no")
    assert refused.status == "not_met"


def test_women_are_not_asked_the_mens_question(ctx):
    assert "reproductive_potential" not in eligible_answers(ctx)


# --- SLEDAI-2K entered as totals ---------------------------------------------------------------

CLINICAL = QUESTION_BY_ID["clinical_sledai_total"]


def test_the_excluded_items_can_add_22_points_and_the_others_83(ctx):
    excluded = ctx.protocol.eligibility.clinical_sledai_excludes
    assert len(excluded) == 8 and excluded_points(excluded) == 22


@pytest.mark.parametrize(("total", "clinical", "problem"), [
    (30, 8, None),                             # 22 apart: every excluded item present
    (30, 7, "difference_above_excluded"),      # 23 apart: more than they can add
    (8, 8, None),
    (8, 9, "clinical_above_total"),
    (105, 83, None),                           # every descriptor present
    (100, 84, "clinical_above_most"),
    (84, 84, "clinical_above_most"),
])
def test_impossible_pairs(ctx, total, clinical, problem):
    excluded = ctx.protocol.eligibility.clinical_sledai_excludes
    assert sledai_pair_problem(total, clinical, excluded) == problem
    answers = {"sledai_total": float(total)}
    if problem is None:
        assert read_answer(CLINICAL, str(clinical), answers, ctx).value == clinical
    else:
        with pytest.raises(AnswerError) as refused:
            read_answer(CLINICAL, str(clinical), answers, ctx)
        assert refused.value.reason.code == f"answer.{problem}"


def test_the_refusals_say_why(ctx):
    def refusal(total, clinical):
        with pytest.raises(AnswerError) as refused:
            read_answer(CLINICAL, str(clinical), {"sledai_total": float(total)}, ctx)
        return say(refused.value.reason)

    assert refusal(30, 7) == (
        "A clinical SLEDAI-2K of 7 cannot go with a total of 30: the 23 points between them are "
        "more than the 22 the urine and laboratory items can add. Check both scores.")
    assert refusal(100, 84) == (
        "The clinical SLEDAI-2K (84) cannot be higher than 83: only the urine and laboratory "
        "items (22 points) are left out of the 105.")


def test_an_impossible_pair_left_by_a_correction_is_not_judged_eligible(ctx):
    status, _, reason = check_sledai(
        {"sledai_mode": "totals", "sledai_total": 30, "clinical_sledai_total": 6}, ctx)
    assert status == "not_met" and reason.code == "eligibility.sledai_difference_above_excluded"
    assert "differ by 24, more than the 22 points" in say(reason)
    status, _, reason = check_sledai(
        {"sledai_mode": "totals", "sledai_total": 90, "clinical_sledai_total": 85}, ctx)
    assert reason.code == "eligibility.sledai_clinical_above_most"


def test_fewer_excluded_items_in_the_protocol_allow_a_smaller_difference(tmp_path):
    from storage.protocol_file import load_protocol

    path = amend_protocol(tmp_path, ('''  "urinary_casts", "hematuria", "proteinuria", "pyuria",
  "low_complement", "increased_dna_binding", "thrombocytopenia", "leukopenia",''',
                                     '''  "low_complement", "increased_dna_binding",'''))
    other = Context(load_protocol(path), UpperLimits())
    assert read_answer(CLINICAL, "6", {"sledai_total": 10.0}, other).value == 6
    with pytest.raises(AnswerError):
        read_answer(CLINICAL, "5", {"sledai_total": 10.0}, other)


# --- how long a screening is valid ------------------------------------------------------------

def test_a_screening_is_valid_28_days_by_default(ctx):
    assert ctx.protocol.eligibility.screening_valid_days == 28
    assert screening_valid_until(date(2026, 3, 1), ctx.protocol) == date(2026, 3, 29)


def test_the_protocol_sets_how_long_a_screening_is_valid(tmp_path):
    from storage.protocol_file import load_protocol

    path = amend_protocol(tmp_path, ("screening_valid_days = 28", "screening_valid_days = 14"))
    assert screening_valid_until(date(2026, 3, 1), load_protocol(path)) == date(2026, 3, 15)
