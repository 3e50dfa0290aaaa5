"""The screening questions as data, and reading an answer to one of them.

Each question has an id, an answer kind, its unit (through an analyte of `domain.units`), the
inclusion criterion it serves and a condition saying when it applies. The chat asks the first
applicable unanswered question, so a screening resumes from what is stored. Question wording
lives with the chat texts (handlers), keyed by the question id.

Questions are grouped in sections, as a coordinator reads the source documents (the candidate,
the treatment history, serology, disease activity, laboratory values, organ function,
reproduction, then the protocol's exclusion criteria). Within a section:
- one typed message may carry several answers named by their labels ("ALT 48 AST 35 TBIL 16.8
  umol/L", "45 F", "6 months, stable 4 weeks"): `split_entries`;
- the questions of a grid (serology, BILAG-2004) are shown together, one row each, and BILAG's
  "all others D/E" answers the rest at once (GRID_REST);
- a question that only opens a branch is asked together with the branch's first question
  (MERGED): pressing a glucocorticoid's name answers "on a glucocorticoid?" with yes too.

After the inclusion questions (QUESTIONS) come the protocol file's exclusion criteria, one
question each ("exclusion_<id>"), worded by the protocol file itself: `questions(ctx)` is the
whole list a screening asks.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NamedTuple

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
from domain.site import LabUnits, UpperLimits
from domain.typed import half_width
from domain.units import Analyte, QuantityError, format_number, parse_quantity, single_unit

Answers = Mapping[str, Any]
Kind = Literal["yes_no", "choice", "number", "grade", "multi"]
Group = Literal["inclusion", "exclusion"]
EXCLUSION_PREFIX = "exclusion_"  # the question id of exclusion criterion "hiv" is "exclusion_hiv"

YES_NO = ("yes", "no")
BILAG_GRADES = ("A", "B", "C", "D", "E")
NOT_ACTIVE = "D/E"  # a BILAG-2004 grade given as "D or E": neither active (A, B) nor C
BILAG_SYSTEMS = (
    "constitutional", "mucocutaneous", "neuropsychiatric", "musculoskeletal",
    "cardiorespiratory", "gastrointestinal", "ophthalmic", "renal", "haematological",
)
SECTIONS = ("candidate", "treatment", "serology", "disease_activity", "laboratory",
            "organ_function", "reproduction", "exclusions")


@dataclass(frozen=True)
class Context:
    """What besides the answers decides which questions apply (and how a bare number reads)."""

    protocol: Protocol
    upper_limits: UpperLimits
    lab_units: LabUnits = field(default_factory=LabUnits)


# --- when a question applies --------------------------------------------------------------------

class Condition:
    """When a question applies, given the answers so far. `may` says whether it could still
    apply once the answers it depends on are given (to count the questions left)."""

    def __call__(self, answers: Answers, ctx: Context) -> bool:
        raise NotImplementedError

    def may(self, answers: Answers, ctx: Context) -> bool:
        return self(answers, ctx)


class Always(Condition):
    def __call__(self, answers: Answers, ctx: Context) -> bool:
        return True


@dataclass(frozen=True)
class Answered(Condition):
    """The question `question_id` was answered with one of `values`."""

    question_id: str
    values: tuple[Any, ...]

    def __call__(self, answers: Answers, ctx: Context) -> bool:
        return answers.get(self.question_id) in self.values

    def may(self, answers: Answers, ctx: Context) -> bool:
        return self.question_id not in answers or self(answers, ctx)


@dataclass(frozen=True)
class Both(Condition):
    first: Condition
    second: Condition

    def __call__(self, answers: Answers, ctx: Context) -> bool:
        return self.first(answers, ctx) and self.second(answers, ctx)

    def may(self, answers: Answers, ctx: Context) -> bool:
        return self.first.may(answers, ctx) and self.second.may(answers, ctx)


@dataclass(frozen=True)
class AboveLimit(Condition):
    """A lab fails its protocol limit: the alternative question applies."""

    lab: str

    def __call__(self, answers: Answers, ctx: Context) -> bool:
        value = answers.get(self.lab)
        if value is None:
            return False
        rule = ctx.protocol.eligibility.labs[self.lab]
        uln = ctx.upper_limits.of(self.lab, answers.get("sex")) if rule.kind == "uln" else 1.0
        return not rule.passes(rule.compared(value, uln))

    def may(self, answers: Answers, ctx: Context) -> bool:
        return self.lab not in answers or self(answers, ctx)


always = Always()


def answered(question_id: str, *values: Any) -> Answered:
    return Answered(question_id, values)


def both(first: Condition, second: Condition) -> Both:
    return Both(first, second)


def above_limit(lab: str) -> AboveLimit:
    return AboveLimit(lab)


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
    section: str = "exclusions"  # one of SECTIONS
    grid: str | None = None  # questions of one grid are shown together, a row each

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


def _yes_no(qid: str, criterion: int, applies: Condition = always,
            grid: str | None = None) -> Question:
    return Question(qid, "yes_no", criterion, applies=applies, grid=grid)


def _in_sections(*sections: tuple[str, tuple[Question, ...]]) -> tuple[Question, ...]:
    return tuple(replace(q, section=name) for name, asked in sections for q in asked)


QUESTIONS: tuple[Question, ...] = _in_sections(
    ("candidate", (
        _yes_no("consent", 1),
        _number("age", 2, "age"),
        Question("sex", "choice", 2, options=("female", "male")),
        Question("sle_criteria", "choice", 3,
                 options=("eular_acr_2019", "slicc_2012", "compute_2019", "neither")),
        _yes_no("ana_entry", 3, computing_2019),
        Question("eular_items", "multi", 3, options=tuple(EULAR_ACR_2019_ITEMS),
                 applies=both(computing_2019, answered("ana_entry", "yes"))),
    )),
    ("treatment", (  # each drug with its dose, then the combination's course
        _yes_no("glucocorticoid", 4),
        Question("glucocorticoid_drug", "choice", 4, options=tuple(PREDNISONE_5MG_EQUIVALENT),
                 applies=on_glucocorticoid),
        _number("glucocorticoid_dose", 4, "steroid_mg", on_glucocorticoid),
        _yes_no("immunosuppressant", 4),
        _yes_no("biologic", 4),
        _number("treatment_months", 4, "months"),
        _number("stable_weeks", 4, "weeks"),
        _yes_no("still_active", 4),
    )),
    ("serology", (
        _yes_no("ana", 5, grid="serology"),
        _yes_no("anti_dsdna", 5, grid="serology"),
        _yes_no("anti_sm", 5, grid="serology"),
    )),
    ("disease_activity", (
        Question("sledai_mode", "choice", 6, options=("descriptors", "totals")),
        Question("sledai_descriptors", "multi", 6, options=tuple(SLEDAI_DESCRIPTORS),
                 applies=answered("sledai_mode", "descriptors")),
        _number("sledai_total", 6, "sledai", answered("sledai_mode", "totals")),
        _number("clinical_sledai_total", 6, "sledai", answered("sledai_mode", "totals")),
        *(Question(f"bilag_{system}", "grade", 7, grid="bilag") for system in BILAG_SYSTEMS),
        _number("pga", 8, "pga"),
    )),
    ("laboratory", (
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
    )),
    ("organ_function", (
        _number("spo2", 9, "spo2"),
        _number("lvef", 9, "lvef"),
    )),
    ("reproduction", (
        _yes_no("childbearing_potential", 10, female),
        _yes_no("pregnancy_test_negative", 10, childbearing),
        _yes_no("contraception_consent", 11, childbearing),
        _yes_no("reproductive_potential", 11, male),
        _yes_no("barrier_contraception_consent", 11, fertile_man),
    )),
)
QUESTION_BY_ID = {q.id: q for q in QUESTIONS}  # the inclusion questions

# A question that only opens a branch -> the branch's first question, asked together with it:
# answering the branch answers the opening question with the value that opens the branch.
MERGED = {"glucocorticoid": "glucocorticoid_drug", "sledai_mode": "sledai_descriptors"}
# The grids with an answer for "all the other rows" (BILAG-2004: the rest are D or E).
GRID_REST = {"bilag": NOT_ACTIVE}

# What a coordinator types before a value to name its question ("ALT 48 AST 35"), lower case.
LABELS: dict[str, tuple[str, ...]] = {
    "age": ("age",),
    "glucocorticoid_dose": ("dose",),
    "treatment_months": ("treated", "given", "治疗"),
    "stable_weeks": ("stable", "稳定"),
    "ana": ("ana",),
    "anti_dsdna": ("dsdna", "anti-dsdna", "ds-dna", "anti-ds-dna"),
    "anti_sm": ("sm", "anti-sm"),
    "sledai_total": ("sledai", "sledai-2k"),
    "clinical_sledai_total": ("clinical", "csledai"),
    "pga": ("pga",),
    "alt": ("alt", "sgpt", "gpt"),
    "ast": ("ast", "sgot", "got"),
    "bilirubin": ("tbil", "t-bil", "tbili", "bil", "bili", "bilirubin"),
    "gilbert": ("gilbert",),
    "creatinine": ("cr", "crea", "creat", "creatinine", "scr"),
    "weight": ("weight", "wt", "bw"),
    "neutrophils": ("anc", "neut", "neu", "neutrophils", "gran"),
    "haemoglobin": ("hb", "hgb", "haemoglobin", "hemoglobin"),
    "platelets": ("plt", "plts", "platelets"),
    "lymphocytes": ("lym", "lymph", "lymphs", "alc", "lymphocytes"),
    "inr": ("inr",),
    "pt": ("pt",),
    "spo2": ("spo2", "sao2", "sat"),
    "lvef": ("lvef", "ef"),
}
LABELLED = {label: qid for qid, labels in LABELS.items() for label in labels}
# Typed spellings of options, by option id ("45 F": the candidate's sex).
OPTION_SPELLINGS = {"f": "female", "m": "male", "女": "female", "男": "male", "女性": "female",
                    "男性": "male"}


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


def questions_left(answers: Answers, ctx: Context) -> tuple[int, int]:
    """(at least, at most) how many questions are left: those that apply and are unanswered,
    and besides them those that may yet apply, depending on answers still to come."""
    unanswered = [q for q in questions(ctx) if q.id not in answers]
    least = sum(q.applies(answers, ctx) for q in unanswered)
    return least, sum(q.applies.may(answers, ctx) for q in unanswered)


def section_of(ctx: Context, section: str) -> list[Question]:
    return [q for q in questions(ctx) if q.section == section]


def grid_of(ctx: Context, grid: str) -> list[Question]:
    return [q for q in questions(ctx) if q.grid == grid]


def branch(question: Question, answers: Answers) -> Question | None:
    """The branch asked together with `question` (MERGED), while the branch is unanswered."""
    opened = QUESTION_BY_ID.get(MERGED.get(question.id, ""))
    return opened if opened is not None and opened.id not in answers else None


def implied(question: Question, answers: Answers) -> tuple[str, Any] | None:
    """(opening question, its answer) that answering `question` implies: for a MERGED branch
    while the question that opens it is unanswered."""
    gate = next((g for g, b in MERGED.items() if b == question.id), None)
    if gate is None or gate in answers:
        return None
    condition = question.applies
    assert isinstance(condition, Answered) and len(condition.values) == 1, question.id
    return gate, condition.values[0]


# --- one typed message, several answers ----------------------------------------------------------

class Entry(NamedTuple):
    """A piece of a typed message: the question it answers and the text for it."""

    question: str
    text: str


# ';' and a comma before a space; the Chinese keyboard's ；、 and a ， that is not a decimal comma
# (１２０，５): '6 个月，稳定 4 周'
_SEPARATORS = re.compile(r"[;\n；、]+|,(?=\s)|,$|(?<![0-9０-９])，|，(?![0-9０-９])")
# a Chinese name written against its value ('稳定4周'): a space is read between them
_NAME_BEFORE_DIGIT = re.compile(r"([\u4e00-\u9fff])(?=[0-9０-９])")
# a label, then a sign ('ANA+') or a value after ':' or '=' ('ALT:48')
_LABELLED_WORD = re.compile(r"^(?P<name>[^:=]+?)(?P<sign>[+\-−])?(?:[:=](?P<tail>.*))?$", re.S)


def split_entries(text: str, shown: Question, ctx: Context, unnamed: bool = True) -> list[Entry]:
    """The answers one typed message carries: a value without a name answers the question
    shown (unless `unnamed` is False: a grid's rows are answered by name or by button); a value
    after a label (LABELS) answers the labelled question; an option's spelling ("F") answers its
    question of the shown section. Raises AnswerError when two values have no name or one
    question is named twice (nothing is guessed)."""
    words = _NAME_BEFORE_DIGIT.sub(r"\1 ", _SEPARATORS.sub(" ", text)).split()
    options = {word: q.id for q in section_of(ctx, shown.section) if q.kind == "choice"
               for word, option in OPTION_SPELLINGS.items() if option in q.options}
    entries: list[list[str]] = []   # [question, value words...]
    head: list[str] | None = None   # the unnamed value, for the question shown
    current: list[str] | None = None
    for word in words:
        match = _LABELLED_WORD.match(word.lower())
        name = match["name"] if match else ""
        if name in LABELLED:
            current = [LABELLED[name], *filter(None, [match["sign"], match["tail"]])]
            entries.append(current)
            current = None if match["sign"] else current
        elif word.lower() in options:
            entries.append([options[word.lower()], word])
            current = None
        elif current is not None:
            current.append(word)
        elif not unnamed:
            raise AnswerError(REASON("press_rows"))
        elif head is None:
            head = [shown.id, word]
            entries.append(head)
            current = head
        else:
            raise AnswerError(REASON("unnamed_values"))
    named = [entry[0] for entry in entries]
    twice = sorted({qid for qid in named if named.count(qid) > 1})
    if twice:
        raise AnswerError(REASON("named_twice", count=len(twice)))
    return [Entry(entry[0], " ".join(entry[1:])) for entry in entries] or [Entry(shown.id, text)]


# Why an answer is refused (a typed quantity refused says its own reason, from domain.units).
REASON = Codes("answer", "choose_one", "unknown_items", "clinical_above_total",
               "clinical_above_most", "difference_above_excluded", "unnamed_values",
               "named_twice", "press_rows", "other_section", "not_applicable")
CODES = REASON.all


class AnswerError(ReasonError):
    """An answer that cannot be taken; `.reason` tells the coordinator what to do."""


@dataclass(frozen=True)
class Answer:
    value: Any           # normalised: canonical unit, option id, list of option ids
    entered: str         # as typed or pressed
    unit: str | None = None


_TYPED = {"y": "yes", "n": "no", "yes": "yes", "no": "no", "是": "yes", "否": "no",
          "是的": "yes", "不是": "no",
          # a test result ('ANA+', 'Sm neg')
          "+": "yes", "pos": "yes", "positive": "yes", "-": "no", "−": "no", "neg": "no",
          "negative": "no"}


def read_answer(question: Question, given: str | Sequence[str], answers: Answers,
                ctx: Context | None = None) -> Answer:
    """Check and normalise one answer. Raises AnswerError with the reason to show. With `ctx`,
    a clinical SLEDAI-2K is checked against what the protocol's excluded items allow."""
    if question.kind == "multi":
        return _read_multi(question, given)
    text = str(given).strip()
    if question.kind == "number":
        return _read_number(question, text, answers, ctx)
    choice = _choice(question, half_width(text))
    if choice is None:
        raise AnswerError(REASON("choose_one", choices=list(question.choices)))
    return Answer(choice, text)


def _choice(question: Question, text: str) -> str | None:
    """The option `text` names: its id in any case, a typed spelling ('F', 'pos'), or for a
    BILAG grade also NOT_ACTIVE ('D/E')."""
    typed = text.lower()
    if question.kind == "yes_no":
        typed = _TYPED.get(typed, typed)
    if question.kind == "grade":
        return text.upper() if text.upper() in (*question.choices, NOT_ACTIVE) else None
    typed = OPTION_SPELLINGS.get(typed, typed)
    return next((option for option in question.choices if option.lower() == typed), None)


def _read_multi(question: Question, given: str | Sequence[str]) -> Answer:
    chosen = [given] if isinstance(given, str) else list(given)
    unknown = [item for item in chosen if item not in question.options]
    if unknown:
        raise AnswerError(REASON("unknown_items", items=unknown))
    ordered = [item for item in question.options if item in chosen]
    return Answer(ordered, ", ".join(ordered) or "none")


def _read_number(question: Question, text: str, answers: Answers,
                 ctx: Context | None) -> Answer:
    site_unit = ctx.lab_units.of(question.analyte) if ctx is not None else None
    try:
        quantity = parse_quantity(question.analyte, text, site_unit)
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
