"""Inclusion criteria 1-11: each at, just below and just above its threshold, and the verdict.

Site upper limits of normal are the defaults: ALT/AST 40 U/L, bilirubin 21 µmol/L, creatinine
104 µmol/L, INR 1.2, PT 13 s.
"""

import pytest

from domain.eligibility import assess, check_glucocorticoid_dose
from domain.questions import Context
from domain.reasons import Reason
from domain.site import UpperLimits
from handlers.wording import say
from tests.domain.conftest import changed, criterion, eligible_answers, judge, walk

MAN = {"sex": "male"}
NO_POTENTIAL = {"childbearing_potential": "no"}
TOTALS = {"sledai_mode": "totals"}
COMPUTE = {"sle_criteria": "compute_2019"}
BILAG_NONE_A = {"bilag_mucocutaneous": "C"}


def test_the_eligible_screening_is_eligible(ctx):
    verdict = assess(eligible_answers(ctx), ctx)
    assert verdict.status == "eligible"
    assert verdict.missing_questions == []
    assert verdict.failed == []
    assert {c.status for c in verdict.criteria} == {"met"}
    assert [c.number for c in verdict.criteria] == [
        1, 2, 3, 4, 4, 5, 6, 7, 8, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 10, 11]


@pytest.mark.parametrize(("cid", "changes", "status", "reason"), [
    # 1 consent
    ("consent", {}, "met", "Informed consent signed"),
    ("consent", {"consent": "no"}, "not_met", "No signed informed consent"),
    # 2 age 18-70
    ("age", {"age": "17"}, "not_met", "Age 17 is outside 18-70"),
    ("age", {"age": "18"}, "met", "Age 18 is within 18-70"),
    ("age", {"age": "70"}, "met", "Age 70 is within 18-70"),
    ("age", {"age": "71"}, "not_met", "Age 71 is outside 18-70"),
    # 4 prior treatment: ≥ 2 months, stable > 2 weeks, combined, still active
    ("prior_treatment", {"treatment_months": "1.9"}, "not_met", "Treated 1.9 months < 2"),
    ("prior_treatment", {"treatment_months": "2"}, "met",
     "glucocorticoid + immunosuppressant for 2 months, stable 4 weeks, disease still active"),
    ("prior_treatment", {"stable_weeks": "2"}, "not_met", "Dose stable 2 weeks, needs > 2"),
    ("prior_treatment", {"stable_weeks": "2.1"}, "met", "stable 2.1 weeks"),
    ("prior_treatment", {"still_active": "no"}, "not_met", "Disease no longer active"),
    ("prior_treatment", {"immunosuppressant": "no"}, "not_met",
     "Needs a glucocorticoid combined with an immunosuppressant and/or biologic"),
    ("prior_treatment", {"glucocorticoid": "no"}, "not_met",
     "Needs a glucocorticoid combined with an immunosuppressant and/or biologic"),
    ("prior_treatment", {"immunosuppressant": "no", "biologic": "yes"}, "met",
     "glucocorticoid + biologic for 6 months"),
    ("prior_treatment", {"biologic": "yes"}, "met",
     "glucocorticoid + immunosuppressant + biologic"),
    ("prior_treatment", {"treatment_months": "1", "stable_weeks": "1"}, "not_met",
     "Treated 1 month < 2 months; dose stable 1 week, needs > 2 weeks"),
    # 4 glucocorticoid dose (combined: no minimum)
    ("glucocorticoid_dose", {"glucocorticoid_dose": "2.5 mg"}, "met",
     "2.5 mg/day prednisone; combined, so no minimum dose"),
    ("glucocorticoid_dose", {"glucocorticoid": "no"}, "not_applicable",
     "No glucocorticoid (judged in 4)"),
    # 5 autoantibodies
    ("autoantibodies", {"ana": "no", "anti_dsdna": "no"}, "not_met",
     "ANA, anti-dsDNA and anti-Sm all negative"),
    ("autoantibodies", {"ana": "no", "anti_dsdna": "no", "anti_sm": "yes"}, "met",
     "Positive: anti-Sm"),
    ("autoantibodies", {}, "met", "Positive: ANA, anti-dsDNA"),
    # 6 SLEDAI-2K > 6 and clinical SLEDAI-2K ≥ 4
    ("sledai", {**TOTALS, "sledai_total": "6", "clinical_sledai_total": "4"}, "not_met",
     "SLEDAI-2K 6 ≤ 6, clinical SLEDAI-2K 4 ≥ 4"),
    ("sledai", {**TOTALS, "sledai_total": "7", "clinical_sledai_total": "4"}, "met",
     "SLEDAI-2K 7 > 6, clinical SLEDAI-2K 4 ≥ 4"),
    ("sledai", {**TOTALS, "sledai_total": "7", "clinical_sledai_total": "3"}, "not_met",
     "SLEDAI-2K 7 > 6, clinical SLEDAI-2K 3 < 4"),
    ("sledai", {}, "met", "SLEDAI-2K 12 > 6, clinical SLEDAI-2K 6 ≥ 4"),
    ("sledai", {"sledai_descriptors": ["arthritis", "low_complement", "fever"]}, "met",
     "SLEDAI-2K 7 > 6, clinical SLEDAI-2K 5 ≥ 4"),
    ("sledai", {"sledai_descriptors": ["rash", "proteinuria"]}, "not_met",
     "SLEDAI-2K 6 ≤ 6, clinical SLEDAI-2K 2 < 4"),
    ("sledai", {"sledai_descriptors": ["rash", "fever", "proteinuria", "hematuria"]}, "not_met",
     "SLEDAI-2K 11 > 6, clinical SLEDAI-2K 3 < 4"),
    # 7 BILAG-2004: ≥ 1 A or ≥ 2 B
    ("bilag", {}, "met", "BILAG-2004: 1 system A, 0 B (meets ≥1 A or ≥2 B)"),
    ("bilag", {**BILAG_NONE_A, "bilag_renal": "B"}, "not_met",
     "BILAG-2004: 0 systems A, 1 B (needs ≥1 A or ≥2 B)"),
    ("bilag", {**BILAG_NONE_A, "bilag_renal": "B", "bilag_musculoskeletal": "b"}, "met",
     "BILAG-2004: 0 systems A, 2 B (meets ≥1 A or ≥2 B)"),
    ("bilag", BILAG_NONE_A, "not_met", "BILAG-2004: 0 systems A, 0 B"),
    # 8 PGA ≥ 1.0
    ("pga", {"pga": "0.9"}, "not_met", "PGA 0.9 < 1"),
    ("pga", {"pga": "1.0"}, "met", "PGA 1 ≥ 1"),
    ("pga", {"pga": "1,0"}, "met", "PGA 1 ≥ 1"),
    # 9 ALT, AST ≤ 3×ULN (40 U/L)
    ("alt", {"alt": "120"}, "met", "ALT 120 U/L = 3×ULN (ULN 40) ≤ 3×ULN"),
    ("alt", {"alt": "121"}, "not_met", "ALT 121 U/L = 3.025×ULN (ULN 40) > 3×ULN"),
    ("ast", {"ast": "120 U/L"}, "met", "AST 120 U/L = 3×ULN (ULN 40) ≤ 3×ULN"),
    ("ast", {"ast": "120.5 IU/L"}, "not_met", "AST 120.5 U/L = 3.013×ULN (ULN 40) > 3×ULN"),
    # 9 bilirubin ≤ 2×ULN (21 µmol/L) unless Gilbert syndrome
    ("bilirubin", {"bilirubin": "42 µmol/L"}, "met",
     "Total bilirubin 42 µmol/L = 2×ULN (ULN 21) ≤ 2×ULN"),
    ("bilirubin", {"bilirubin": "43 µmol/L", "gilbert": "no"}, "not_met",
     "Total bilirubin 43 µmol/L = 2.048×ULN (ULN 21) > 2×ULN"),
    ("bilirubin", {"bilirubin": "43 µmol/L", "gilbert": "yes"}, "met",
     "> 2×ULN, allowed: Gilbert syndrome"),
    ("bilirubin", {"bilirubin": "2.5 mg/dL", "gilbert": "no"}, "not_met",
     "Total bilirubin 42.75 µmol/L = 2.036×ULN (ULN 21) > 2×ULN"),
    # 9 creatinine ≤ 1.5×ULN (104 µmol/L), otherwise Cockcroft-Gault clearance ≥ 40 mL/min
    ("renal", {"creatinine": "156 µmol/L"}, "met", "Creatinine 156 µmol/L = 1.5×ULN"),
    ("renal", {**MAN, "age": "60", "creatinine": "2 mg/dL", "weight": "72 kg"}, "met",
     "Creatinine 176.8 µmol/L = 1.7×ULN (ULN 104) > 1.5×ULN; "
     "creatinine clearance (Cockcroft-Gault) 40 mL/min ≥ 40"),
    ("renal", {**MAN, "age": "60", "creatinine": "176.8 µmol/L", "weight": "71.9"}, "not_met",
     "creatinine clearance (Cockcroft-Gault) 39.944 mL/min < 40"),
    ("renal", {"age": "20", "creatinine": "2.55 mg/dL", "weight": "72"}, "met",
     "creatinine clearance (Cockcroft-Gault) 40 mL/min ≥ 40"),                # woman: × 0.85
    ("renal", {"age": "20", "creatinine": "2.56 mg/dL", "weight": "72"}, "not_met",
     "creatinine clearance (Cockcroft-Gault) 39.844 mL/min < 40"),
    # 9 blood counts
    ("neutrophils", {"neutrophils": "0.99 ×10^9/L"}, "not_met",
     "Neutrophils 0.99 ×10^9/L < 1"),
    ("neutrophils", {"neutrophils": "1.0 x10^9/l"}, "met", "Neutrophils 1 ×10^9/L ≥ 1"),
    ("neutrophils", {"neutrophils": "990 /µL"}, "not_met", "Neutrophils 0.99 ×10^9/L < 1"),
    ("neutrophils", {"neutrophils": "1000/ul"}, "met", "Neutrophils 1 ×10^9/L ≥ 1"),
    ("haemoglobin", {"haemoglobin": "59 g/L"}, "not_met", "Haemoglobin 59 g/L < 60"),
    ("haemoglobin", {"haemoglobin": "60 g/L"}, "met", "Haemoglobin 60 g/L ≥ 60"),
    ("haemoglobin", {"haemoglobin": "5.9 g/dL"}, "not_met", "Haemoglobin 59 g/L < 60"),
    ("haemoglobin", {"haemoglobin": "6.0 g/dL"}, "met", "Haemoglobin 60 g/L ≥ 60"),
    ("platelets", {"platelets": "15 ×10^9/L"}, "not_met", "Platelets 15 ×10^9/L < 20"),
    ("platelets", {"platelets": "19.9 ×10^9/L"}, "not_met", "Platelets 19.9 ×10^9/L < 20"),
    ("platelets", {"platelets": "20 ×10^9/L"}, "met", "Platelets 20 ×10^9/L ≥ 20"),
    ("platelets", {"platelets": "19999 /µL"}, "not_met", "Platelets 19.999 ×10^9/L < 20"),
    ("platelets", {"platelets": "20000 /µL"}, "met", "Platelets 20 ×10^9/L ≥ 20"),
    ("platelets", {"platelets": "19.9 ×10^3/µL"}, "not_met", "Platelets 19.9 ×10^9/L < 20"),
    ("lymphocytes", {"lymphocytes": "0.3 ×10^9/L"}, "not_met", "Lymphocytes 0.3 ×10^9/L ≤ 0.3"),
    ("lymphocytes", {"lymphocytes": "300 /µL"}, "not_met", "Lymphocytes 0.3 ×10^9/L ≤ 0.3"),
    ("lymphocytes", {"lymphocytes": "0.31 ×10^9/L"}, "met", "Lymphocytes 0.31 ×10^9/L > 0.3"),
    # 9 INR ≤ 1.5×ULN (1.2), otherwise PT ≤ 1.5×ULN (13 s)
    ("coagulation", {"inr": "1.8"}, "met", "INR 1.8 = 1.5×ULN (ULN 1.2) ≤ 1.5×ULN"),
    ("coagulation", {"inr": "1.9", "pt": "19.5 s"}, "met",
     "INR 1.9 = 1.583×ULN (ULN 1.2) > 1.5×ULN; PT 19.5 s = 1.5×ULN (ULN 13) ≤ 1.5×ULN"),
    ("coagulation", {"inr": "1.9", "pt": "19.6"}, "not_met",
     "INR 1.9 = 1.583×ULN (ULN 1.2) > 1.5×ULN; PT 19.6 s = 1.508×ULN (ULN 13) > 1.5×ULN"),
    # 9 SpO2 ≥ 92 %, LVEF ≥ 50 %
    ("spo2", {"spo2": "91"}, "not_met", "SpO2 91 % < 92"),
    ("spo2", {"spo2": "92%"}, "met", "SpO2 92 % ≥ 92"),
    ("lvef", {"lvef": "49"}, "not_met", "LVEF 49 % < 50"),
    ("lvef", {"lvef": "50 %"}, "met", "LVEF 50 % ≥ 50"),
    # 10 pregnancy test, 11 contraception
    ("pregnancy_test", {}, "met", "Pregnancy test negative"),
    ("pregnancy_test", {"pregnancy_test_negative": "no"}, "not_met", "Pregnancy test not negative"),
    ("pregnancy_test", MAN, "not_applicable", "Not applicable (male)"),
    ("pregnancy_test", NO_POTENTIAL, "not_applicable", "Not of childbearing potential"),
    ("contraception", {}, "met", "Consents to highly effective contraception"),
    ("contraception", {"contraception_consent": "no"}, "not_met",
     "Does not consent to highly effective contraception"),
    ("contraception", NO_POTENTIAL, "not_applicable", "Not of childbearing potential"),
    ("contraception", MAN, "met",
     "Consents to barrier contraception and no semen or sperm donation"),
    ("contraception", {**MAN, "barrier_contraception_consent": "no"}, "not_met",
     "Does not consent to barrier contraception"),
    # 3 SLE classification
    ("sle_diagnosis", {}, "met", "SLE by the 2019 EULAR/ACR criteria"),
    ("sle_diagnosis", {"sle_criteria": "slicc_2012"}, "met", "SLE by the 2012 SLICC criteria"),
    ("sle_diagnosis", {"sle_criteria": "neither"}, "not_met",
     "SLE not classified by 2019 EULAR/ACR or 2012 SLICC"),
    ("sle_diagnosis", {**COMPUTE, "ana_entry": "no"}, "not_met",
     "2019 EULAR/ACR entry criterion not met"),
    ("sle_diagnosis", COMPUTE, "met", "2019 EULAR/ACR score 12 ≥ 10"),
    ("sle_diagnosis", {**COMPUTE, "eular_items": ["joint_involvement", "oral_ulcers", "fever"]},
     "met", "2019 EULAR/ACR score 10 ≥ 10"),
    ("sle_diagnosis", {**COMPUTE, "eular_items": ["joint_involvement", "alopecia", "fever"]},
     "met", "2019 EULAR/ACR score 10 ≥ 10"),
    ("sle_diagnosis", {**COMPUTE, "eular_items": ["joint_involvement", "fever"]}, "not_met",
     "2019 EULAR/ACR score 8 < 10"),
    ("sle_diagnosis", {**COMPUTE, "eular_items": ["acute_cutaneous", "oral_ulcers", "fever"]},
     "not_met", "2019 EULAR/ACR score 8 < 10"),                 # one mucocutaneous item counts
    ("sle_diagnosis", {**COMPUTE, "eular_items": ["anti_dsdna_or_sm", "low_c3_and_c4"]},
     "not_met", "2019 EULAR/ACR: no clinical criterion"),        # 10 points, immunology only
    ("sle_diagnosis", {**COMPUTE, "eular_items": []}, "not_met",
     "2019 EULAR/ACR: no clinical criterion"),
])
def test_criterion_thresholds(ctx, cid, changes, status, reason):
    result = judge(ctx, cid, **changes)
    assert result.status == status
    assert reason in say(result.reason)


def test_reason_names_the_value(ctx):
    result = judge(ctx, "platelets", platelets="15 ×10^9/L")
    assert result.status == "not_met"
    assert result.value == Reason(code="eligibility.value.quantity",
                                  params={"value": 15.0, "unit": "×10^9/L"})
    assert result.reason == Reason(code="eligibility.lab", params={
        "lab": Reason(code="eligibility.lab_name.platelets"), "shown": result.value,
        "sign": "<", "limit": 20.0})
    assert say(result.value) == "15 ×10^9/L"
    assert "Platelets 15 ×10^9/L < 20" in say(result.reason)
    assert say(judge(ctx, "renal", **MAN, age="60", creatinine="2 mg/dL", weight="71.9").value) == (
        "CrCl 39.944 mL/min")
    assert say(judge(ctx, "sle_diagnosis", **COMPUTE).value) == "12 points"
    assert say(judge(ctx, "sledai").value) == "12 / clinical 6"
    assert say(judge(ctx, "bilag").value) == "1 A, 0 B"


@pytest.mark.parametrize(("drug", "dose", "status", "reason"), [
    ("prednisone", 7.5, "met",
     "7.5 mg/day prednisone ≥ 7.5 mg/day prednisone (not combined)"),
    ("prednisone", 7.4, "not_met", "7.4 mg/day prednisone < 7.5 mg/day prednisone"),
    ("dexamethasone", 1.125, "met", "1.125 mg/day dexamethasone = 7.5 mg/day prednisone ≥ 7.5"),
    ("dexamethasone", 0.75, "not_met", "0.75 mg/day dexamethasone = 5 mg/day prednisone < 7.5"),
    ("methylprednisolone", 6, "met", "= 7.5 mg/day prednisone ≥ 7.5"),
    ("hydrocortisone", 20, "not_met", "= 5 mg/day prednisone < 7.5"),
])
def test_glucocorticoid_dose_alone_needs_7_5_mg_prednisone(ctx, drug, dose, status, reason):
    answers = {"glucocorticoid": "yes", "immunosuppressant": "no", "biologic": "no",
               "glucocorticoid_drug": drug, "glucocorticoid_dose": dose}
    assert check_glucocorticoid_dose(answers, ctx)[0] == status
    assert reason in say(check_glucocorticoid_dose(answers, ctx)[2])


@pytest.mark.parametrize(("immunosuppressant", "biologic"), [("yes", "no"), ("no", "yes")])
def test_glucocorticoid_dose_combined_has_no_minimum(ctx, immunosuppressant, biologic):
    answers = {"glucocorticoid": "yes", "immunosuppressant": immunosuppressant,
               "biologic": biologic, "glucocorticoid_drug": "prednisone",
               "glucocorticoid_dose": 1.0}
    status, value, reason = check_glucocorticoid_dose(answers, ctx)
    assert (status, say(value)) == ("met", "1 mg/day prednisone")
    assert reason.code == "eligibility.glucocorticoid_combined"
    assert say(reason).endswith("combined, so no minimum dose")


def test_single_drug_fails_criterion_4_whatever_the_dose(ctx):
    verdict = assess(eligible_answers(ctx, immunosuppressant="no", glucocorticoid_dose="60 mg"),
                     ctx)
    assert verdict.status == "not_eligible"
    assert [c.id for c in verdict.failed] == ["prior_treatment"]
    assert criterion(verdict, "glucocorticoid_dose").status == "met"


def test_exactly_at_uln_multiple_despite_float_division(ctx):
    """1.725 / 1.15 is 1.5000000000000002 in floating point: still exactly 1.5×ULN."""
    site = Context(ctx.protocol, UpperLimits(inr=1.15))
    answers = eligible_answers(site, inr="1.725")
    assert "pt" not in answers
    assert say(criterion(assess(answers, site), "coagulation").reason) == (
        "INR 1.725 = 1.5×ULN (ULN 1.15) ≤ 1.5×ULN")


def test_site_upper_limits_are_used(ctx):
    site = Context(ctx.protocol, UpperLimits(alt=50.0))
    assert judge(site, "alt", alt="150").status == "met"
    assert judge(ctx, "alt", alt="150").status == "not_met"


def test_not_eligible_lists_every_failed_criterion(ctx):
    verdict = assess(eligible_answers(ctx, age="71", platelets="15 ×10^9/L", spo2="91"), ctx)
    assert verdict.status == "not_eligible"
    assert [c.id for c in verdict.failed] == ["age", "platelets", "spo2"]


def test_incomplete_lists_missing_questions_in_order(ctx):
    verdict = assess(walk(ctx, spo2=None), ctx)
    assert verdict.status == "incomplete"
    # pregnancy_test_negative and contraception_consent wait for childbearing_potential
    assert verdict.missing_questions == ["spo2", "lvef", "childbearing_potential"]
    assert criterion(verdict, "spo2").status == "missing"
    assert criterion(verdict, "spo2").reason == Reason(code="eligibility.not_answered")
    assert say(criterion(verdict, "spo2").reason) == "Not answered yet"
    assert criterion(verdict, "pregnancy_test").status == "missing"
    assert criterion(verdict, "platelets").status == "met"


def test_incomplete_includes_an_alternative_question(ctx):
    verdict = assess(walk(ctx, inr="2.0", pt=None), ctx)
    assert verdict.status == "incomplete"
    assert verdict.missing_questions[:2] == ["pt", "spo2"]
    assert criterion(verdict, "coagulation").status == "missing"


def test_empty_screening_is_incomplete(ctx):
    verdict = assess({}, ctx)
    assert verdict.status == "incomplete"
    assert verdict.missing_questions[:4] == ["consent", "age", "sex", "sle_criteria"]
    assert {c.status for c in verdict.criteria} == {"missing"}


def test_a_failed_criterion_decides_before_the_screening_is_complete(ctx):
    verdict = assess(walk(ctx, age="17", pga=None), ctx)
    assert verdict.status == "not_eligible"
    assert verdict.missing_questions[0] == "pga"
    assert [c.id for c in verdict.failed] == ["age"]


def test_answers_that_no_longer_apply_are_ignored(ctx):
    woman = eligible_answers(ctx, pregnancy_test_negative="no", bilirubin="50 µmol/L",
                             gilbert="no")
    assert assess(woman, ctx).status == "not_eligible"
    man = changed(ctx, changed(ctx, woman, "sex", "male"), "reproductive_potential", "yes")
    corrected = changed(ctx, man, "barrier_contraception_consent", "yes")
    corrected = changed(ctx, corrected, "bilirubin", "12 µmol/L")
    verdict = assess(corrected, ctx)
    assert verdict.status == "eligible"
    assert criterion(verdict, "pregnancy_test").status == "not_applicable"


def test_computed_values_are_shown(ctx):
    answers = eligible_answers(ctx, **MAN, age="60", creatinine="2 mg/dL", weight="72",
                               glucocorticoid_drug="methylprednisolone",
                               glucocorticoid_dose="8 mg")
    computed = assess(answers, ctx).computed
    assert computed["sledai"].params == {"value": 12}
    assert computed["creatinine_clearance"].params == pytest.approx(
        {"value": 40.0, "unit": "mL/min"})
    shown = {key: say(value) for key, value in computed.items()}
    assert shown["sledai"] == "12"
    assert shown["clinical_sledai"] == "6"
    assert shown["creatinine_clearance"] == "40 mL/min"
    assert shown["prednisone_equivalent"] == "10 mg/day"
    assert shown["creatinine_uln"] == "1.7"
    assert shown["alt_uln"] == "0.875"
    assert "creatinine_clearance" not in assess(eligible_answers(ctx), ctx).computed


def test_clinical_sledai_above_total_after_a_correction_is_not_judged_eligible(ctx):
    from domain.eligibility import check_sledai

    status, _, reason = check_sledai(
        {"sledai_mode": "totals", "sledai_total": 8, "clinical_sledai_total": 10}, ctx)
    assert status == "not_met" and reason.code == "eligibility.sledai_clinical_above_total"
    assert "higher than the SLEDAI-2K total 8" in say(reason)
