"""The screening questions as data, and reading an answer to one of them.

Each question has an id, an answer kind, its unit (through an analyte of `domain.units`), the
inclusion criterion it serves and a condition saying when it applies. The chat asks the first
applicable unanswered question, so a screening resumes from what is stored. Question wording
lives with the chat texts (handlers), keyed by the question id.

After the inclusion questions (QUESTIONS) come the protocol file's exclusion criteria, one
question each ("exclusion_<id>"), worded by the protocol file itself: `questions(ctx)` is the
whole list a screening asks.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from domain.protocol import Exclusion, Protocol
from domain.reasons import Codes, ReasonError
from domain.scores import (
    EULAR_ACR_2019_ITEMS,
    PREDNISONE_5MG_EQUIVALENT,
    SLEDAI_DESCRIPTORS,
    SLEDAI_MAX,
    excluded_points,
    sledai_pair_problem,
)
from domain.site import UpperLimits
from domain.typed import half_width
from domain.units import Analyte, QuantityError, format_number, parse_quantity, single_unit

Answers = Mapping[str, Any]
Kind = Literal["yes_no", "choice", "number", "grade", "multi"]
Group = Literal["inclusion", "exclusion"]
EXCLUSION_PREFIX = "exclusion_"  # the question id of exclusion criterion "hiv" is "exclusion_hiv"

YES_NO = ("yes", "no")
BILAG_GRADES = ("A", "B", "C", "D", "E")
BILAG_SYSTEMS = (
    "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
    "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological",
)


@dataclass(frozen=True)
class Context:
    """What besides the answers decides which questions apply."""

    protocol: Protocol
    upper_limits: UpperLimits


Condition = Callable[[Answers, Context], bool]


def always(answers: Answers, ctx: Context) -> bool:
    return True


def answered(question_id: str, *values: Any) -> Condition:
    def condition(answers: Answers, ctx: Context) -> bool:
        return answers.get(question_id) in values
    condition.__name__ = f"{question_id} in {values}"
    return condition


def both(first: Condition, second: Condition) -> Condition:
    return lambda answers, ctx: first(answers, ctx) and second(answers, ctx)


def above_limit(lab: str) -> Condition:
    """True when a lab fails its protocol limit: the alternative question applies."""
    def condition(answers: Answers, ctx: Context) -> bool:
        value = answers.get(lab)
        if value is None:
            return False
        rule = ctx.protocol.eligibility.labs[lab]
        uln = ctx.upper_limits.of(lab, answers.get("sex")) if rule.kind == "uln" else 1.0
        return not rule.passes(rule.compared(value, uln))
    return condition


@dataclass(frozen=True)
class Question:
    id: str
    kind: Kind
    criterion: int  # its number among the inclusion (or, group "exclusion", exclusion) criteria
    options: tuple[str, ...] = ()
    analyte: str | Analyte | None = None
    applies: Condition = always
    group: Group = "inclusion"
    exclusion: Exclusion | None = None  # the protocol's exclusion criterion it asks (its words)

    @property
    def choices(self) -> tuple[str, ...]:
        return {"yes_no": YES_NO, "grade": BILAG_GRADES}.get(self.kind, self.options)


female = answered("sex", "female")
male = answered("sex", "male")
childbearing = both(female, answered("childbearing_potential", "yes"))
fertile_man = both(male, answered("reproductive_potential", "yes"))
computing_2019 = answered("sle_criteria", "compute_2019")
on_glucocorticoid = answered("glucocorticoid", "yes")


def _number(qid: str, criterion: int, analyte: str, applies: Condition = always) -> Question:
    return Question(qid, "number", criterion, analyte=analyte, applies=applies)


def _yes_no(qid: str, criterion: int, applies: Condition = always) -> Question:
    return Question(qid, "yes_no", criterion, applies=applies)


QUESTIONS: tuple[Question, ...] = (
    _yes_no("consent", 1),
    _number("age", 2, "age"),
    Question("sex", "choice", 2, options=("female", "male")),
    Question("sle_criteria", "choice", 3,
             options=("eular_acr_2019", "slicc_2012", "compute_2019", "neither")),
    _yes_no("ana_entry", 3, computing_2019),
    Question("eular_items", "multi", 3, options=tuple(EULAR_ACR_2019_ITEMS),
             applies=both(computing_2019, answered("ana_entry", "yes"))),
    _yes_no("glucocorticoid", 4),
    _yes_no("immunosuppressant", 4),
    _yes_no("biologic", 4),
    _number("treatment_months", 4, "months"),
    _number("stable_weeks", 4, "weeks"),
    _yes_no("still_active", 4),
    Question("glucocorticoid_drug", "choice", 4, options=tuple(PREDNISONE_5MG_EQUIVALENT),
             applies=on_glucocorticoid),
    _number("glucocorticoid_dose", 4, "steroid_mg", on_glucocorticoid),
    _yes_no("ana", 5),
    _yes_no("anti_dsdna", 5),
    _yes_no("anti_sm", 5),
    Question("sledai_mode", "choice", 6, options=("descriptors", "totals")),
    Question("sledai_descriptors", "multi", 6, options=tuple(SLEDAI_DESCRIPTORS),
             applies=answered("sledai_mode", "descriptors")),
    _number("sledai_total", 6, "sledai", answered("sledai_mode", "totals")),
    _number("clinical_sledai_total", 6, "sledai", answered("sledai_mode", "totals")),
    *(Question(f"bilag_{system}", "grade", 7) for system in BILAG_SYSTEMS),
    _number("pga", 8, "pga"),
    _number("alt", 9, "alt"),
    _number("ast", 9, "ast"),
    _number("bilirubin", 9, "bilirubin"),
    _yes_no("gilbert", 9, above_limit("bilirubin")),
    _number("creatinine", 9, "creatinine"),
    _number("weight", 9, "weight", above_limit("creatinine")),
    _number("neutrophils", 9, "neutrophils"),
    _number("haemoglobin", 9, "haemoglobin"),
    _number("platelets", 9, "platelets"),
    _number("lymphocytes", 9, "lymphocytes"),
    _number("inr", 9, "inr"),
    _number("pt", 9, "pt", above_limit("inr")),
    _number("spo2", 9, "spo2"),
    _number("lvef", 9, "lvef"),
    _yes_no("childbearing_potential", 10, female),
    _yes_no("pregnancy_test_negative", 10, childbearing),
    _yes_no("contraception_consent", 11, childbearing),
    _yes_no("reproductive_potential", 11, male),
    _yes_no("barrier_contraception_consent", 11, fertile_man),
)
QUESTION_BY_ID = {q.id: q for q in QUESTIONS}  # the inclusion questions


def exclusion_question(number: int, exclusion: Exclusion) -> Question:
    """The question of the protocol's exclusion criterion `number` (1, 2, ...)."""
    analyte = None
    if exclusion.kind == "number":
        analyte = single_unit(exclusion.unit, exclusion.plausible, format_number(exclusion.limit))
    applies = answered("sex", exclusion.sex) if exclusion.sex else always
    return Question(EXCLUSION_PREFIX + exclusion.id, exclusion.kind, number, analyte=analyte,
                    applies=applies, group="exclusion", exclusion=exclusion)


def questions(ctx: Context) -> tuple[Question, ...]:
    """Every question a screening may ask: the inclusion questions, then the exclusions."""
    exclusions = ctx.protocol.eligibility.exclusions
    return QUESTIONS + tuple(exclusion_question(n, e) for n, e in enumerate(exclusions, 1))


def question_by_id(ctx: Context, question_id: str) -> Question | None:
    if question_id in QUESTION_BY_ID:
        return QUESTION_BY_ID[question_id]
    return next((q for q in questions(ctx) if q.id == question_id), None)


def applicable(answers: Answers, ctx: Context) -> list[Question]:
    return [q for q in questions(ctx) if q.applies(answers, ctx)]


def next_question(answers: Answers, ctx: Context) -> Question | None:
    """The first question that applies and has no answer yet; None when all are answered."""
    return next((q for q in applicable(answers, ctx) if q.id not in answers), None)


def previous_question(answers: Answers, ctx: Context, current: str | None) -> Question | None:
    """The applicable answered question asked before `current` (or the last one answered)."""
    order = applicable(answers, ctx)
    ids = [q.id for q in order]
    stop = ids.index(current) if current in ids else len(ids)
    earlier = [q for q in order[:stop] if q.id in answers]
    return earlier[-1] if earlier else None


# Why an answer is refused (a typed quantity refused says its own reason, from domain.units).
REASON = Codes("answer", "choose_one", "unknown_items", "clinical_above_total",
               "clinical_above_most", "difference_above_excluded")
CODES = REASON.all


class AnswerError(ReasonError):
    """An answer that cannot be taken; `.reason` tells the coordinator what to do."""


@dataclass(frozen=True)
class Answer:
    value: Any           # normalised: canonical unit, option id, list of option ids
    entered: str         # as typed or pressed
    unit: str | None = None


_TYPED = {"y": "yes", "n": "no", "yes": "yes", "no": "no", "是": "yes", "否": "no",
          "是的": "yes", "不是": "no"}
_TYPED_CHOICES = {"男": "male", "女": "female", "男性": "male", "女性": "female"}


def read_answer(question: Question, given: str | Sequence[str], answers: Answers,
                ctx: Context | None = None) -> Answer:
    """Check and normalise one answer. Raises AnswerError with the reason to show. With `ctx`,
    a clinical SLEDAI-2K is checked against what the protocol's excluded items allow."""
    if question.kind == "multi":
        return _read_multi(question, given)
    text = str(given).strip()
    if question.kind == "number":
        return _read_number(question, text, answers, ctx)
    plain = half_width(text)
    choice = _TYPED.get(plain.lower(), plain) if question.kind == "yes_no" \
        else _TYPED_CHOICES.get(plain, plain)
    if question.kind == "grade":
        choice = plain.upper()
    if choice not in question.choices:
        raise AnswerError(REASON("choose_one", choices=list(question.choices)))
    return Answer(choice, text)


def _read_multi(question: Question, given: str | Sequence[str]) -> Answer:
    chosen = [given] if isinstance(given, str) else list(given)
    unknown = [item for item in chosen if item not in question.options]
    if unknown:
        raise AnswerError(REASON("unknown_items", items=unknown))
    ordered = [item for item in question.options if item in chosen]
    return Answer(ordered, ", ".join(ordered) or "none")


def _read_number(question: Question, text: str, answers: Answers,
                 ctx: Context | None) -> Answer:
    try:
        quantity = parse_quantity(question.analyte, text)
    except QuantityError as exc:
        raise AnswerError(exc.reason) from exc
    if question.id == "clinical_sledai_total":
        _check_sledai_pair(answers.get("sledai_total"), quantity.value, ctx)
    return Answer(quantity.value, text, quantity.unit)


def _check_sledai_pair(total: float | None, clinical: float, ctx: Context | None) -> None:
    """A clinical SLEDAI-2K that cannot go with the total entered before it is refused: above
    the total, above what the other descriptors can add, or so far below the total that the
    excluded (urine and laboratory) descriptors could not make up the difference. Without the
    protocol (`ctx` None) only the first is known."""
    if total is None:
        return
    if ctx is None:
        problem = "clinical_above_total" if clinical > total else None
        excluded: tuple[str, ...] = ()
    else:
        excluded = ctx.protocol.eligibility.clinical_sledai_excludes
        problem = sledai_pair_problem(total, clinical, excluded)
    if problem:
        raise AnswerError(REASON(problem, **sledai_pair_params(problem, total, clinical,
                                                               excluded)))


def sledai_pair_params(problem: str, total: float, clinical: float,
                       excluded: tuple[str, ...]) -> dict[str, Any]:
    """What the reason for an impossible pair says (the same for the answer and the verdict)."""
    most = excluded_points(excluded)
    return {
        "clinical_above_total": {"clinical": clinical, "total": total},
        "clinical_above_most": {"clinical": clinical, "most": SLEDAI_MAX - most,
                                "excluded": most},
        "difference_above_excluded": {"clinical": clinical, "total": total,
                                      "difference": total - clinical, "excluded": most},
    }[problem]
