"""The protocol file: the shipped one loads, malformed ones are refused, amendments are used."""

import pytest

from domain.eligibility import assess
from domain.protocol import ProtocolError, parse_protocol
from domain.questions import Context, next_question
from domain.site import UpperLimits
from handlers.wording import say
from storage.protocol_file import DEFAULT_PROTOCOL_FILE, load_protocol
from tests.domain.conftest import amend_protocol, criterion, eligible_answers, walk


def test_shipped_protocol_loads_with_registry_values(protocol):
    assert protocol.name == "RD06-04"
    assert [(d.level, d.label, d.cells_per_kg) for d in protocol.dose_levels] == [
        (1, "DL1", 1e5), (2, "DL2", 5e5)]
    escalation = protocol.escalation
    assert (escalation.cohort_size, escalation.expanded_cohort_size,
            escalation.max_participants, escalation.dlt_window_days) == (3, 6, 12, 28)
    assert escalation.max_days_to_infusion == 60
    rules = protocol.eligibility
    assert (rules.age_min, rules.age_max, rules.treatment_min_months,
            rules.stable_dose_min_weeks, rules.prednisone_min_mg_alone) == (18, 70, 2, 2, 7.5)
    assert (rules.sledai_min_exclusive, rules.clinical_sledai_min, rules.bilag_min_a,
            rules.bilag_min_b, rules.pga_min, rules.creatinine_clearance_min) == (
        6, 4, 1, 2, 1.0, 40.0)
    assert {lab: (r.kind, r.op, r.limit) for lab, r in rules.labs.items()} == {
        "alt": ("uln", "<=", 3.0), "ast": ("uln", "<=", 3.0), "bilirubin": ("uln", "<=", 2.0),
        "creatinine": ("uln", "<=", 1.5), "neutrophils": ("absolute", ">=", 1.0),
        "haemoglobin": ("absolute", ">=", 60.0), "platelets": ("absolute", ">=", 20.0),
        "lymphocytes": ("absolute", ">", 0.3), "inr": ("uln", "<=", 1.5),
        "pt": ("uln", "<=", 1.5), "spo2": ("absolute", ">=", 92.0),
        "lvef": ("absolute", ">=", 50.0),
    }


def test_dose_level_lookup(protocol):
    assert protocol.dose_level(2).label == "DL2"
    with pytest.raises(KeyError, match="dose level 3 is not in protocol RD06-04"):
        protocol.dose_level(3)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("age_min = 18\n", "", "eligibility.age_min: Field required"),
    ('name = "RD06-04"\n', "", "name: Field required"),
    ("label = \"DL2\"\ncells_per_kg = 5.0e5\n", "label = \"DL2\"\n",
     "dose_levels.1.cells_per_kg: Field required"),
    ("cells_per_kg = 1.0e5", "cells_per_kg = -1.0e5",
     "dose_levels.0.cells_per_kg: Input should be greater than 0"),
    ("cohort_size = 3", "cohort_size = 0", "escalation.cohort_size"),
    ("expanded_cohort_size = 6", "expanded_cohort_size = 3",
     "expanded_cohort_size must be larger than cohort_size"),
    ("dlt_window_days = 28", "dlt_window_days = -28", "escalation.dlt_window_days"),
    ("max_days_to_infusion = 60", "max_days_to_infusion = 0",
     "escalation.max_days_to_infusion: Input should be greater than 0"),
    ("max_participants = 12", "max_participants = 12\nmax_participant = 13",
     "escalation.max_participant: Extra inputs are not permitted"),
    ("level = 2", "level = 3", "dose_levels must be numbered 1, 2, 3... in order"),
    ("cells_per_kg = 5.0e5", "cells_per_kg = 5.0e4", "dose_levels must have strictly increasing"),
    ("cells_per_kg = 5.0e5", "cells_per_kg = 1.0e5", "dose_levels must have strictly increasing"),
    ("age_max = 70", "age_max = 17", "age_min must not exceed age_max"),
    ("age_max = 70", "age_max = 170", "eligibility.age_max"),
    ("pga_min = 1.0", 'pga_min = "one"', "eligibility.pga_min"),
    ("bilag_min_b = 2", "bilag_min_b = 0", "eligibility.bilag_min_b"),
    ('"pyuria",', '"pyuria", "headache",', "clinical_sledai_excludes: unknown descriptor headache"),
    ("[eligibility.labs.pt]\nkind = \"uln\"\nop = \"<=\"\nlimit = 1.5\n", "",
     "labs: missing pt"),
    ("[eligibility.labs.lvef]", "[eligibility.labs.ldh]\nkind = \"uln\"\nop = \"<=\"\nlimit = 2.0"
     "\n\n[eligibility.labs.lvef]", "labs: unknown ldh"),
    ("kind = \"absolute\"\nop = \">=\"\nlimit = 20.0", "kind = \"uln\"\nop = \">=\"\nlimit = 20.0",
     "platelets has no site ULN"),
    ('op = "<="', 'op = "=<"', "eligibility.labs.alt.op"),
    ('alt]\nkind = "uln"', 'alt]\nkind = "times_uln"', "eligibility.labs.alt.kind"),
    ("limit = 3.0", "limit = 0", "eligibility.labs.alt.limit"),
    ("min_grade = 4", "min_grade = 6", "dlt_definition.0.min_grade"),
    ("[escalation]", "[escalation", "not valid TOML"),
    ('name = "RD06-04"', 'name = "RD06-04', "not valid TOML"),
])
def test_malformed_protocol_is_refused_naming_the_field(tmp_path, old, new, message):
    path = amend_protocol(tmp_path, (old, new))
    with pytest.raises(ProtocolError) as refused:
        load_protocol(path)
    assert message in str(refused.value)
    assert str(refused.value).startswith(str(path))


def test_protocol_text_is_parsed_and_refused_naming_its_source():
    text = DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")
    assert parse_protocol(text).name == "RD06-04"
    with pytest.raises(ProtocolError) as refused:
        parse_protocol(text.replace("cohort_size = 3", "cohort_size = 0"), source="amendment 2")
    assert str(refused.value).startswith("amendment 2: escalation.cohort_size")
    with pytest.raises(ProtocolError, match="^protocol: not valid TOML"):
        parse_protocol("[escalation")


def test_protocol_error_is_a_value_error():
    assert issubclass(ProtocolError, ValueError)


DL3 = '[[dose_levels]]\nlevel = 3\nlabel = "DL3"\ncells_per_kg = 1.0e6\n\n[eligibility]'


def test_amended_escalation_loads_and_is_used(tmp_path):
    path = amend_protocol(tmp_path, ("dlt_window_days = 28", "dlt_window_days = 21"),
                          ("[eligibility]", DL3))
    amended = load_protocol(path)
    assert amended.escalation.dlt_window_days == 21
    assert load_protocol(amend_protocol(tmp_path, ("max_days_to_infusion = 60",
                                                   "max_days_to_infusion = 90"))
                         ).escalation.max_days_to_infusion == 90
    unset = amend_protocol(tmp_path, ("max_days_to_infusion = 60", ""))
    assert load_protocol(unset).escalation.max_days_to_infusion == 60  # the default
    assert [d.label for d in amended.dose_levels] == ["DL1", "DL2", "DL3"]
    assert amended.dose_level(3).cells_per_kg == 1e6


def test_amended_eligibility_is_used(tmp_path, ctx):
    path = amend_protocol(tmp_path, ("age_max = 70", "age_max = 75"),
                          ("limit = 20.0", "limit = 50.0"))
    amended = Context(load_protocol(path), UpperLimits())
    answers = eligible_answers(amended, age="72", platelets="40 ×10^9/L")
    assert criterion(assess(answers, amended), "age").status == "met"
    assert say(criterion(assess(answers, amended), "platelets").reason) == (
        "Platelets 40 ×10^9/L < 50 ×10^9/L")
    assert criterion(assess(answers, ctx), "age").status == "not_met"      # shipped file
    assert criterion(assess(answers, ctx), "platelets").status == "met"


def test_amended_clinical_sledai_excludes_change_the_verdict(tmp_path, ctx):
    path = amend_protocol(tmp_path, (
        '"urinary_casts", "hematuria", "proteinuria", "pyuria",\n', ""), (
        ', "thrombocytopenia", "leukopenia"', ""))
    amended = Context(load_protocol(path), UpperLimits())
    assert amended.protocol.eligibility.clinical_sledai_excludes == (
        "low_complement", "increased_dna_binding")
    typed = {"sledai_descriptors": ["rash", "proteinuria", "hematuria"]}          # 10 points
    shipped = criterion(assess(eligible_answers(ctx, **typed), ctx), "sledai")
    changed = criterion(assess(eligible_answers(amended, **typed), amended), "sledai")
    assert (shipped.status, say(shipped.value)) == ("not_met", "10 / clinical 2")
    assert (changed.status, changed.value.params) == ("met", {"total": 10, "clinical": 10})


def test_amended_comparison_moves_the_alternative_question(tmp_path):
    """INR must be < 1.5×ULN: at exactly 1.5×ULN the PT question now applies."""
    path = amend_protocol(tmp_path, ('[eligibility.labs.inr]\nkind = "uln"\nop = "<="',
                                     '[eligibility.labs.inr]\nkind = "uln"\nop = "<"'))
    amended = Context(load_protocol(path), UpperLimits())
    answers = walk(amended, inr="1.8", pt=None)
    assert next_question(answers, amended).id == "pt"
    verdict = assess(eligible_answers(amended, inr="1.8", pt="12.5 s"), amended)
    assert say(criterion(verdict, "coagulation").reason) == (
        "INR 1.8 = 1.5×ULN (ULN 1.2) ≥ 1.5×ULN; PT 12.5 s = 0.962×ULN (ULN 13) ≤ 1.5×ULN")


@pytest.mark.parametrize(("written", "loaded"), [
    (None, None),  # the shipped file: the registry entry names no minimum
    ("min_dose_fraction = 0.8", 0.8),
    ("min_dose_fraction = 1", 1.0),
])
def test_the_minimum_fraction_of_the_target_dose_is_a_protocol_setting(tmp_path, written,
                                                                      loaded):
    edits = [("# min_dose_fraction = 0.8", written)] if written else []
    assert load_protocol(amend_protocol(tmp_path, *edits)).escalation.min_dose_fraction == loaded


@pytest.mark.parametrize(("written", "message"), [
    ("min_dose_fraction = 0", "escalation.min_dose_fraction: Input should be greater than 0"),
    ("min_dose_fraction = 1.2", "escalation.min_dose_fraction: Input should be less than or "
                                "equal to 1"),
])
def test_an_impossible_minimum_fraction_is_refused(tmp_path, written, message):
    with pytest.raises(ProtocolError, match=message):
        load_protocol(amend_protocol(tmp_path, ("# min_dose_fraction = 0.8", written)))
