"""What a screening shows on a phone, without Telegram: a section's card (its answers so far,
how to type several at once, the question or the grid of questions and its buttons as data),
the review before saving, and the list of answers to change from it.

Buttons are (label, callback data) rows, made into a keyboard by handlers/screening.py. Each
button names its screening and question: action:S-004:question[:option].
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.eligibility import CriterionResult, Verdict
from domain.questions import (
    BILAG_GRADES,
    GRID_REST,
    MERGED,
    Question,
    branch,
    grid_of,
    question_by_id,
    questions,
)
from domain.scores import (
    EULAR_ACR_2019_ITEMS,
    SLEDAI_WEIGHTS,
    clinical_sledai_2k,
    eular_acr_2019,
    excluded_points,
    sledai_2k,
)
from domain.units import example
from handlers import wording
from handlers.texts import (
    COMPUTED_NAMES,
    CRITERION_TITLES,
    EULAR_LABELS,
    GRID_PROMPTS,
    MERGED_PROMPTS,
    OPTION_LABELS,
    QUESTION_PROMPTS,
    SECTION_TITLES,
    SHORT_NAMES,
    SLEDAI_LABELS,
    TYPING_HINTS,
)
from handlers.texts import GRID_REST as REST_LABELS
from handlers.texts import SCREENING as T
from storage.usecases.screening import ShownAnswer
from storage.usecases.trial import Trial

Rows = list[list[tuple[str, str]]]
# Computed values the review shows (the ×ULN ratios are in the criteria's own lines).
REVIEW_COMPUTED = ("sledai", "clinical_sledai", "creatinine_clearance", "prednisone_equivalent")


@dataclass
class Card:
    """A question (or a grid of them) as shown: its text, buttons, and the questions a press
    on them may answer."""

    text: str
    rows: Rows
    shown: list[str]


def in_rows(buttons: list[tuple[str, str]], per_row: int) -> Rows:
    return [buttons[i:i + per_row] for i in range(0, len(buttons), per_row)]


def button(action: str, number: str, question: Question, detail: str | None = None) -> str:
    """A question's callback data: what it does, in which screening, to which question."""
    return ":".join([action, number, question.id, *([detail] if detail is not None else [])])


# --- words for questions and answers -----------------------------------------------------------

def prompt_for(trial: Trial, question: Question) -> str:
    """A question's words: the protocol file's own for an exclusion criterion, else the
    catalogue's, filled with what the protocol says (the clinical SLEDAI-2K's excluded items)."""
    if question.exclusion is not None:
        return question.exclusion.question
    excluded = trial.protocol.eligibility.clinical_sledai_excludes
    return QUESTION_PROMPTS[question.id].format(
        count=len(excluded), items=wording.listed(SLEDAI_LABELS[item] for item in excluded),
        points=excluded_points(excluded))


def short_name(question: Question) -> str:
    return question.exclusion.title if question.exclusion is not None else SHORT_NAMES[
        question.id]


def option_label(question: Question, option: str) -> str:
    if question.id == "sledai_descriptors":
        return f"{SLEDAI_LABELS[option]} ({SLEDAI_WEIGHTS[option]})"
    if question.id == "eular_items":
        return f"{EULAR_LABELS[option]} ({EULAR_ACR_2019_ITEMS[option].weight})"
    return OPTION_LABELS.get(option, option)


def option_names(question: Question, options: list[str]) -> str:
    return wording.listed(option_label(question, o) for o in options) or T["none_ticked"]


def shown_value(question: Question, value, entered: str) -> str:
    """A stored answer as the staff see it."""
    if question.kind in ("yes_no", "choice", "grade"):
        return option_label(question, value)
    if question.kind == "multi":
        return option_names(question, value)
    return entered


def answer_value(question: Question, answer: ShownAnswer) -> str:
    """An answer as shown, a number typed without its unit with the unit it was read in
    ('35 U/L')."""
    value = shown_value(question, answer.value, answer.entered)
    bare = answer.entered.strip().replace(",", ".").lstrip("+")
    if question.kind == "number" and answer.unit and _plain_number(bare):
        return f"{value} {wording.term(answer.unit)}"
    return value


def short_answer(trial: Trial, answer: ShownAnswer) -> str:
    """'ALT 35 U/L', 'Sex Female': an answer in a section's line."""
    question = question_by_id(trial.context, answer.question)
    return T["short_answer"].format(name=short_name(question),
                                    value=answer_value(question, answer))


def _plain_number(text: str) -> bool:
    return text.replace(".", "", 1).isdigit()


def running_total(trial: Trial, question: Question, ticked: list[str]) -> str:
    if question.id == "sledai_descriptors":
        excluded = trial.protocol.eligibility.clinical_sledai_excludes
        return T["running_sledai"].format(
            total=sledai_2k(ticked), clinical=clinical_sledai_2k(ticked, excluded))
    return T["running_eular"].format(points=eular_acr_2019(True, ticked).points)


# --- a section's card --------------------------------------------------------------------------

def ids_of(trial: Trial, section: str) -> set[str]:
    return {q.id for q in questions(trial.context) if q.section == section}


def section_line(trial: Trial, section: str, answers: list[ShownAnswer], done: bool = False
                 ) -> str:
    """'Laboratory values: ALT 35 · AST 30', the answers of a section so far."""
    ids = ids_of(trial, section)
    said = {a.question for a in answers}
    given = [short_answer(trial, a) for a in answers if a.question in ids
             and MERGED.get(a.question) not in said]  # the branch's answer says it
    title = SECTION_TITLES[section]
    if done:
        return T["section_done"].format(title=title, answers=" · ".join(given))
    return T["section_answers"].format(title=title, answers=" · ".join(given)) if given else \
        T["section"].format(title=title)


def grid_rows(trial: Trial, number: str, question: Question, answers: dict) -> list[Question]:
    """The rows of the grid `question` belongs to that are still to answer."""
    return [q for q in grid_of(trial.context, question.grid) if q.id not in answers
            and q.section == question.section and q.applies(answers, trial.context)]


def choice_buttons(number: str, question: Question, skip: str | None = None
                   ) -> list[tuple[str, str]]:
    return [(option_label(question, o), button("answer", number, question, o))
            for o in question.choices if o != skip]


def tick_rows(trial: Trial, number: str, question: Question, ticked: list[str]) -> Rows:
    """A multi question's ticks (SLEDAI-2K in two columns) and Done with the running total."""
    buttons = [(("✅ " if o in ticked else "▫️ ") + option_label(question, o),
                button("tick", number, question, o)) for o in question.options]
    per_row = 2 if question.id == "sledai_descriptors" else 1
    done = (T["tick_done"].format(total=running_total(trial, question, ticked)),
            button("done", number, question))
    return [*in_rows(buttons, per_row), [done]]


def question_rows(trial: Trial, number: str, question: Question, answers: dict,
                  ticked: list[str]) -> tuple[Rows, list[str]]:
    """The buttons of the question shown, and the questions they answer: a grid's rows, a
    question with its branch's buttons (MERGED), or the question's own."""
    if question.grid:
        rows = grid_rows(trial, number, question, answers)
        keyboard = [[(short_name(q), button("row", number, q)),
                     *[(option_label(q, o), button("answer", number, q, o)) for o in
                       (BILAG_GRADES if q.kind == "grade" else q.choices)]]
                    for q in rows]
        rest = REST_LABELS.get(question.grid)
        if rest and question.grid in GRID_REST:
            keyboard.append([(rest, f"rest:{number}:{question.grid}")])
        return keyboard, [q.id for q in rows]
    opened = branch(question, answers)
    if opened is not None:
        value = opened.applies.values[0]
        if opened.kind == "multi":
            own = tick_rows(trial, number, opened, ticked)
        else:
            own = in_rows(choice_buttons(number, opened), 2)
        return [*own, choice_buttons(number, question, skip=value)], [question.id, opened.id]
    if question.kind == "number":
        return [], [question.id]
    if question.kind == "multi":
        return tick_rows(trial, number, question, ticked), [question.id]
    per_row = 5 if question.kind == "grade" else 2
    return in_rows(choice_buttons(number, question), per_row), [question.id]


def question_text(trial: Trial, number: str, question: Question, answers: dict) -> str:
    """'S-004 · criterion 9' and the prompt (a grid's, a merged question's, or its own)."""
    if question.grid:
        prompt = GRID_PROMPTS[question.grid]
    elif branch(question, answers) is not None:
        prompt = MERGED_PROMPTS[question.id]
    else:
        prompt = prompt_for(trial, question)
    heading = "exclusion_question" if question.group == "exclusion" else "question"
    text = T[heading].format(number=number, criterion=question.criterion, prompt=prompt)
    if question.kind == "number":
        text += "\n" + T["example"].format(example=example(question.analyte))
    return text


def card(trial: Trial, number: str, question: Question, shown: list[ShownAnswer],
         ticked: list[str], note: str = "") -> Card:
    """The card of the current question: the note (why it is asked again, what was saved, a
    warning), the section's answers so far, how to type several, the question, its buttons."""
    answers = {a.question: a.value for a in shown}
    rows, answers_to = question_rows(trial, number, question, answers, ticked)
    parts = [note, section_line(trial, question.section, shown)]
    hint = TYPING_HINTS.get(question.id, TYPING_HINTS.get(question.section))
    first = not any(a.question in ids_of(trial, question.section) for a in shown)
    if hint and question.kind == "number" and (first or question.id in TYPING_HINTS):
        parts.append(hint)
    parts.append(question_text(trial, number, question, answers))
    head = "\n\n".join(part for part in parts[:1] if part)
    body = "\n".join(parts[1:])
    return Card(f"{head}\n\n{body}" if head else body, rows, answers_to)


# --- the review ---------------------------------------------------------------------------------

def criterion_line(result: CriterionResult) -> str:
    """'4. Prior treatment: why', '9. ALT 35 U/L ...' (the title when the reason does not start
    with it), or for an exclusion criterion 'E2. why' (its reason names it)."""
    reason = wording.say(result.reason)
    if result.group == "exclusion":
        return f"{T['exclusion_number'].format(number=result.number)}. {reason}"
    title = CRITERION_TITLES[result.id]
    return f"{result.number}. {reason}" if reason.startswith(title) else \
        f"{result.number}. {title}: {reason}"


def failure_line(result: CriterionResult) -> str:
    """A failed criterion in the saved screen failure: '9. why', or 'E2. why'."""
    label = (T["exclusion_number"].format(number=result.number) if result.group == "exclusion"
             else result.number)
    return f"{label}. {wording.say(result.reason)}"


def review_text(number: str, verdict: Verdict) -> str:
    """One compact message: the verdict, the criteria failed then met (each with the values
    that decided it), and what the bot computed."""
    lines = [T["verdict_title"].format(number=number, verdict=T["verdict"][verdict.status])]
    if verdict.summary:
        lines.append(wording.say(verdict.summary))
    if verdict.failed:
        lines += [T["failed_title"], *(f"✗ {criterion_line(c)}" for c in verdict.failed)]
    lines += [f"{'✓' if c.status == 'met' else '–'} {criterion_line(c)}"
              for c in verdict.criteria if c.status in ("met", "not_applicable")]
    computed = [f"{COMPUTED_NAMES[key]}: {wording.say(verdict.computed[key])}"
                for key in REVIEW_COMPUTED if key in verdict.computed]
    if computed:
        lines.append(T["computed_line"].format(values=" · ".join(computed)))
    if verdict.missing_questions:
        lines.append(wording.plural(T["missing_title"], len(verdict.missing_questions)).format(
            count=len(verdict.missing_questions)))
    return "\n".join(lines)


def change_rows(trial: Trial, number: str, answers: list[ShownAnswer], version: int) -> Rows:
    """Every answer of a review as a button that asks it again, two a row, and the way back;
    each button names the review (the `version` of its answers) it was made from."""
    buttons = []
    for answer in answers:
        question = question_by_id(trial.context, answer.question)
        label = T["change_button"].format(name=short_name(question),
                                          value=answer_value(question, answer))
        buttons.append((label if len(label) <= 32 else label[:31] + "…",
                        f"edit:{number}:{answer.question}:{version}"))
    return [*in_rows(buttons, 2), [(T["back_to_review"], f"review:{number}")]]
