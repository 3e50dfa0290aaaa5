"""Issue 11, the domain side: sections, a question asked with its branch, several values in one
typed message, spellings typed on a phone, the site laboratory's units, and counting the
questions left."""

import pytest

from domain.questions import (
    LABELS,
    QUESTION_BY_ID,
    QUESTIONS,
    SECTIONS,
    AnswerError,
    Context,
    Entry,
    branch,
    implied,
    questions_left,
    read_answer,
    split_entries,
)
from domain.site import LabUnits, UpperLimits
from domain.units import QuantityError, offered_readings, parse_quantity
from handlers.wording import say
from tests.domain.conftest import walk

Q = QUESTION_BY_ID


def entries(text: str, shown: str, ctx, unnamed: bool = True) -> list[tuple[str, str]]:
    return [tuple(entry) for entry in split_entries(text, Q[shown], ctx, unnamed)]


# --- sections --------------------------------------------------------------------------------

def test_sections_come_in_order_each_in_one_piece():
    seen = [q.section for q in QUESTIONS]
    order = [section for place, section in enumerate(seen) if seen.index(section) == place]
    assert order == [s for s in SECTIONS if s != "exclusions"]
    assert seen == sorted(seen, key=SECTIONS.index)


def test_each_drug_comes_with_its_dose():
    ids = [q.id for q in QUESTIONS]
    assert ids.index("glucocorticoid_drug") == ids.index("glucocorticoid") + 1
    assert ids.index("glucocorticoid_dose") == ids.index("glucocorticoid") + 2


def test_every_label_names_one_question():
    labels = [label for names in LABELS.values() for label in names]
    assert len(labels) == len(set(labels))
    assert set(LABELS) <= set(Q)


# --- a question asked with its branch ----------------------------------------------------------

def test_a_branch_is_asked_with_the_question_that_opens_it_while_unanswered():
    assert branch(Q["glucocorticoid"], {}) == Q["glucocorticoid_drug"]
    assert branch(Q["sledai_mode"], {}) == Q["sledai_descriptors"]
    assert branch(Q["glucocorticoid"], {"glucocorticoid_drug": "prednisone"}) is None
    assert branch(Q["sle_criteria"], {}) is None


def test_answering_the_branch_implies_the_answer_that_opens_it():
    assert implied(Q["glucocorticoid_drug"], {}) == ("glucocorticoid", "yes")
    assert implied(Q["sledai_descriptors"], {}) == ("sledai_mode", "descriptors")
    assert implied(Q["glucocorticoid_drug"], {"glucocorticoid": "yes"}) is None
    assert implied(Q["glucocorticoid_dose"], {}) is None      # not a merged branch


# --- several values in one message -----------------------------------------------------------

def test_named_values_answer_their_questions(ctx):
    assert entries("ALT 48 AST 35 TBIL 16.8 umol/L", "alt", ctx) == [
        ("alt", "48"), ("ast", "35"), ("bilirubin", "16.8 umol/L")]
    assert entries("ALT: 48, AST=35; Hb 11,5 g/dL", "alt", ctx) == [
        ("alt", "48"), ("ast", "35"), ("haemoglobin", "11,5 g/dL")]  # a decimal comma stays
    assert entries("alt:48 ast:35", "alt", ctx) == [("alt", "48"), ("ast", "35")]


def test_a_value_without_a_name_answers_the_question_shown(ctx):
    assert entries("45", "age", ctx) == [("age", "45")]
    assert entries("45 F", "age", ctx) == [("age", "45"), ("sex", "F")]
    assert entries("F 45", "age", ctx) == [("sex", "F"), ("age", "45")]
    assert entries("6 months, stable 4 weeks", "treatment_months", ctx) == [
        ("treatment_months", "6 months"), ("stable_weeks", "4 weeks")]
    assert entries("150 000 /µL", "platelets", ctx) == [("platelets", "150 000 /µL")]
    assert entries("", "age", ctx) == [("age", "")]


def test_signs_answer_test_results(ctx):
    assert entries("ANA+ dsDNA+ Sm-", "ana", ctx) == [
        ("ana", "+"), ("anti_dsdna", "+"), ("anti_sm", "-")]
    assert entries("ANA pos anti-Sm neg", "ana", ctx) == [("ana", "pos"), ("anti_sm", "neg")]


@pytest.mark.parametrize(("text", "shown", "code"), [
    ("45 F 30", "age", "answer.unnamed_values"),       # which question is 30 for?
    ("ALT 48 ALT 50", "alt", "answer.named_twice"),
    ("B", "bilag_renal", "answer.press_rows"),          # a grid: by name or by button
])
def test_nothing_is_guessed(ctx, text, shown, code):
    with pytest.raises(AnswerError) as refused:
        split_entries(text, Q[shown], ctx, unnamed=not Q[shown].grid)
    assert refused.value.reason.code == code and say(refused.value.reason)


def test_option_spellings_name_only_their_own_section(ctx):
    assert entries("m", "sex", ctx) == [("sex", "m")]
    assert entries("5 m", "pga", ctx) == [("pga", "5 m")]  # no sex asked here: read as typed


# --- spellings typed on a phone ---------------------------------------------------------------

@pytest.mark.parametrize(("question_id", "typed", "value"), [
    ("sex", "F", "female"), ("sex", "m", "male"), ("sex", "Female", "female"),
    ("sex", "女", "female"), ("ana", "+", "yes"), ("anti_sm", "neg", "no"),
    ("bilag_renal", "d/e", "D/E"), ("glucocorticoid_drug", "Prednisone", "prednisone"),
    ("age", "35 yrs", 35.0), ("treatment_months", "10 days", 0.328542094),
    ("stable_weeks", "10 days", 1.428571429), ("stable_weeks", "4 wk", 4.0),
    ("stable_weeks", "1 month", 4.348214286), ("glucocorticoid_dose", "10 mg qd", 10.0),
    ("glucocorticoid_dose", "5 mg bid", 10.0), ("glucocorticoid_dose", "5 mg b.i.d.", 10.0),
    ("glucocorticoid_dose", "8", 8.0),
])
def test_phone_spellings_are_read(question_id, typed, value):
    assert read_answer(Q[question_id], typed, {}).value == value


# --- the site laboratory's units --------------------------------------------------------------

@pytest.mark.parametrize(("analyte", "typed", "value"), [
    ("haemoglobin", "105", 105.0),        # 105 g/dL is absurd: the laboratory's g/L
    ("platelets", "150", 150.0),          # 150 /µL is absurd
    ("neutrophils", "2.1", 2.1),          # 2.1 /µL is absurd
    ("creatinine", "80", 80.0),
])
def test_a_bare_number_is_read_in_the_laboratory_unit_when_no_other_is_likely(analyte, typed,
                                                                              value):
    assert parse_quantity(analyte, typed, LabUnits().of(analyte)).value == value
    with pytest.raises(QuantityError):
        parse_quantity(analyte, typed)    # no laboratory unit: asked, as before


@pytest.mark.parametrize(("analyte", "typed", "offered"), [
    ("bilirubin", "16.8", ["16.8 µmol/L", "16.8 mg/dL"]),   # both likely: asked
    ("haemoglobin", "11.5", ["11.5 g/dL"]),                 # not the laboratory's unit: asked
    ("neutrophils", "2500", ["2500 /µL"]),
    ("platelets", "150000", ["150000 /µL"]),
    ("platelets", "150.000", []),                           # a thousands group: never read
])
def test_otherwise_only_likely_readings_are_offered(analyte, typed, offered):
    unit = LabUnits().of(analyte)
    with pytest.raises(QuantityError):
        parse_quantity(analyte, typed, unit)
    assert offered_readings(analyte, typed, unit) == offered


def test_a_site_sets_its_laboratory_units_as_typed_on_a_phone(protocol):
    units = LabUnits(haemoglobin="g/dl", neutrophils=None)
    assert units.haemoglobin == "g/dL" and units.of("neutrophils") is None
    with pytest.raises(ValueError, match="not a unit of haemoglobin"):
        LabUnits(haemoglobin="mmol/L")
    site = Context(protocol, UpperLimits(), units)
    assert read_answer(Q["haemoglobin"], "11.5", {}, site).value == 115.0


# --- how many questions are left ---------------------------------------------------------------

def test_the_questions_left_count_those_that_may_yet_apply(ctx):
    woman = walk(ctx, childbearing_potential=None)
    assert questions_left(woman, ctx) == (1, 3)       # pregnancy test and contraception may follow
    assert questions_left({**woman, "childbearing_potential": "no"}, ctx) == (0, 0)
    man = walk(ctx, sex="male", reproductive_potential=None)
    assert questions_left(man, ctx) == (1, 2)
    assert isinstance(Entry("alt", "35"), tuple)
