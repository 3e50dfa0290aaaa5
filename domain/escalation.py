"""The 3+3 dose-escalation rules of RD06-04, as in shared/reference/three-plus-three.md.

A history is every participant in enrolment order, each with a dose level and the outcome of
their DLT window as known today. `decide` replays it step by step, refusing (HistoryError) an
enrolment the design could not have asked for at the time, and says what the design asks now.

How a history is judged: an outcome may have become known after later participants were
enrolled, so an enrolment is valid when some moment existed at which the outcomes known then
made the design ask for it. The replay reveals outcomes as late as possible: a not-evaluable
participant frees their place at once (that never decides a step), and the outcomes at the level
under evaluation are revealed only when the next enrolment needs that level's decision.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel

from domain.protocol import Protocol

__all__ = [
    "Alert",
    "AlertKind",
    "Decision",
    "Enrolment",
    "HistoryError",
    "LevelSummary",
    "Outcome",
    "decide",
    "format_history",
    "new_alerts",
    "outcome_on",
    "parse_history",
]


class Outcome(StrEnum):
    """A participant's DLT window, as known today (the letters of an outcome string)."""

    NO_DLT = "N"
    DLT = "T"
    PENDING = "P"  # enrolled, DLT window still open
    NOT_EVALUABLE = "X"  # left before the window ended without a DLT: replaced


N, T, P, X = Outcome.NO_DLT, Outcome.DLT, Outcome.PENDING, Outcome.NOT_EVALUABLE


class Enrolment(BaseModel, frozen=True):
    """One participant. Case-expansion participants are not DLT-evaluated."""

    dose_level: int
    outcome: Outcome
    expansion: bool = False


class HistoryError(ValueError):
    """A history the protocol forbids; the message says which participant and why."""


def outcome_on(
    *, has_dlt: bool, withdrawn_on: date | None, dlt_window_end: date, today: date
) -> Outcome:
    """The outcome of one participant's DLT window as known on `today`. `dlt_window_end` is
    the window's last day: the participant is still observed on it."""
    if has_dlt:
        return T
    if withdrawn_on is not None and withdrawn_on < dlt_window_end:
        return X
    if today <= dlt_window_end:
        return P
    return N


# --- outcome strings ----------------------------------------------------------------------

EXPANSION_MARK = "+"  # "+2NN": two case-expansion participants at DL2 (a trialbot addition)
_PIECE = re.compile(r"(?P<mark>\+?)(?P<level>\d*)(?P<letters>[^\d+]*)")


def parse_history(text: str) -> list[Enrolment]:
    """Read an outcome string such as "1NNT 1NNN 2NTT" (letters N, T, P, X; "+2NN" expansion).

    Only the syntax is checked here; whether the protocol allows the history is `decide`'s job.
    """
    return [enrolment for token in text.split() for enrolment in _parse_token(token)]


def _parse_token(token: str) -> list[Enrolment]:
    enrolments: list[Enrolment] = []
    position = 0
    while position < len(token):
        piece = _PIECE.match(token, position)
        if piece is None or piece.end() == position or not piece["level"]:
            raise HistoryError(
                f"cannot read {token!r}: a cohort is a dose level number followed by one letter"
                " per participant, as in 1NNT"
            )
        if not piece["letters"]:
            raise HistoryError(
                f"cannot read {token!r}: dose level {piece['level']} is not followed by any"
                " outcome letter (N, T, P or X)"
            )
        for letter in piece["letters"]:
            try:
                outcome = Outcome(letter.upper())
            except ValueError:
                raise HistoryError(
                    f"unknown outcome letter {letter!r} in {token!r}: use N (no DLT), T (DLT),"
                    " P (DLT window still open) or X (not evaluable)"
                ) from None
            enrolments.append(
                Enrolment(
                    dose_level=int(piece["level"]), outcome=outcome, expansion=bool(piece["mark"])
                )
            )
        position = piece.end()
    return enrolments


def format_history(enrolments: Iterable[Enrolment], cohort_size: int = 3) -> str:
    """The outcome string of a history: consecutive participants at one level are written as
    cohorts of at most `cohort_size` letters ("1NNT 1NNN 2NTT"); parse_history reads it back."""
    tokens: list[str] = []
    run_key: tuple[int, bool] | None = None
    letters = 0
    for enrolment in enrolments:
        key = (enrolment.dose_level, enrolment.expansion)
        if key != run_key or letters == cohort_size:
            mark = EXPANSION_MARK if enrolment.expansion else ""
            tokens.append(f"{mark}{enrolment.dose_level}")
            run_key, letters = key, 0
        tokens[-1] += enrolment.outcome.value
        letters += 1
    return " ".join(tokens)


# --- the answer ---------------------------------------------------------------------------

AlertKind = Literal[
    "cohort-must-expand",
    "dose-exceeds-mtd",
    "de-escalate",
    "escalation-allowed",
    "mtd-declared",
    "no-tolerated-dose",
    "top-dose-cleared",
    "intermediate-dose-may-be-chosen",
    "cap-reached",
]
Action = Literal[
    "enroll", "expand", "escalate", "de-escalate", "wait",
    "mtd", "top-dose-cleared", "no-tolerated-dose",
]


class Alert(BaseModel, frozen=True):
    """Something the investigators must be told; identify it by (kind, dose_level)."""

    kind: AlertKind
    dose_level: int | None
    message: str


class LevelSummary(BaseModel, frozen=True):
    """One dose level. Counts are of DLT-evaluation participants, except `enrolled`, which
    counts everyone at the level, and `expansion`, the case-expansion participants."""

    level: int
    label: str
    enrolled: int
    evaluable: int
    dlts: int
    pending: int
    not_evaluable: int
    expansion: int
    status: str  # "not opened", "under evaluation", "cleared", "exceeds MTD", "MTD"


class Decision(BaseModel, frozen=True):
    """What the 3+3 design asks for now (see the reference for each field)."""

    action: Action
    next_dose: int | None
    complete: bool
    mtd: int | None
    recommended_dose: int | None
    current_dose: int | None
    open_places: int
    places_under_cap: int
    pending: int
    per_level: list[LevelSummary]
    alerts: list[Alert]
    reason: str
    earliest_next_infusion: date | None = None

    def as_json_summary(self) -> dict:
        return self.model_dump(mode="json")


def new_alerts(before: Decision | None, after: Decision) -> list[Alert]:
    """The alerts of `after` that `before` did not raise (compared by kind and dose level)."""
    seen = {(alert.kind, alert.dose_level) for alert in before.alerts} if before else set()
    return [alert for alert in after.alerts if (alert.kind, alert.dose_level) not in seen]


# --- the design ---------------------------------------------------------------------------

END_STATES = ("mtd", "top-dose-cleared", "no-tolerated-dose")


@dataclass(frozen=True)
class _Step:
    """The step in progress (kind, level under evaluation, evaluable participants it fills the
    level to), or an end state (kind, the dose it names: MTD, cleared top dose, or None)."""

    kind: str
    level: int | None
    target: int = 0

    @property
    def ended(self) -> bool:
        return self.kind in END_STATES


@dataclass(frozen=True)
class _Tally:
    """DLT-evaluation participants at one level, outcomes as the design knows them."""

    evaluable: int
    dlts: int
    pending: int
    not_evaluable: int

    @property
    def places_taken(self) -> int:
        return self.evaluable + self.pending


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _tally_text(tally: _Tally) -> str:
    """'1 DLT in 3 evaluable participants, 1 still in the DLT window'."""
    dlts = "no DLT" if tally.dlts == 0 else _plural(tally.dlts, "DLT")
    if tally.evaluable:
        text = f"{dlts} in {_plural(tally.evaluable, 'evaluable participant')}"
    else:
        text = "no evaluable participant yet"
    if tally.pending:
        text += f", {tally.pending} still in the DLT window"
    if tally.not_evaluable:
        text += f", {tally.not_evaluable} not evaluable (replaced)"
    return text


class _Course:
    """The design replayed over a history, one enrolment at a time."""

    def __init__(self, protocol: Protocol, history: Sequence[Enrolment]):
        self.protocol = protocol
        self.history = history
        self.top = len(protocol.dose_levels)
        self.size = protocol.escalation.cohort_size
        self.full = protocol.escalation.expanded_cohort_size
        self.cap = protocol.escalation.max_participants
        self.known: list[Outcome] = []  # outcome per admitted participant as the design knew it
        self.step = _Step("enroll", 1, self.size)
        self.status: dict[int, str] = {}

    # what the design knows

    def name(self, level: int) -> str:
        if 1 <= level <= self.top:
            return self.protocol.dose_levels[level - 1].label
        return f"DL{level}"

    def evaluated_at(self, level: int) -> list[int]:
        return [
            i for i in range(len(self.known))
            if self.history[i].dose_level == level and not self.history[i].expansion
        ]

    def tally(self, level: int) -> _Tally:
        outcomes = [self.known[i] for i in self.evaluated_at(level)]
        return _Tally(
            evaluable=outcomes.count(N) + outcomes.count(T),
            dlts=outcomes.count(T),
            pending=outcomes.count(P),
            not_evaluable=outcomes.count(X),
        )

    def token(self, level: int) -> str:
        """The level's DLT-evaluation outcomes, '1NNT'."""
        return f"{level}{''.join(self.known[i].value for i in self.evaluated_at(level))}"

    def open_places(self) -> int:
        if self.step.ended:
            return 0
        return max(0, self.step.target - self.tally(self.step.level).places_taken)

    def reveal(self, wanted: Callable[[int], bool]) -> bool:
        """Let the design know today's outcome of the participants `wanted`; True if news."""
        news = False
        for i in range(len(self.known)):
            if self.known[i] is P and self.history[i].outcome is not P and wanted(i):
                self.known[i] = self.history[i].outcome
                news = True
        return news

    # the rules

    def settle(self) -> None:
        """Take every decision the known outcomes allow."""
        while not self.step.ended:
            following = self._decide_level(self.step.level, self.tally(self.step.level))
            if following is None:
                return
            self.step = following

    def _decide_level(self, level: int, tally: _Tally) -> _Step | None:
        if tally.dlts >= 2:
            return self._exceeds(level)
        if tally.evaluable < self.step.target:
            return None
        if self.step.target == self.size and tally.dlts == 1:
            return _Step("expand", level, self.full)
        if self.step.kind == "de-escalate":
            self.status[level] = "MTD"
            return _Step("mtd", level)
        return self._cleared(level)

    def _cleared(self, level: int) -> _Step:
        self.status[level] = "cleared"
        if level == self.top:
            return _Step("top-dose-cleared", level)
        return _Step("escalate", level + 1, self.size)

    def _exceeds(self, level: int) -> _Step:
        self.status[level] = "exceeds MTD"
        if level == 1:
            return _Step("no-tolerated-dose", None)
        lower = level - 1
        if self.tally(lower).evaluable >= self.full:
            self.status[lower] = "MTD"
            return _Step("mtd", lower)
        return _Step("de-escalate", lower, self.full)

    # replaying a history

    def catch_up(self, wanted: Callable[[], bool]) -> bool:
        """Reveal the outcomes at the level under evaluation, as late as possible, until
        `wanted()` holds; False if it never does."""
        while not wanted():
            if self.step.ended or not self.reveal(self._under_evaluation):
                return False
            self.settle()
        return True

    def _under_evaluation(self, i: int) -> bool:
        return self.history[i].dose_level == self.step.level and not self.history[i].expansion

    def admit(self, enrolment: Enrolment) -> None:
        number, level = len(self.known) + 1, enrolment.dose_level
        if not 1 <= level <= self.top:
            levels = ", ".join(self.name(n) for n in range(1, self.top + 1))
            raise HistoryError(
                f"participant {number}: {self.name(level)} does not exist in"
                f" {self.protocol.name} (dose levels {levels})"
            )
        if number > self.cap:
            raise HistoryError(
                f"participant {number} is over the cap: at most {self.cap} participants in"
                f" {self.protocol.name}, dose escalation and case expansion together"
            )
        self.reveal(lambda i: self.history[i].outcome is X)
        self.settle()
        if enrolment.expansion:
            self._check_expansion(number, level)
        else:
            self._check_evaluation(number, level)
        self.known.append(P)

    def _check_evaluation(self, number: int, level: int) -> None:
        evaluated = 1 + sum(self.history[i].outcome is not X for i in self.evaluated_at(level))
        if evaluated > self.full:
            raise HistoryError(
                f"participant {number}: {evaluated} participants evaluated at {self.name(level)}:"
                f" at most {self.full}"
            )
        if not self.catch_up(lambda: self._asks_for(level)):
            raise HistoryError(self._refusal(number, level))

    def _asks_for(self, level: int) -> bool:
        return self.step.level == level and self.open_places() > 0

    def _refusal(self, number: int, level: int) -> str:
        who = f"participant {number} was enrolled at {self.name(level)}"
        step = self.step
        if step.ended:
            return (
                f"{who} for DLT evaluation after dose escalation had ended"
                f" ({self._end_text()}); later participants are case expansion"
                f" (written {EXPANSION_MARK}{level}...)"
            )
        current = self.name(step.level)
        if level == step.level:
            return (
                f"{who} while all {step.target} places at {current} were taken and DLT windows"
                f" were still open ({self.token(level)})"
            )
        if level < step.level:
            return (
                f"{who}, but {self.name(level)} had already been cleared ({self.token(level)});"
                f" the next participants go to {current} ({self._needs()})"
            )
        if self.status.get(level) == "exceeds MTD":
            return (
                f"{who}, but {self.name(level)} exceeds the MTD ({self.token(level)});"
                f" the next participants go to {current}"
            )
        if not self.evaluated_at(step.level):
            if step.level == 1:
                return f"{who}: dose escalation starts at {current}"
            return f"{who}, but dose levels are opened one at a time: the next is {current}"
        return f"{who} while {current} was still undecided ({self._needs()})"

    def _needs(self) -> str:
        if not self.evaluated_at(self.step.level):
            return f"no participant at {self.name(self.step.level)} yet"
        token = self.token(self.step.level)
        if self.open_places() == 0:
            return f"{token}: DLT windows still open"
        needs = {
            "enroll": f"needs {self.size} evaluable participants first",
            "escalate": f"needs {self.size} evaluable participants first",
            "expand": f"needs expansion to {self.full} first",
            "de-escalate": f"needs expansion to {self.full} first (de-escalation)",
        }
        return f"{token} {needs[self.step.kind]}"

    def _end_text(self) -> str:
        texts = {
            "mtd": f"{self.name(self.step.level or 0)} is the MTD",
            "top-dose-cleared": f"the top dose {self.name(self.step.level or 0)} was cleared",
            "no-tolerated-dose": "no dose level is tolerated",
        }
        return texts[self.step.kind]

    def _check_expansion(self, number: int, level: int) -> None:
        who = f"participant {number} is a case-expansion participant at {self.name(level)}"
        if not self.catch_up(lambda: self.step.ended):
            raise HistoryError(
                f"{who}, but dose escalation was not complete"
                f" ({self.name(self.step.level)} was still undecided: {self._needs()})"
            )
        if self.step.level is None:
            raise HistoryError(f"{who}, but {self._end_text()} (DL1 exceeds the MTD)")
        if level > self.step.level:
            raise HistoryError(
                f"{who}, above the dose the design recommends ({self._end_text()})"
            )

    def finish(self) -> None:
        """Everything known today."""
        self.reveal(lambda i: True)
        self.settle()


# --- alerts and reasons -------------------------------------------------------------------


class _Explainer:
    """Plain-English alerts and reasons for the step a replayed course has reached."""

    def __init__(self, course: _Course):
        self.course = course
        self.step = course.step
        self.name = course.name

    def about(self, level: int) -> str:
        return _tally_text(self.course.tally(level))

    def alerts(self) -> list[Alert]:
        level = self.step.level or 1
        per_step: dict[str, Callable[[], list[Alert]]] = {
            "enroll": list,
            "escalate": lambda: [self.escalation_allowed(level)],
            "expand": lambda: [self.must_expand(level)],
            "de-escalate": lambda: [
                self.exceeds(level + 1), self.de_escalate(level), *self.intermediate(level + 1)
            ],
            "mtd": lambda: [
                self.exceeds(level + 1), self.mtd_declared(level), *self.intermediate(level + 1)
            ],
            "top-dose-cleared": lambda: [self.top_cleared(level)],
            "no-tolerated-dose": lambda: [self.exceeds(1), self.no_tolerated_dose()],
        }
        return per_step[self.step.kind]()

    def escalation_allowed(self, level: int) -> Alert:
        cleared = self.name(level - 1)
        return Alert(
            kind="escalation-allowed", dose_level=level,
            message=f"{cleared} cleared: {self.about(level - 1)}. Escalate: enrol the next"
            f" {self.course.size} participants at {self.name(level)}.",
        )

    def must_expand(self, level: int) -> Alert:
        return Alert(
            kind="cohort-must-expand", dose_level=level,
            message=f"{self.name(level)}: {self.about(level)}. Expand {self.name(level)} to"
            f" {self.course.full} participants.",
        )

    def exceeds(self, level: int) -> Alert:
        return Alert(
            kind="dose-exceeds-mtd", dose_level=level,
            message=f"{self.name(level)} exceeds the MTD: {self.about(level)}. {self.then()}",
        )

    def then(self) -> str:
        """What follows a level exceeding the MTD."""
        level = self.step.level or 1
        texts = {
            "de-escalate": f"De-escalate: expand {self.name(level)} to {self.course.full}.",
            "mtd": f"{self.name(level)} has {self.course.full} evaluable participants"
            f" with at most 1 DLT: it is the MTD.",
            "no-tolerated-dose": "There is no lower dose level: no tolerated dose.",
        }
        return texts[self.step.kind]

    def de_escalate(self, level: int) -> Alert:
        return Alert(
            kind="de-escalate", dose_level=level,
            message=f"De-escalate to {self.name(level)}: enrol participants at"
            f" {self.name(level)} until {self.course.full} are evaluable (now"
            f" {self.course.tally(level).evaluable}).",
        )

    def intermediate(self, exceeded: int) -> list[Alert]:
        if exceeded != self.course.top:
            return []
        lower, top = self.name(exceeded - 1), self.name(exceeded)
        return [Alert(
            kind="intermediate-dose-may-be-chosen", dose_level=exceeded,
            message=f"{top}, the highest dose level, exceeds the MTD: the investigators may"
            f" instead choose a dose between {lower} and {top} and evaluate it"
            " (a protocol amendment adds the level).",
        )]

    def mtd_declared(self, level: int) -> Alert:
        return Alert(
            kind="mtd-declared", dose_level=level,
            message=f"{self.name(level)} is the MTD: {self.about(level)};"
            f" {self.name(level + 1)} exceeds the MTD. Dose escalation is complete.",
        )

    def top_cleared(self, level: int) -> Alert:
        return Alert(
            kind="top-dose-cleared", dose_level=level,
            message=f"{self.name(level)}, the highest dose level, cleared: {self.about(level)}."
            " Dose escalation is complete without reaching the MTD; the investigators may"
            " explore a higher dose or start case expansion"
            f" (at most {self.course.cap} participants in total).",
        )

    def no_tolerated_dose(self) -> Alert:
        return Alert(
            kind="no-tolerated-dose", dose_level=1,
            message=f"{self.name(1)}, the lowest dose level, exceeds the MTD: no tolerated dose."
            " Stop dose escalation.",
        )

    def cap_reached(self) -> Alert:
        cap = self.course.cap
        return Alert(
            kind="cap-reached", dose_level=None,
            message=f"{cap} participants enrolled: the cap of {cap} (dose escalation and case"
            " expansion together) is reached. No further enrolment.",
        )

    def reason(self, action: str, open_places: int) -> str:
        level = self.step.level or 1
        here = self.name(level)
        places = f"{_plural(open_places, 'place')} open"
        texts: dict[str, Callable[[], str]] = {
            "enroll": lambda: (
                f"{here}: {self.about(level)}; {places}: enrol the next participant at {here}."
                if self.course.evaluated_at(level)
                else f"No participant yet: dose escalation starts at {here} with"
                f" {self.course.size} participants."
            ),
            "escalate": lambda: (
                f"{self.name(level - 1)} cleared ({self.about(level - 1)}): escalate to {here}"
                f" ({open_places} of {self.course.size} places open)."
            ),
            "expand": lambda: (
                f"{here}: {self.about(level)}: expand {here} to {self.course.full}"
                f" ({places})."
            ),
            "de-escalate": lambda: (
                f"{self.name(level + 1)} exceeds the MTD ({self.about(level + 1)}):"
                f" de-escalate, expanding {here} to {self.course.full} ({places})."
            ),
            "wait": lambda: (
                f"{here}: {self.about(level)}; "
                + (
                    f"{_plural(self.course.open_places(), 'more participant')} needed."
                    if self.course.open_places()
                    else "every place is taken: wait for the DLT windows still open."
                )
            ),
            "mtd": lambda: (
                f"{here} is the MTD: {self.about(level)}; {self.name(level + 1)} exceeds the MTD"
                f" ({self.about(level + 1)})."
            ),
            "top-dose-cleared": lambda: (
                f"{here}, the highest dose level, cleared ({self.about(level)}): dose escalation"
                " is complete without reaching the MTD."
            ),
            "no-tolerated-dose": lambda: (
                f"{self.name(1)}, the lowest dose level, exceeds the MTD ({self.about(1)}):"
                " no tolerated dose; dose escalation stops."
            ),
        }
        return texts[action]()


def _level_summaries(course: _Course) -> list[LevelSummary]:
    current = None if course.step.ended else course.step.level
    summaries = []
    for dose in course.protocol.dose_levels:
        tally = course.tally(dose.level)
        everyone = sum(e.dose_level == dose.level for e in course.history)
        expansion = everyone - len(course.evaluated_at(dose.level))
        if dose.level == current:
            status = "under evaluation"
        else:
            status = course.status.get(dose.level, "not opened")
        summaries.append(LevelSummary(
            level=dose.level, label=dose.label, enrolled=everyone, evaluable=tally.evaluable,
            dlts=tally.dlts, pending=tally.pending, not_evaluable=tally.not_evaluable,
            expansion=expansion, status=status,
        ))
    return summaries


def decide(
    protocol: Protocol, history: Sequence[Enrolment], *, last_infusion: date | None = None
) -> Decision:
    """What the 3+3 design asks for after `history` (enrolment order, outcomes as known today).

    Raises HistoryError for a history the protocol forbids. `pending` counts the participants
    still in their DLT window at the level under evaluation or, once escalation is complete,
    at every level. `last_infusion` (optional) gives `earliest_next_infusion` when the protocol
    staggers infusions.
    """
    history = list(history)
    course = _Course(protocol, history)
    for enrolment in history:
        course.admit(enrolment)
    course.finish()

    step, explain = course.step, _Explainer(course)
    places_under_cap = max(0, course.cap - len(history))
    open_places = min(course.open_places(), places_under_cap)
    action = step.kind if step.ended or open_places else "wait"
    current = None if step.ended else step.level
    if current is None:
        pending = sum(course.tally(level).pending for level in range(1, course.top + 1))
    else:
        pending = course.tally(current).pending
    next_dose = current if open_places else None

    alerts = explain.alerts()
    reason = explain.reason(action, open_places)
    if places_under_cap == 0:
        alerts.append(explain.cap_reached())
        reason += f" The cap of {course.cap} participants is reached: no further enrolment."

    stagger = protocol.escalation.days_between_infusions
    earliest = None
    if stagger and last_infusion is not None and next_dose is not None:
        earliest = last_infusion + timedelta(days=stagger)

    return Decision(
        action=action,
        next_dose=next_dose,
        complete=step.ended,
        mtd=step.level if step.kind == "mtd" else None,
        recommended_dose=step.level,
        current_dose=current,
        open_places=open_places,
        places_under_cap=places_under_cap,
        pending=pending,
        per_level=_level_summaries(course),
        alerts=alerts,
        reason=reason,
        earliest_next_infusion=earliest,
    )
