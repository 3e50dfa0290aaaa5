"""Eligibility of a screening candidate against inclusion criteria 1-11 of the protocol.

`assess` takes the stored answers (normalised values, see `domain.questions`) and returns a
verdict with every criterion's status, the value it was judged on and a reason a coordinator
understands. Thresholds come from the protocol file and the site's upper limits of normal.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Literal

from pydantic import BaseModel

from domain.protocol import LabLimit
from domain.questions import BILAG_SYSTEMS, Answers, Context, applicable
from domain.scores import (
    EULAR_ACR_2019_THRESHOLD,
    clinical_sledai_2k,
    cockcroft_gault,
    eular_acr_2019,
    prednisone_equivalent,
    sledai_2k,
)
from domain.units import ANALYTES, convert
from domain.units import format_number as fmt

Status = Literal["met", "not_met", "missing", "not_applicable"]


class CriterionResult(BaseModel):
    number: int
    id: str
    title: str
    status: Status
    value: str = ""
    reason: str = ""


class Verdict(BaseModel):
    status: Literal["eligible", "not_eligible", "incomplete"]
    criteria: list[CriterionResult]
    computed: dict[str, str] = {}
    missing_questions: list[str] = []

    @property
    def failed(self) -> list[CriterionResult]:
        return [c for c in self.criteria if c.status == "not_met"]


COMPARE = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
OPPOSITE = {"<=": ">", "<": "≥", ">=": "<", ">": "≤"}
SHOWN = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}

LAB_NAMES = {
    "alt": "ALT", "ast": "AST", "bilirubin": "Total bilirubin", "creatinine": "Creatinine",
    "neutrophils": "Neutrophils", "haemoglobin": "Haemoglobin", "platelets": "Platelets",
    "lymphocytes": "Lymphocytes", "inr": "INR", "pt": "PT", "spo2": "SpO2", "lvef": "LVEF",
}


class Missing(Exception):
    """A criterion cannot be judged yet: an answer it needs is missing."""


def _need(answers: Answers, *ids: str) -> list:
    values = [answers.get(i) for i in ids]
    if any(v is None for v in values):
        raise Missing
    return values


def _result(ok: bool, value: str, reason: str) -> tuple[Status, str, str]:
    return ("met" if ok else "not_met"), value, reason


# Each check returns (status, value, reason) or raises Missing.
Check = Callable[[Answers, Context], tuple[Status, str, str]]


def check_consent(a: Answers, ctx: Context):
    (consent,) = _need(a, "consent")
    return _result(consent == "yes", consent,
                   "Informed consent signed" if consent == "yes" else "No signed informed consent")


def check_age(a: Answers, ctx: Context):
    (age,) = _need(a, "age")
    rules = ctx.protocol.eligibility
    ok = rules.age_min <= age <= rules.age_max
    where = "within" if ok else "outside"
    return _result(ok, f"{fmt(age)} years",
                   f"Age {fmt(age)} is {where} {rules.age_min}-{rules.age_max}")


SLE_CRITERIA_NAMES = {"eular_acr_2019": "2019 EULAR/ACR", "slicc_2012": "2012 SLICC"}


def check_sle_diagnosis(a: Answers, ctx: Context):
    (how,) = _need(a, "sle_criteria")
    if how in SLE_CRITERIA_NAMES:
        return _result(True, how, f"SLE by the {SLE_CRITERIA_NAMES[how]} criteria")
    if how == "neither":
        return _result(False, how, "SLE not classified by 2019 EULAR/ACR or 2012 SLICC")
    (ana_entry,) = _need(a, "ana_entry")
    if ana_entry == "no":
        return _result(False, "ANA entry not met",
                       "2019 EULAR/ACR entry criterion not met (ANA ≥1:80 on HEp-2 never)")
    (items,) = _need(a, "eular_items")
    score = eular_acr_2019(True, items)
    value = f"{score.points} points"
    if not score.has_clinical:
        return _result(False, value, "2019 EULAR/ACR: no clinical criterion")
    return _result(score.classified, value,
                   f"2019 EULAR/ACR score {score.points} "
                   f"{'≥' if score.classified else '<'} {EULAR_ACR_2019_THRESHOLD}")


def check_prior_treatment(a: Answers, ctx: Context):
    gc, immuno, bio, months, weeks, active = _need(
        a, "glucocorticoid", "immunosuppressant", "biologic", "treatment_months",
        "stable_weeks", "still_active")
    rules = ctx.protocol.eligibility
    drugs = [name for name, on in (("glucocorticoid", gc), ("immunosuppressant", immuno),
                                   ("biologic", bio)) if on == "yes"]
    value = " + ".join(drugs) or "none"
    problems = []
    if gc != "yes" or (immuno != "yes" and bio != "yes"):
        problems.append("needs a glucocorticoid combined with an immunosuppressant and/or biologic")
    if months < rules.treatment_min_months:
        problems.append(f"treated {fmt(months)} months < {fmt(rules.treatment_min_months)}")
    if not weeks > rules.stable_dose_min_weeks:
        problems.append(
            f"dose stable {fmt(weeks)} weeks, needs > {fmt(rules.stable_dose_min_weeks)}")
    if active != "yes":
        problems.append("disease no longer active")
    if problems:
        return _result(False, value, "; ".join(problems).capitalize())
    return _result(True, value, f"{value} for {fmt(months)} months, "
                                f"stable {fmt(weeks)} weeks, disease still active")


def check_glucocorticoid_dose(a: Answers, ctx: Context):
    gc, immuno, bio = _need(a, "glucocorticoid", "immunosuppressant", "biologic")
    if gc != "yes":
        return "not_applicable", "no glucocorticoid", "No glucocorticoid (judged in 4)"
    drug, dose = _need(a, "glucocorticoid_drug", "glucocorticoid_dose")
    equivalent = prednisone_equivalent(drug, dose)
    minimum = ctx.protocol.eligibility.prednisone_min_mg_alone
    value = f"{fmt(dose)} mg/day {drug} = {fmt(equivalent)} mg/day prednisone"
    if immuno == "yes" or bio == "yes":
        return _result(True, value, f"{value}; combined, so no minimum dose")
    ok = equivalent >= minimum
    return _result(ok, value, f"{value} {'≥' if ok else '<'} {fmt(minimum)} (not combined)")


def check_autoantibodies(a: Answers, ctx: Context):
    values = dict(zip(("ANA", "anti-dsDNA", "anti-Sm"), _need(a, "ana", "anti_dsdna", "anti_sm"),
                      strict=True))
    positive = [name for name, v in values.items() if v == "yes"]
    if positive:
        return _result(True, ", ".join(positive), f"Positive: {', '.join(positive)}")
    return _result(False, "all negative", "ANA, anti-dsDNA and anti-Sm all negative")


def sledai_totals(a: Answers, ctx: Context) -> tuple[int, int]:
    (mode,) = _need(a, "sledai_mode")
    if mode == "totals":
        total, clinical = _need(a, "sledai_total", "clinical_sledai_total")
        return int(total), int(clinical)
    (present,) = _need(a, "sledai_descriptors")
    excluded = ctx.protocol.eligibility.clinical_sledai_excludes
    return sledai_2k(present), clinical_sledai_2k(present, excluded)


def check_sledai(a: Answers, ctx: Context):
    total, clinical = sledai_totals(a, ctx)
    rules = ctx.protocol.eligibility
    if clinical > total:  # possible after a correction of the total alone
        return _result(False, f"{total} / clinical {clinical}",
                       f"Clinical SLEDAI-2K {clinical} is higher than the SLEDAI-2K total "
                       f"{total}: correct one of them")
    total_ok = total > rules.sledai_min_exclusive
    clinical_ok = clinical >= rules.clinical_sledai_min
    reason = (f"SLEDAI-2K {total} {'>' if total_ok else '≤'} {rules.sledai_min_exclusive}, "
              f"clinical SLEDAI-2K {clinical} {'≥' if clinical_ok else '<'} "
              f"{rules.clinical_sledai_min}")
    return _result(total_ok and clinical_ok, f"{total} / clinical {clinical}", reason)


def check_bilag(a: Answers, ctx: Context):
    grades = _need(a, *(f"bilag_{s}" for s in BILAG_SYSTEMS))
    count_a, count_b = grades.count("A"), grades.count("B")
    rules = ctx.protocol.eligibility
    ok = count_a >= rules.bilag_min_a or count_b >= rules.bilag_min_b
    return _result(ok, f"{count_a} A, {count_b} B",
                   f"BILAG-2004: {count_a} system(s) A, {count_b} B "
                   f"({'meets' if ok else 'needs'} "
                   f"≥{rules.bilag_min_a} A or ≥{rules.bilag_min_b} B)")


def check_pga(a: Answers, ctx: Context):
    (pga,) = _need(a, "pga")
    minimum = ctx.protocol.eligibility.pga_min
    ok = pga >= minimum
    return _result(ok, fmt(pga), f"PGA {fmt(pga)} {'≥' if ok else '<'} {fmt(minimum)}")


def judge_lab(lab: str, value: float, ctx: Context) -> tuple[bool, str, str]:
    """(passes, value shown, reason) for one laboratory value against its protocol limit."""
    rule: LabLimit = ctx.protocol.eligibility.labs[lab]
    unit = ANALYTES[lab].canonical
    shown = f"{fmt(value)} {unit}" if unit != "ratio" else fmt(value)
    compared = value
    if rule.kind == "uln":
        uln = getattr(ctx.upper_limits, lab)
        compared = rule.compared(value, uln)
        shown = f"{shown} = {fmt(compared)}×ULN (ULN {fmt(uln)})"
    ok = rule.passes(compared)
    sign = SHOWN[rule.op] if ok else OPPOSITE[rule.op]
    limit = f"{fmt(rule.limit)}{'×ULN' if rule.kind == 'uln' else ''}"
    return ok, shown, f"{LAB_NAMES[lab]} {shown} {sign} {limit}"


def lab_check(lab: str) -> Check:
    def check(a: Answers, ctx: Context):
        (value,) = _need(a, lab)
        return _result(*judge_lab(lab, value, ctx))
    return check


def check_bilirubin(a: Answers, ctx: Context):
    (value,) = _need(a, "bilirubin")
    ok, shown, reason = judge_lab("bilirubin", value, ctx)
    if ok:
        return _result(ok, shown, reason)
    (gilbert,) = _need(a, "gilbert")
    if gilbert == "yes":
        return _result(True, shown, f"{reason}, allowed: Gilbert syndrome")
    return _result(False, shown, reason)


def creatinine_clearance(a: Answers) -> float | None:
    """Cockcroft-Gault clearance (mL/min) when weight, age, sex and creatinine are known."""
    age, weight, sex, creatinine = (a.get(k) for k in ("age", "weight", "sex", "creatinine"))
    if None in (age, weight, sex, creatinine):
        return None
    mg_dl = convert(creatinine, "creatinine", "mg/dL")
    return cockcroft_gault(age=age, weight_kg=weight, creatinine_mg_dl=mg_dl, sex=sex)


def check_renal(a: Answers, ctx: Context):
    (value,) = _need(a, "creatinine")
    ok, shown, reason = judge_lab("creatinine", value, ctx)
    if ok:
        return _result(ok, shown, reason)
    _need(a, "weight", "age", "sex")
    clearance = creatinine_clearance(a)
    minimum = ctx.protocol.eligibility.creatinine_clearance_min
    passes = clearance >= minimum
    return _result(passes, f"CrCl {fmt(clearance)} mL/min",
                   f"{reason}; creatinine clearance (Cockcroft-Gault) {fmt(clearance)} mL/min "
                   f"{'≥' if passes else '<'} {fmt(minimum)}")


def check_coagulation(a: Answers, ctx: Context):
    (inr,) = _need(a, "inr")
    ok, shown, reason = judge_lab("inr", inr, ctx)
    if ok:
        return _result(ok, shown, reason)
    (pt,) = _need(a, "pt")
    pt_ok, pt_shown, pt_reason = judge_lab("pt", pt, ctx)
    return _result(pt_ok, pt_shown, f"{reason}; {pt_reason}")


def check_pregnancy_test(a: Answers, ctx: Context):
    (sex,) = _need(a, "sex")
    if sex != "female":
        return "not_applicable", sex, "Not applicable (male)"
    (potential,) = _need(a, "childbearing_potential")
    if potential == "no":
        return "not_applicable", "not of childbearing potential", "Not of childbearing potential"
    (negative,) = _need(a, "pregnancy_test_negative")
    return _result(negative == "yes", "negative" if negative == "yes" else "not negative",
                   "Pregnancy test negative" if negative == "yes"
                   else "Pregnancy test not negative")


def check_contraception(a: Answers, ctx: Context):
    (sex,) = _need(a, "sex")
    if sex == "male":
        (consent,) = _need(a, "barrier_contraception_consent")
        what = "barrier contraception and no semen or sperm donation"
    else:
        (potential,) = _need(a, "childbearing_potential")
        if potential == "no":
            return ("not_applicable", "not of childbearing potential",
                    "Not of childbearing potential")
        (consent,) = _need(a, "contraception_consent")
        what = "highly effective contraception"
    ok = consent == "yes"
    return _result(ok, consent, f"{'Consents' if ok else 'Does not consent'} to {what}")


CRITERIA: tuple[tuple[int, str, str, Check], ...] = (
    (1, "consent", "Informed consent", check_consent),
    (2, "age", "Age", check_age),
    (3, "sle_diagnosis", "SLE classification", check_sle_diagnosis),
    (4, "prior_treatment", "Prior treatment", check_prior_treatment),
    (4, "glucocorticoid_dose", "Glucocorticoid dose", check_glucocorticoid_dose),
    (5, "autoantibodies", "ANA / anti-dsDNA / anti-Sm", check_autoantibodies),
    (6, "sledai", "SLEDAI-2K", check_sledai),
    (7, "bilag", "BILAG-2004", check_bilag),
    (8, "pga", "Physician global assessment", check_pga),
    (9, "alt", "ALT", lab_check("alt")),
    (9, "ast", "AST", lab_check("ast")),
    (9, "bilirubin", "Total bilirubin", check_bilirubin),
    (9, "renal", "Creatinine or clearance", check_renal),
    (9, "neutrophils", "Neutrophils", lab_check("neutrophils")),
    (9, "haemoglobin", "Haemoglobin", lab_check("haemoglobin")),
    (9, "platelets", "Platelets", lab_check("platelets")),
    (9, "lymphocytes", "Lymphocytes", lab_check("lymphocytes")),
    (9, "coagulation", "INR or PT", check_coagulation),
    (9, "spo2", "SpO2", lab_check("spo2")),
    (9, "lvef", "LVEF", lab_check("lvef")),
    (10, "pregnancy_test", "Pregnancy test", check_pregnancy_test),
    (11, "contraception", "Contraception", check_contraception),
)


def judge(number: int, cid: str, title: str, check: Check, a: Answers, ctx: Context):
    try:
        status, value, reason = check(a, ctx)
    except Missing:
        return CriterionResult(number=number, id=cid, title=title, status="missing",
                               reason="Not answered yet")
    return CriterionResult(number=number, id=cid, title=title, status=status, value=value,
                           reason=reason)


def computed_values(a: Answers, ctx: Context) -> dict[str, str]:
    """Values the bot computed, shown with the verdict."""
    shown: dict[str, str] = {}
    try:
        total, clinical = sledai_totals(a, ctx)
        shown["SLEDAI-2K"], shown["Clinical SLEDAI-2K"] = str(total), str(clinical)
    except Missing:
        pass
    clearance = creatinine_clearance(a)
    if clearance is not None:
        shown["Creatinine clearance"] = f"{fmt(clearance)} mL/min"
    if a.get("glucocorticoid_drug") and a.get("glucocorticoid_dose") is not None:
        equivalent = prednisone_equivalent(a["glucocorticoid_drug"], a["glucocorticoid_dose"])
        shown["Prednisone equivalent"] = f"{fmt(equivalent)} mg/day"
    for lab in ("alt", "ast", "bilirubin", "creatinine", "inr", "pt"):
        if a.get(lab) is not None:
            shown[f"{LAB_NAMES[lab]} ×ULN"] = fmt(a[lab] / getattr(ctx.upper_limits, lab))
    return shown


def assess(answers: Answers, ctx: Context) -> Verdict:
    """The full per-criterion verdict for the answers given so far."""
    relevant = {q.id for q in applicable(answers, ctx)}
    current = {k: v for k, v in answers.items() if k in relevant}
    results = [judge(*row, current, ctx) for row in CRITERIA]
    missing = [q for q in relevant if q not in current]
    if any(r.status == "not_met" for r in results):
        status = "not_eligible"
    elif any(r.status == "missing" for r in results) or missing:
        status = "incomplete"
    else:
        status = "eligible"
    ordered_missing = [q.id for q in applicable(current, ctx) if q.id in missing]
    return Verdict(status=status, criteria=results, computed=computed_values(current, ctx),
                   missing_questions=ordered_missing)
