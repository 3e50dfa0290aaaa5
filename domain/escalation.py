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
from typing import TYPE_CHECKING, Any, Literal, get_args

from domain.design import Design
from domain.reasons import Codes, Reason, ReasonError, jsonable

if TYPE_CHECKING:
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


# The engine's values are frozen stdlib dataclasses, not pydantic models, so that the shell's
# `trialbot escalation` loads no pydantic (the use cases' pydantic results hold them all the same).


@dataclass(frozen=True)
class Enrolment:
    """One participant. Case-expansion participants are not DLT-evaluated."""

    dose_level: int
    outcome: Outcome
    expansion: bool = False

    def __post_init__(self) -> None:  # the engine compares outcomes by identity: "N" -> N
        object.__setattr__(self, "outcome", Outcome(self.outcome))


class HistoryError(ReasonError):
    """A history the protocol forbids; `.reason` says which participant and why."""


def outcome_on(
    *, has_dlt: bool, withdrawn_on: date | None, dlt_window_end: date, today: date,
    evaluated: bool, underdosed: bool = False,
) -> Outcome:
    """The outcome of one participant's DLT window as known on `today`. `dlt_window_end` is
    the window's last day: the participant is still observed on it. The end of the window does
    not make "no DLT" by itself: until an investigator has confirmed the evaluation
    (`evaluated`), the participant stays pending (a DLT may be decided late, e.g. grade 3 CRS
    not improving within 72 h). `underdosed` (less than the protocol's minimum fraction of the
    target dose infused): not evaluable, replaced; a DLT counts all the same."""
    if has_dlt:
        return T
    if underdosed or (withdrawn_on is not None and withdrawn_on < dlt_window_end):
        return X
    if today <= dlt_window_end or not evaluated:
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
            raise HistoryError(HISTORY("unreadable", token=token))
        if not piece["letters"]:
            raise HistoryError(HISTORY("no_letters", token=token, level=piece["level"]))
        for letter in piece["letters"]:
            try:
                outcome = Outcome(letter.upper())
            except ValueError:
                raise HistoryError(
                    HISTORY("unknown_letter", letter=letter, token=token)) from None
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
    "cap-stops-step",
    "escalation-ended-at-cap",
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
    "mtd", "top-dose-cleared", "no-tolerated-dose", "cap-reached",
]
LevelStatus = Literal[
    "not-opened", "under-evaluation", "cleared", "exceeds-mtd", "mtd", "stopped-at-cap",
]
END_STATES = ("mtd", "top-dose-cleared", "no-tolerated-dose")  # the ends the 3+3 rules reach
CAP_REACHED = "cap-reached"  # the end the cap imposes: every place taken, the step unfinished
ENDINGS = (*END_STATES, CAP_REACHED)

# What the design says, as codes said in words by the catalogue (handlers/texts.py): the reason
# for a decision ("escalation.*"), an alert by its kind ("alert.*"), a refused history
# ("history.*").
REASON = Codes(
    "escalation",
    "tally", "tally_none_evaluable", "dlts", "evaluable", "pending", "not_evaluable",
    "reason.start", *(f"reason.{action}" for action in get_args(Action)), "reason.cap_reached",
    "places_left", "participants_needed", "at_cap.level", "at_cap.none",
    *(f"then.{state}" for state in ("de-escalate", "mtd", "no-tolerated-dose")),
)
ALERT = Codes("alert", *get_args(AlertKind))
HISTORY = Codes(
    "history",
    "unreadable", "no_letters", "unknown_letter", "no_such_level", "over_cap",
    "too_many_evaluated", "after_end", "places_taken", "level_cleared", "level_exceeds_mtd",
    "starts_at", "one_at_a_time", "undecided", "expansion_too_early", "expansion_no_dose",
    "expansion_above",
    "needs.nobody", "needs.windows_open", "needs.evaluable", "needs.expansion",
    "needs.de_escalation", *(f"end.{state}" for state in END_STATES),
)
CODES = REASON.all | ALERT.all | HISTORY.all


@dataclass(frozen=True)
class Alert:
    """Something the investigators must be told; identify it by (kind, dose_level). Its words
    are the catalogue's for the reason `alert.<kind>` with `params`."""

    kind: AlertKind
    dose_level: int | None
    params: dict[str, Any]

    @property
    def reason(self) -> Reason:
        return ALERT(self.kind, **self.params)


@dataclass(frozen=True)
class LevelSummary:
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
    status: LevelStatus


@dataclass(frozen=True)
class Decision:
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
    reason: Reason
    earliest_next_infusion: date | None = None

    def as_json_summary(self) -> dict:
        """Every field as JSON (nested reasons as {"code", "params"}, dates as ISO text)."""
        return jsonable(self)


def new_alerts(before: Decision | None, after: Decision) -> list[Alert]:
    """The alerts of `after` that `before` did not raise (compared by kind and dose level)."""
    seen = {(alert.kind, alert.dose_level) for alert in before.alerts} if before else set()
    return [alert for alert in after.alerts if (alert.kind, alert.dose_level) not in seen]


# --- the design ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Step:
    """The step in progress (kind, level under evaluation, evaluable participants it fills the
    level to), or an end state (kind, the dose it names: MTD, cleared top dose, or None)."""

    kind: str
    level: int | None
    target: int = 0

    @property
    def ended(self) -> bool:
        return self.kind in ENDINGS


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


def _tally_reason(tally: _Tally) -> Reason:
    """'1 DLT in 3 evaluable participants, 1 still in the DLT window', as a reason."""
    extras = {"pending": REASON("pending", count=tally.pending),
              "not_evaluable": REASON("not_evaluable", count=tally.not_evaluable)}
    if not tally.evaluable:
        return REASON("tally_none_evaluable", **extras)
    return REASON("tally", dlts=REASON("dlts", count=tally.dlts),
                  evaluable=REASON("evaluable", count=tally.evaluable), **extras)


class _Course:
    """The design replayed over a history, one enrolment at a time."""

    def __init__(self, design: Design, history: Sequence[Enrolment]):
        self.design = design
        self.history = history
        self.top = len(design.labels)
        self.size = design.cohort_size
        self.full = design.expanded_cohort_size
        self.cap = design.max_participants
        self.replaced_take_places = design.replaced_count_toward_cap
        self.uncounted = 0  # admitted participants who take no place under the cap
        self.stopped: _Step | None = None  # the step the cap stopped (end state cap-reached)
        self.known: list[Outcome] = []  # outcome per admitted participant as the design knew it
        self.step = _Step("enroll", 1, self.size)
        self.status: dict[int, LevelStatus] = {}
        # Kept up to date as participants are admitted and outcomes revealed, so that the many
        # questions a replay asks (simulation asks it at every step) are not scans of the history.
        self.evaluated: dict[int, list[int]] = {}  # DLT-evaluation participants per level
        self.tallies: dict[int, _Tally] = {}  # per level, dropped when its outcomes change
        self.hidden: list[int] = []  # admitted, outcome known today but not yet to the design

    # what the design knows

    def name(self, level: int) -> str:
        if 1 <= level <= self.top:
            return self.design.labels[level - 1]
        return f"DL{level}"

    def evaluated_at(self, level: int) -> list[int]:
        """The admitted DLT-evaluation participants at `level` (indices, enrolment order)."""
        return self.evaluated.get(level, [])

    def tally(self, level: int) -> _Tally:
        if level not in self.tallies:
            outcomes = [self.known[i] for i in self.evaluated_at(level)]
            self.tallies[level] = _Tally(
                evaluable=outcomes.count(N) + outcomes.count(T),
                dlts=outcomes.count(T),
                pending=outcomes.count(P),
                not_evaluable=outcomes.count(X),
            )
        return self.tallies[level]

    def token(self, level: int) -> str:
        """The level's DLT-evaluation outcomes, '1NNT'."""
        return f"{level}{''.join(self.known[i].value for i in self.evaluated_at(level))}"

    def open_places(self) -> int:
        if self.step.ended:
            return 0
        return max(0, self.step.target - self.tally(self.step.level).places_taken)

    def places_left(self) -> int:
        """Places under the cap not taken yet."""
        return max(0, self.cap - (len(self.known) - self.uncounted))

    def places_short(self) -> int:
        """How many more participants the step in progress needs than the cap leaves."""
        return max(0, self.open_places() - self.places_left())

    def takes_a_place(self, enrolment: Enrolment) -> bool:
        """Whether a participant counts toward the cap (a replaced one: the protocol says)."""
        return (self.replaced_take_places or enrolment.expansion
                or enrolment.outcome is not X)

    def highest_cleared(self) -> int | None:
        """The highest level the rules have cleared (and that has not exceeded the MTD since)."""
        return max((level for level, status in self.status.items() if status == "cleared"),
                   default=None)

    def reveal(self, wanted: Callable[[int], bool]) -> bool:
        """Let the design know today's outcome of the participants `wanted`; True if news."""
        news = [i for i in self.hidden if wanted(i)]
        for i in news:
            self.known[i] = self.history[i].outcome
            self.tallies.pop(self.history[i].dose_level, None)
        if news:
            self.hidden = [i for i in self.hidden if i not in news]
        return bool(news)

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
            self.status[level] = "mtd"
            return _Step("mtd", level)
        return self._cleared(level)

    def _cleared(self, level: int) -> _Step:
        self.status[level] = "cleared"
        if level == self.top:
            return _Step("top-dose-cleared", level)
        return _Step("escalate", level + 1, self.size)

    def _exceeds(self, level: int) -> _Step:
        self.status[level] = "exceeds-mtd"
        if level == 1:
            return _Step("no-tolerated-dose", None)
        lower = level - 1
        if self.tally(lower).evaluable >= self.full:
            self.status[lower] = "mtd"
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
            raise HistoryError(HISTORY(
                "no_such_level", number=number, level=self.name(level),
                protocol=self.design.name, levels=[self.name(n) for n in range(1, self.top + 1)]))
        if number - self.uncounted > self.cap:
            raise HistoryError(HISTORY("over_cap", number=number, cap=self.cap,
                                       protocol=self.design.name))
        self.reveal(lambda i: self.history[i].outcome is X)
        self.settle()
        if enrolment.expansion:
            self._check_expansion(number, level)
        else:
            self._check_evaluation(number, level)
        self.known.append(P)
        self.uncounted += not self.takes_a_place(enrolment)
        if enrolment.outcome is not P:
            self.hidden.append(number - 1)
        if not enrolment.expansion:
            self.evaluated.setdefault(level, []).append(number - 1)
            self.tallies.pop(level, None)

    def _check_evaluation(self, number: int, level: int) -> None:
        evaluated = 1 + sum(self.history[i].outcome is not X for i in self.evaluated_at(level))
        if evaluated > self.full:
            raise HistoryError(HISTORY("too_many_evaluated", number=number, evaluated=evaluated,
                                       level=self.name(level), full=self.full))
        if not self.catch_up(lambda: self._asks_for(level)):
            raise HistoryError(self._refusal(number, level))

    def _asks_for(self, level: int) -> bool:
        return self.step.level == level and self.open_places() > 0

    def _refusal(self, number: int, level: int) -> Reason:
        """Why participant `number` could not be enrolled at `level` for DLT evaluation."""
        step = self.step
        who = {"number": number, "level": self.name(level)}
        if step.ended:
            return HISTORY("after_end", **who, end=self._end(),
                           written=f"{EXPANSION_MARK}{level}")
        current = self.name(step.level)
        if level == step.level:
            return HISTORY("places_taken", **who, target=step.target, current=current,
                           token=self.token(level))
        if level < step.level:
            return HISTORY("level_cleared", **who, token=self.token(level), current=current,
                           needs=self._needs())
        if self.status.get(level) == "exceeds-mtd":
            return HISTORY("level_exceeds_mtd", **who, token=self.token(level), current=current)
        if not self.evaluated_at(step.level):
            first = "starts_at" if step.level == 1 else "one_at_a_time"
            return HISTORY(first, **who, current=current)
        return HISTORY("undecided", **who, current=current, needs=self._needs())

    def _needs(self) -> Reason:
        """What the level under evaluation still needs before the design moves on."""
        if not self.evaluated_at(self.step.level):
            return HISTORY("needs.nobody", level=self.name(self.step.level))
        token = self.token(self.step.level)
        if self.open_places() == 0:
            return HISTORY("needs.windows_open", token=token)
        needs = {"enroll": "evaluable", "escalate": "evaluable", "expand": "expansion",
                 "de-escalate": "de_escalation"}
        return HISTORY(f"needs.{needs[self.step.kind]}", token=token, size=self.size,
                       full=self.full)

    def _end(self) -> Reason:
        """How dose escalation ended."""
        return HISTORY(f"end.{self.step.kind}", level=self.name(self.step.level or 0))

    def _check_expansion(self, number: int, level: int) -> None:
        who = {"number": number, "level": self.name(level)}
        if not self.catch_up(lambda: self.step.ended):
            raise HistoryError(HISTORY("expansion_too_early", **who,
                                       current=self.name(self.step.level), needs=self._needs()))
        if self.step.level is None:
            raise HistoryError(HISTORY("expansion_no_dose", **who, end=self._end()))
        if level > self.step.level:
            raise HistoryError(HISTORY("expansion_above", **who, end=self._end()))

    def finish(self) -> None:
        """Everything known today."""
        self.reveal(lambda i: True)
        self.settle()

    def stop_at_cap(self) -> None:
        """End escalation when the cap leaves no place for the step in progress and no DLT
        window open at its level could still decide it: the dose named is the highest level
        cleared (shared/reference/three-plus-three.md, "At the cap of 12")."""
        if self.step.ended or self.places_left() or self.tally(self.step.level).pending:
            return
        self.stopped, level = self.step, self.step.level
        if self.evaluated_at(level) and level not in self.status:
            self.status[level] = "stopped-at-cap"
        self.step = _Step(CAP_REACHED, self.highest_cleared())


# --- alerts and reasons -------------------------------------------------------------------


class _Explainer:
    """The alerts and the reason (codes with parameters) for the step a replayed course has
    reached."""

    def __init__(self, course: _Course):
        self.course = course
        self.step = course.step
        self.name = course.name

    def about(self, level: int) -> Reason:
        return _tally_reason(self.course.tally(level))

    def alerts(self) -> list[Alert]:
        alerts = self.step_alerts()
        if self.course.places_short():
            alerts.append(self.cap_stops_step())
        return alerts

    def step_alerts(self) -> list[Alert]:
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
            CAP_REACHED: lambda: [self.ended_at_cap()],
        }
        return per_step[self.step.kind]()

    def escalation_allowed(self, level: int) -> Alert:
        return Alert(kind="escalation-allowed", dose_level=level, params={
            "cleared": self.name(level - 1), "tally": self.about(level - 1),
            "size": self.course.size, "level": self.name(level)})

    def must_expand(self, level: int) -> Alert:
        return Alert(kind="cohort-must-expand", dose_level=level, params={
            "level": self.name(level), "tally": self.about(level), "full": self.course.full})

    def exceeds(self, level: int) -> Alert:
        return Alert(kind="dose-exceeds-mtd", dose_level=level, params={
            "level": self.name(level), "tally": self.about(level), "then": self.then()})

    def then(self) -> Reason:
        """What follows a level exceeding the MTD."""
        return REASON(f"then.{self.step.kind}", level=self.name(self.step.level or 1),
                      full=self.course.full)

    def de_escalate(self, level: int) -> Alert:
        return Alert(kind="de-escalate", dose_level=level, params={
            "level": self.name(level), "full": self.course.full,
            "evaluable": self.course.tally(level).evaluable})

    def intermediate(self, exceeded: int) -> list[Alert]:
        if exceeded != self.course.top:
            return []
        return [Alert(kind="intermediate-dose-may-be-chosen", dose_level=exceeded, params={
            "top": self.name(exceeded), "lower": self.name(exceeded - 1)})]

    def mtd_declared(self, level: int) -> Alert:
        return Alert(kind="mtd-declared", dose_level=level, params={
            "level": self.name(level), "tally": self.about(level),
            "above": self.name(level + 1)})

    def top_cleared(self, level: int) -> Alert:
        return Alert(kind="top-dose-cleared", dose_level=level, params={
            "level": self.name(level), "tally": self.about(level), "cap": self.course.cap})

    def no_tolerated_dose(self) -> Alert:
        return Alert(kind="no-tolerated-dose", dose_level=1, params={"level": self.name(1)})

    def cap_reached(self) -> Alert:
        return Alert(kind="cap-reached", dose_level=None, params={"cap": self.course.cap})

    def at_cap(self, level: int | None) -> Reason:
        """The dose recommended when the cap ends escalation: `level`, the highest cleared."""
        if level is None:
            return REASON("at_cap.none")
        return REASON("at_cap.level", level=self.name(level), tally=self.about(level))

    def cap_stops_step(self) -> Alert:
        """Fewer places are left than the step in progress needs."""
        course, level = self.course, self.step.level
        return Alert(kind="cap-stops-step", dose_level=level, params={
            "level": self.name(level), "tally": self.about(level), "cap": course.cap,
            "left": REASON("places_left", count=course.places_left()),
            "needed": REASON("participants_needed", count=course.open_places()),
            "recommended": self.at_cap(course.highest_cleared())})

    def ended_at_cap(self) -> Alert:
        return Alert(kind="escalation-ended-at-cap", dose_level=self.step.level,
                     params=self.stopped_params())

    def stopped_params(self) -> dict[str, Any]:
        stopped = self.course.stopped.level
        return {"level": self.name(stopped), "tally": self.about(stopped),
                "cap": self.course.cap, "recommended": self.at_cap(self.step.level)}

    def reason(self, action: str, open_places: int) -> Reason:
        level = self.step.level or 1
        here, about, name = self.name(level), self.about, self.name
        if action == "enroll" and not self.course.evaluated_at(level):
            return REASON("reason.start", level=here, size=self.course.size)
        size, full = self.course.size, self.course.full
        params: dict[str, Callable[[], dict[str, Any]]] = {
            "enroll": lambda: {"level": here, "tally": about(level), "count": open_places},
            "escalate": lambda: {"cleared": name(level - 1), "tally": about(level - 1),
                                 "level": here, "count": open_places, "size": size},
            "expand": lambda: {"level": here, "tally": about(level), "full": full,
                               "count": open_places},
            "de-escalate": lambda: {"above": name(level + 1), "tally": about(level + 1),
                                    "level": here, "full": full, "count": open_places},
            "wait": lambda: {"level": here, "tally": about(level),
                             "count": self.course.open_places()},
            "mtd": lambda: {"level": here, "tally": about(level), "above": name(level + 1),
                            "above_tally": about(level + 1)},
            "top-dose-cleared": lambda: {"level": here, "tally": about(level)},
            "no-tolerated-dose": lambda: {"level": name(1), "tally": about(1)},
            CAP_REACHED: self.stopped_params,
        }
        return REASON(f"reason.{action}", **params[action]())


def _level_summaries(course: _Course) -> list[LevelSummary]:
    current = None if course.step.ended else course.step.level
    summaries = []
    for level, label in enumerate(course.design.labels, start=1):
        tally = course.tally(level)
        everyone = sum(e.dose_level == level for e in course.history)
        expansion = everyone - len(course.evaluated_at(level))
        if level == current:
            status = "under-evaluation"
        else:
            status = course.status.get(level, "not-opened")
        summaries.append(LevelSummary(
            level=level, label=label, enrolled=everyone, evaluable=tally.evaluable,
            dlts=tally.dlts, pending=tally.pending, not_evaluable=tally.not_evaluable,
            expansion=expansion, status=status,
        ))
    return summaries


def decide(
    protocol: Protocol | Design, history: Sequence[Enrolment], *,
    last_infusion: date | None = None,
) -> Decision:
    """What the 3+3 design asks for after `history` (enrolment order, outcomes as known today),
    under the design of `protocol` (a Protocol, or its Design as domain.design reads it).

    When the cap leaves no place for the step in progress and no DLT window is open at its
    level, escalation is over: action `cap-reached`, the dose recommended the highest level
    cleared; while places remain but are too few for the step, the alert `cap-stops-step`
    warns. Raises HistoryError for a history the protocol forbids. `pending` counts the
    participants still in their DLT window at the level under evaluation or, once escalation
    is complete, at every level. `last_infusion` (optional) gives `earliest_next_infusion`
    when the protocol staggers infusions.
    """
    design = protocol if isinstance(protocol, Design) else protocol.design
    history = list(history)
    course = _Course(design, history)
    for enrolment in history:
        course.admit(enrolment)
    course.finish()
    course.stop_at_cap()

    step, explain = course.step, _Explainer(course)
    places_under_cap = course.places_left()
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
        if step.kind != CAP_REACHED:
            reason = REASON("reason.cap_reached", reason=reason, cap=course.cap)

    stagger = design.days_between_infusions
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
