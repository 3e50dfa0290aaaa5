"""Eligibility of a screening candidate: inclusion criteria 1-11, then the protocol file's
exclusion criteria (none shipped: the registry entry names none, and every verdict says so).

`assess` takes the stored answers (normalised values, see `domain.questions`) and returns a
verdict with every criterion's status, the value it was judged on and the reason (codes with
parameters, said in words by handlers/wording.py). Thresholds come from the protocol file and
the site's upper limits of normal. An exclusion criterion is "met" when it does not exclude the
candidate, "not_met" when it does, so the verdict's failures are the reasons not to enrol.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import date, timedelta
from typing import Literal, NamedTuple

from pydantic import BaseModel

from domain.protocol import LabLimit, Protocol
from domain.questions import (
    BILAG_SYSTEMS,
    Answers,
    Context,
    Group,
    Question,
    applicable,
    questions,
    sledai_pair_params,
)
from domain.reasons import Codes, Reason
from domain.scores import (
    EULAR_ACR_2019_THRESHOLD,
    clinical_sledai_2k,
    cockcroft_gault,
    eular_acr_2019,
    prednisone_equivalent,
    sledai_2k,
    sledai_pair_problem,
)
from domain.units import ANALYTES, convert

Status = Literal["met", "not_met", "missing", "not_applicable"]

LABS = ("alt", "ast", "bilirubin", "creatinine", "neutrophils", "haemoglobin", "platelets",
        "lymphocytes", "inr", "pt", "spo2", "lvef")
ULN_SHOWN = ("alt", "ast", "bilirubin", "creatinine", "inr", "pt")  # computed as ×ULN

# What a criterion was judged on ("value.*") and why it has its status: said in words by the
# catalogue (handlers/texts.py). Criterion titles are there too, by criterion id.
REASON = Codes(
    "eligibility",
    "value.answer", "value.number", "value.quantity", "value.lab_uln", "value.points",
    "value.ana_entry_not_met", "value.drugs", "value.no_drugs", "value.no_glucocorticoid",
    "value.prednisone_equivalent", "value.prednisone_dose", "value.positive",
    "value.all_negative", "value.sledai",
    "value.bilag", "value.clearance", "value.not_of_childbearing_potential", "value.negative",
    "value.not_negative", "value.not_of_reproductive_potential",
    "not_answered", "consent_signed", "consent_missing", "age_within", "age_outside",
    "sle_eular_acr_2019", "sle_slicc_2012", "sle_neither", "ana_entry_not_met",
    "eular_no_clinical", "eular_score",
    "treatment_met", "treatment_problems", "problem.not_combined", "problem.treated_briefly",
    "problem.dose_not_stable", "problem.no_longer_active",
    "no_glucocorticoid", "glucocorticoid_combined", "glucocorticoid_alone",
    "antibodies_positive", "antibodies_negative", "sledai_clinical_above_total",
    "sledai_clinical_above_most", "sledai_difference_above_excluded", "sledai",
    "bilag_met", "bilag_not_met", "pga", "lab", "lab_uln", "gilbert", "clearance", "either",
    "not_applicable_male", "not_of_childbearing_potential", "pregnancy_negative",
    "pregnancy_not_negative", "consents_contraception", "no_consent_contraception",
    "consents_barrier", "no_consent_barrier", "not_of_reproductive_potential",
    # an exclusion criterion of the protocol file, by its kind, and the verdict's summary
    "excluded_answer", "clear_answer", "excluded_value", "clear_value",
    "exclusion_not_applicable",
    "summary.eligible", "summary.eligible_unconfigured", "summary.unconfigured",
    *(f"lab_name.{lab}" for lab in LABS),
)
CODES = REASON.all
# The values the bot computed, by key (their names are in the catalogue too).
COMPUTED = frozenset({"sledai", "clinical_sledai", "creatinine_clearance",
                      "prednisone_equivalent", *(f"{lab}_uln" for lab in ULN_SHOWN)})


class CriterionResult(BaseModel):
    number: int  # among the inclusion criteria, or (group "exclusion") the exclusion criteria
    id: str
    status: Status
    value: Reason | None = None  # what the criterion was judged on
    reason: Reason
    group: Group = "inclusion"
    title: str | None = None  # an exclusion criterion's title, as the protocol file words it


class Verdict(BaseModel):
    status: Literal["eligible", "not_eligible", "incomplete"]
    criteria: list[CriterionResult]
    computed: dict[str, Reason] = {}  # a key of COMPUTED -> its value (a number, and a unit)
    missing_questions: list[str] = []
    summary: Reason | None = None  # what was checked: inclusion criteria, exclusion criteria

    @property
    def failed(self) -> list[CriterionResult]:
        return [c for c in self.criteria if c.status == "not_met"]


COMPARE = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
OPPOSITE = {"<=": ">", "<": "≥", ">=": "<", ">": "≤"}
SHOWN = {"<=": "≤", "<": "<", ">=": "≥", ">": ">"}


class Missing(Exception):
    """A criterion cannot be judged yet: an answer it needs is missing."""


def _need(answers: Answers, *ids: str) -> list:
    values = [answers.get(i) for i in ids]
    if any(v is None for v in values):
        raise Missing
    return values


Outcome = tuple[Status, Reason | None, Reason]


def _result(ok: bool, value: Reason | None, reason: Reason) -> Outcome:
    return ("met" if ok else "not_met"), value, reason


def _sign(ok: bool, passing: str, failing: str) -> str:
    return passing if ok else failing


def _answer(answer: str) -> Reason:
    return REASON("value.answer", answer=answer)


# Each check returns (status, value, reason) or raises Missing.
Check = Callable[[Answers, Context], Outcome]


def check_consent(a: Answers, ctx: Context):
    (consent,) = _need(a, "consent")
    return _result(consent == "yes", _answer(consent),
                   REASON("consent_signed" if consent == "yes" else "consent_missing"))


def check_age(a: Answers, ctx: Context):
    (age,) = _need(a, "age")
    rules = ctx.protocol.eligibility
    ok = rules.age_min <= age <= rules.age_max
    return _result(ok, REASON("value.quantity", value=age, unit="years"),
                   REASON("age_within" if ok else "age_outside", age=age, low=rules.age_min,
                          high=rules.age_max))


def check_sle_diagnosis(a: Answers, ctx: Context):
    (how,) = _need(a, "sle_criteria")
    if how in ("eular_acr_2019", "slicc_2012"):
        return _result(True, _answer(how), REASON(f"sle_{how}"))
    if how == "neither":
        return _result(False, _answer(how), REASON("sle_neither"))
    (ana_entry,) = _need(a, "ana_entry")
    if ana_entry == "no":
        return _result(False, REASON("value.ana_entry_not_met"), REASON("ana_entry_not_met"))
    (items,) = _need(a, "eular_items")
    score = eular_acr_2019(True, items)
    value = REASON("value.points", points=score.points)
    if not score.has_clinical:
        return _result(False, value, REASON("eular_no_clinical"))
    return _result(score.classified, value, REASON(
        "eular_score", points=score.points, sign=_sign(score.classified, "≥", "<"),
        threshold=EULAR_ACR_2019_THRESHOLD))


def check_prior_treatment(a: Answers, ctx: Context):
    gc, immuno, bio, months, weeks, active = _need(
        a, "glucocorticoid", "immunosuppressant", "biologic", "treatment_months",
        "stable_weeks", "still_active")
    rules = ctx.protocol.eligibility
    drugs = [name for name, on in (("glucocorticoid", gc), ("immunosuppressant", immuno),
                                   ("biologic", bio)) if on == "yes"]
    value = REASON("value.drugs", drugs=drugs) if drugs else REASON("value.no_drugs")
    problems = []
    if gc != "yes" or (immuno != "yes" and bio != "yes"):
        problems.append(REASON("problem.not_combined"))
    if months < rules.treatment_min_months:
        problems.append(REASON("problem.treated_briefly", months=months,
                               minimum=rules.treatment_min_months))
    if not weeks > rules.stable_dose_min_weeks:
        problems.append(REASON("problem.dose_not_stable", weeks=weeks,
                               minimum=rules.stable_dose_min_weeks))
    if active != "yes":
        problems.append(REASON("problem.no_longer_active"))
    if problems:
        return _result(False, value, REASON("treatment_problems", problems=problems))
    return _result(True, value, REASON("treatment_met", drugs=value, months=months, weeks=weeks))


def check_glucocorticoid_dose(a: Answers, ctx: Context):
    gc, immuno, bio = _need(a, "glucocorticoid", "immunosuppressant", "biologic")
    if gc != "yes":
        return "not_applicable", REASON("value.no_glucocorticoid"), REASON("no_glucocorticoid")
    drug, dose = _need(a, "glucocorticoid_drug", "glucocorticoid_dose")
    equivalent = prednisone_equivalent(drug, dose)
    minimum = ctx.protocol.eligibility.prednisone_min_mg_alone
    value = (REASON("value.prednisone_dose", dose=dose) if drug == "prednisone" else
             REASON("value.prednisone_equivalent", dose=dose, drug=drug, equivalent=equivalent))
    if immuno == "yes" or bio == "yes":
        return _result(True, value, REASON("glucocorticoid_combined", dose=value))
    ok = equivalent >= minimum
    return _result(ok, value, REASON("glucocorticoid_alone", dose=value,
                                     sign=_sign(ok, "≥", "<"), minimum=minimum))


def check_autoantibodies(a: Answers, ctx: Context):
    values = dict(zip(("ANA", "anti-dsDNA", "anti-Sm"), _need(a, "ana", "anti_dsdna", "anti_sm"),
                      strict=True))
    positive = [name for name, v in values.items() if v == "yes"]
    if positive:
        return _result(True, REASON("value.positive", names=positive),
                       REASON("antibodies_positive", names=positive))
    return _result(False, REASON("value.all_negative"), REASON("antibodies_negative"))


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
    value = REASON("value.sledai", total=total, clinical=clinical)
    problem = sledai_pair_problem(total, clinical, rules.clinical_sledai_excludes)
    if problem:  # possible after a correction of the total alone
        return _result(False, value, REASON(f"sledai_{problem}", **sledai_pair_params(
            problem, total, clinical, rules.clinical_sledai_excludes)))
    total_ok = total > rules.sledai_min_exclusive
    clinical_ok = clinical >= rules.clinical_sledai_min
    return _result(total_ok and clinical_ok, value, REASON(
        "sledai", total=total, total_sign=_sign(total_ok, ">", "≤"),
        total_min=rules.sledai_min_exclusive, clinical=clinical,
        clinical_sign=_sign(clinical_ok, "≥", "<"), clinical_min=rules.clinical_sledai_min))


def check_bilag(a: Answers, ctx: Context):
    grades = _need(a, *(f"bilag_{s}" for s in BILAG_SYSTEMS))
    count_a, count_b = grades.count("A"), grades.count("B")
    rules = ctx.protocol.eligibility
    ok = count_a >= rules.bilag_min_a or count_b >= rules.bilag_min_b
    return _result(ok, REASON("value.bilag", a=count_a, b=count_b), REASON(
        "bilag_met" if ok else "bilag_not_met", a=count_a, b=count_b, min_a=rules.bilag_min_a,
        min_b=rules.bilag_min_b))


def check_pga(a: Answers, ctx: Context):
    (pga,) = _need(a, "pga")
    minimum = ctx.protocol.eligibility.pga_min
    ok = pga >= minimum
    return _result(ok, REASON("value.number", value=pga),
                   REASON("pga", pga=pga, sign=_sign(ok, "≥", "<"), minimum=minimum))


def judge_lab(lab: str, value: float, ctx: Context,
              sex: str | None = None) -> tuple[bool, Reason, Reason]:
    """(passes, value shown, reason) for one laboratory value against its protocol limit (a
    multiple of the site's ULN for the candidate's sex, where the site sets one per sex)."""
    rule: LabLimit = ctx.protocol.eligibility.labs[lab]
    unit = ANALYTES[lab].canonical
    if unit == "ratio":
        shown = REASON("value.number", value=value)
    else:
        shown = REASON("value.quantity", value=value, unit=unit)
    compared = value
    if rule.kind == "uln":
        uln = ctx.upper_limits.of(lab, sex)
        compared = rule.compared(value, uln)
        shown = REASON("value.lab_uln", shown=shown, times=compared, uln=uln)
    ok = rule.passes(compared)
    sign = SHOWN[rule.op] if ok else OPPOSITE[rule.op]
    return ok, shown, REASON("lab_uln" if rule.kind == "uln" else "lab",
                             lab=REASON(f"lab_name.{lab}"), shown=shown, sign=sign,
                             limit=rule.limit)


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
        return _result(True, shown, REASON("gilbert", lab=reason))
    return _result(False, shown, reason)


def creatinine_clearance(a: Answers) -> float | None:
    """Cockcroft-Gault clearance (mL/min) when weight, age, sex and creatinine are known."""
    age, weight, sex, creatinine = (a.get(k) for k in ("age", "weight", "sex", "creatinine"))
    if None in (age, weight, sex, creatinine):
        return None
    mg_dl = convert(creatinine, "creatinine", "mg/dL")
    return cockcroft_gault(age=age, weight_kg=weight, creatinine_mg_dl=mg_dl, sex=sex)


def check_renal(a: Answers, ctx: Context):
    value, sex = _need(a, "creatinine", "sex")
    ok, shown, reason = judge_lab("creatinine", value, ctx, sex)
    if ok:
        return _result(ok, shown, reason)
    _need(a, "weight", "age", "sex")
    clearance = creatinine_clearance(a)
    minimum = ctx.protocol.eligibility.creatinine_clearance_min
    passes = clearance >= minimum
    return _result(passes, REASON("value.clearance", clearance=clearance), REASON(
        "clearance", lab=reason, clearance=clearance, sign=_sign(passes, "≥", "<"),
        minimum=minimum))


def check_coagulation(a: Answers, ctx: Context):
    (inr,) = _need(a, "inr")
    ok, shown, reason = judge_lab("inr", inr, ctx)
    if ok:
        return _result(ok, shown, reason)
    (pt,) = _need(a, "pt")
    pt_ok, pt_shown, pt_reason = judge_lab("pt", pt, ctx)
    return _result(pt_ok, pt_shown, REASON("either", first=reason, second=pt_reason))


def check_pregnancy_test(a: Answers, ctx: Context):
    (sex,) = _need(a, "sex")
    if sex != "female":
        return "not_applicable", _answer(sex), REASON("not_applicable_male")
    (potential,) = _need(a, "childbearing_potential")
    if potential == "no":
        return ("not_applicable", REASON("value.not_of_childbearing_potential"),
                REASON("not_of_childbearing_potential"))
    (negative,) = _need(a, "pregnancy_test_negative")
    ok = negative == "yes"
    return _result(ok, REASON("value.negative" if ok else "value.not_negative"),
                   REASON("pregnancy_negative" if ok else "pregnancy_not_negative"))


def check_contraception(a: Answers, ctx: Context):
    (sex,) = _need(a, "sex")
    if sex == "male":
        (potential,) = _need(a, "reproductive_potential")
        if potential == "no":
            return ("not_applicable", REASON("value.not_of_reproductive_potential"),
                    REASON("not_of_reproductive_potential"))
        (consent,) = _need(a, "barrier_contraception_consent")
        what = "barrier"
    else:
        (potential,) = _need(a, "childbearing_potential")
        if potential == "no":
            return ("not_applicable", REASON("value.not_of_childbearing_potential"),
                    REASON("not_of_childbearing_potential"))
        (consent,) = _need(a, "contraception_consent")
        what = "contraception"
    ok = consent == "yes"
    return _result(ok, _answer(consent), REASON(f"consents_{what}" if ok else f"no_consent_{what}"))


CRITERIA: tuple[tuple[int, str, Check], ...] = (
    (1, "consent", check_consent),
    (2, "age", check_age),
    (3, "sle_diagnosis", check_sle_diagnosis),
    (4, "prior_treatment", check_prior_treatment),
    (4, "glucocorticoid_dose", check_glucocorticoid_dose),
    (5, "autoantibodies", check_autoantibodies),
    (6, "sledai", check_sledai),
    (7, "bilag", check_bilag),
    (8, "pga", check_pga),
    (9, "alt", lab_check("alt")),
    (9, "ast", lab_check("ast")),
    (9, "bilirubin", check_bilirubin),
    (9, "renal", check_renal),
    (9, "neutrophils", lab_check("neutrophils")),
    (9, "haemoglobin", lab_check("haemoglobin")),
    (9, "platelets", lab_check("platelets")),
    (9, "lymphocytes", lab_check("lymphocytes")),
    (9, "coagulation", check_coagulation),
    (9, "spo2", lab_check("spo2")),
    (9, "lvef", lab_check("lvef")),
    (10, "pregnancy_test", check_pregnancy_test),
    (11, "contraception", check_contraception),
)


# --- the protocol file's exclusion criteria --------------------------------------------------

def exclusion_check(question: Question) -> Check:
    """The check of an exclusion criterion's question: met while it does not exclude."""
    exclusion = question.exclusion

    def check(a: Answers, ctx: Context):
        if exclusion.sex:
            (sex,) = _need(a, "sex")
            if sex != exclusion.sex:
                return ("not_applicable", _answer(sex),
                        REASON("exclusion_not_applicable", title=exclusion.title, sex=sex))
        (value,) = _need(a, question.id)
        excluded = exclusion.excluded(value)
        if exclusion.kind == "yes_no":
            return _result(not excluded, _answer(value), REASON(
                "excluded_answer" if excluded else "clear_answer", title=exclusion.title,
                answer=value))
        shown = REASON("value.quantity", value=value, unit=exclusion.unit)
        sign = SHOWN[exclusion.excludes] if excluded else OPPOSITE[exclusion.excludes]
        return _result(not excluded, shown, REASON(
            "excluded_value" if excluded else "clear_value", title=exclusion.title, shown=shown,
            sign=sign, limit=exclusion.limit, unit=exclusion.unit))
    return check


class Row(NamedTuple):
    """A line of the criteria table: a criterion's number, id and check, and its group."""

    number: int
    id: str
    check: Check
    group: Group = "inclusion"
    title: str | None = None


def criteria_table(ctx: Context) -> list[Row]:
    """The inclusion criteria (CRITERIA), then the protocol file's exclusion criteria."""
    exclusions = [Row(q.criterion, q.id, exclusion_check(q), "exclusion", q.exclusion.title)
                  for q in questions(ctx) if q.group == "exclusion"]
    return [Row(*row) for row in CRITERIA] + exclusions


def judge(row: Row, a: Answers, ctx: Context) -> CriterionResult:
    common = {"number": row.number, "id": row.id, "group": row.group, "title": row.title}
    try:
        status, value, reason = row.check(a, ctx)
    except Missing:
        return CriterionResult(**common, status="missing", reason=REASON("not_answered"))
    return CriterionResult(**common, status=status, value=value, reason=reason)


INCLUSION_RANGE = (CRITERIA[0][0], CRITERIA[-1][0])  # "inclusion criteria 1-11"


def summary(status: str, protocol: Protocol) -> Reason | None:
    """What an eligible verdict rests on, and (always) that no exclusion criteria are
    configured when the protocol file has none: the rest of the protocol is checked by hand."""
    first, last = INCLUSION_RANGE
    count = len(protocol.eligibility.exclusions)
    if status == "eligible":
        return REASON("summary.eligible" if count else "summary.eligible_unconfigured",
                      first=first, last=last, count=count)
    return None if count else REASON("summary.unconfigured")


def screening_valid_until(screened_on: date, protocol: Protocol) -> date:
    """The last day a screening done on `screened_on` may be enrolled: `screening_valid_days`
    later (28 days: screened on 1 March, enrolled up to 29 March)."""
    return screened_on + timedelta(days=protocol.eligibility.screening_valid_days)


def computed_values(a: Answers, ctx: Context) -> dict[str, Reason]:
    """Values the bot computed, shown with the verdict, by a key of COMPUTED."""
    shown: dict[str, Reason] = {}
    try:
        total, clinical = sledai_totals(a, ctx)
        shown["sledai"] = REASON("value.number", value=total)
        shown["clinical_sledai"] = REASON("value.number", value=clinical)
    except Missing:
        pass
    clearance = creatinine_clearance(a)
    if clearance is not None:
        shown["creatinine_clearance"] = REASON("value.quantity", value=clearance, unit="mL/min")
    if a.get("glucocorticoid_drug") and a.get("glucocorticoid_dose") is not None:
        equivalent = prednisone_equivalent(a["glucocorticoid_drug"], a["glucocorticoid_dose"])
        shown["prednisone_equivalent"] = REASON("value.quantity", value=equivalent,
                                                unit="mg/day")
    for lab in ULN_SHOWN:
        if a.get(lab) is not None:
            times = a[lab] / ctx.upper_limits.of(lab, a.get("sex"))
            shown[f"{lab}_uln"] = REASON("value.number", value=times)
    return shown


def assess(answers: Answers, ctx: Context) -> Verdict:
    """The full per-criterion verdict for the answers given so far."""
    relevant = {q.id for q in applicable(answers, ctx)}
    current = {k: v for k, v in answers.items() if k in relevant}
    results = [judge(row, current, ctx) for row in criteria_table(ctx)]
    missing = [q for q in relevant if q not in current]
    if any(r.status == "not_met" for r in results):
        status = "not_eligible"
    elif any(r.status == "missing" for r in results) or missing:
        status = "incomplete"
    else:
        status = "eligible"
    ordered_missing = [q.id for q in applicable(current, ctx) if q.id in missing]
    return Verdict(status=status, criteria=results, computed=computed_values(current, ctx),
                   missing_questions=ordered_missing, summary=summary(status, ctx.protocol))
