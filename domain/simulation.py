"""Operating characteristics of the 3+3 design: what it will likely do under the DLT rates the
investigators believe true, before the next participant is enrolled.

`simulate` runs the protocol's own engine (domain.escalation.decide, asked at every step) over
simulated trials. A simulated trial enrols participants while the engine gives a next dose
(their DLT windows open), then resolves every open window, and so on until escalation is over:
so a cohort of 3 is enrolled together, as at the site. A window resolves as a DLT with the true
rate of its level; without a DLT, the participant is not evaluable (left early, replaced) with
the dropout probability. Random numbers come from the `random.Random` passed in: the same seed
gives the same figures.

`exact` gives the same figures without sampling where that can be done: no dropout and a cap
the design cannot reach (the protocol's two levels of at most 6 make 12). It sums over the
cohort outcomes (binomial) by the 3+3 rules written out once more, independently of the engine,
so each checks the other. `margin` says how close `trials` simulated trials come to it.

Figures are probabilities keyed by dose level ("1", "2") or "none"; the end states are the
engine's: the three of the rules and "cap-reached" (every place taken, no window open, the step
in progress unfinished; the dose recommended is then the highest level cleared).
"""

from __future__ import annotations

import functools
import math
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from pydantic import BaseModel

from domain.escalation import ENDINGS, Decision, Enrolment, Outcome, decide
from domain.protocol import Protocol
from domain.reasons import Codes, ReasonError

__all__ = [
    "Characteristics",
    "Run",
    "Scenario",
    "SimulationError",
    "check_scenario",
    "exact",
    "margin",
    "read_rate",
    "simulate",
    "simulate_trial",
    "trials_for",
]

N, T, P, X = Outcome.NO_DLT, Outcome.DLT, Outcome.PENDING, Outcome.NOT_EVALUABLE
NO_DOSE = "none"
MAX_TRIALS = 100_000
Z_95 = 1.959964  # two-sided 95 % normal quantile

SIMULATION = Codes("simulation", "rate_unreadable", "rate_outside", "rates_count",
                   "dropout_outside", "trials_outside")
CODES = SIMULATION.all


class SimulationError(ReasonError):
    """A scenario that cannot be simulated; `.reason` says what to give instead."""


class Scenario(BaseModel, frozen=True):
    """What is assumed true: the DLT rate of each dose level (DL1 first) and the probability
    that a participant without a DLT leaves before the end of the window (not evaluable)."""

    dlt_rates: tuple[float, ...]
    dropout: float = 0.0


_RATE = re.compile(r"^\s*(?P<number>\d+(?:\.\d+)?|\.\d+)\s*(?P<percent>%?)\s*$")


def read_rate(text: str) -> float:
    """A probability typed as 0.25 or 25%; a number above 1 without '%' is refused, never read
    as a percentage."""
    match = _RATE.match(text)
    if match is None:
        raise SimulationError(SIMULATION("rate_unreadable", typed=text))
    value = float(match["number"]) / (100 if match["percent"] else 1)
    if value > 1:
        raise SimulationError(SIMULATION("rate_outside", typed=text))
    return value


def check_scenario(protocol: Protocol, scenario: Scenario, trials: int = 1) -> None:
    """Refuse a scenario the simulation cannot run (SimulationError)."""
    levels = len(protocol.dose_levels)
    if len(scenario.dlt_rates) != levels:
        raise SimulationError(SIMULATION("rates_count", count=levels,
                                         given=len(scenario.dlt_rates)))
    for rate in scenario.dlt_rates:
        if not 0 <= rate <= 1:
            raise SimulationError(SIMULATION("rate_outside", typed=str(rate)))
    if not 0 <= scenario.dropout < 1:
        raise SimulationError(SIMULATION("dropout_outside", typed=str(scenario.dropout)))
    if not 1 <= trials <= MAX_TRIALS:
        raise SimulationError(SIMULATION("trials_outside", most=MAX_TRIALS))


# --- what a trial ends with, and the figures over many ----------------------------------------


@dataclass(frozen=True, slots=True)
class Run:
    """How one trial ended: the end state, the dose recommended (None: no dose), the MTD
    declared, everyone enrolled per level (DL1 first) and the DLTs among them."""

    end_state: str
    recommended: int | None
    mtd: int | None
    participants: tuple[int, ...]
    dlts: int


class Characteristics(BaseModel, frozen=True):
    """The operating characteristics: probabilities by dose ("1", "2", "none") and by end state,
    and means per trial. `trials` is None for the exact figures."""

    trials: int | None
    recommended: dict[str, float]
    mtd_declared: dict[str, float]
    end_state: dict[str, float]
    mean_participants: float
    mean_dlts: float
    mean_participants_by_level: dict[str, float]

    def as_json(self) -> dict:
        return self.model_dump(mode="json")


def summarise(weighted: Iterable[tuple[float, Run]], levels: int,
              trials: int | None) -> Characteristics:
    """The figures of runs, each with its weight (1 for a simulated trial, a path's exact
    probability), as shares of the total weight."""
    doses = [*(str(level) for level in range(1, levels + 1)), NO_DOSE]
    recommended, mtd, ending = Counter(), Counter(), Counter()
    by_level = [0.0] * levels
    total = participants = dlts = 0.0
    for weight, run in weighted:
        total += weight
        recommended[_dose_key(run.recommended)] += weight
        mtd[_dose_key(run.mtd)] += weight
        ending[run.end_state] += weight
        participants += weight * sum(run.participants)
        dlts += weight * run.dlts
        for i, count in enumerate(run.participants):
            by_level[i] += weight * count
    return Characteristics(
        trials=trials,
        recommended={dose: recommended[dose] / total for dose in doses},
        mtd_declared={dose: mtd[dose] / total for dose in doses},
        end_state={state: ending[state] / total for state in ENDINGS},
        mean_participants=participants / total,
        mean_dlts=dlts / total,
        mean_participants_by_level={str(i + 1): n / total for i, n in enumerate(by_level)},
    )


def _dose_key(level: int | None) -> str:
    return str(level) if level else NO_DOSE


def margin(trials: int) -> float:
    """Half the width of a 95 % confidence interval of a simulated probability, at its widest
    (a true probability of 0.5): how far the figure may be from the exact one."""
    return Z_95 * math.sqrt(0.25 / trials)


def trials_for(wanted_margin: float) -> int:
    """How many simulated trials give every probability within `wanted_margin` (95 %)."""
    return math.ceil(round(0.25 * (Z_95 / wanted_margin) ** 2, 6))  # 4000.0000001 is 4000


# --- simulation with the engine -------------------------------------------------------------

Place = tuple[int, Outcome, bool]  # one participant of a simulated trial: level, outcome, expansion


def simulate(protocol: Protocol, scenario: Scenario, trials: int, rng: random.Random,
             start: Sequence[Enrolment] = ()) -> Characteristics:
    """The figures of `trials` simulated trials, each from the history `start` (the trial as
    recorded; empty: a new trial). Raises SimulationError for a scenario it cannot run."""
    check_scenario(protocol, scenario, trials)
    engine = Engine(protocol)
    runs = (simulate_trial(engine, scenario, rng, start) for _ in range(trials))
    return summarise(((1, run) for run in runs), len(protocol.dose_levels), trials)


@dataclass(frozen=True, slots=True)
class Answer:
    """What a simulated trial needs of the engine's Decision."""

    next_dose: int | None
    complete: bool
    action: str
    mtd: int | None
    recommended: int | None


class Engine:
    """domain.escalation.decide, asked for every step of every simulated trial. It is a pure
    function of the history, and the trials of a run meet the same histories again and again
    (two levels without dropout: about a hundred), so each is replayed once per run and its
    answer kept; that makes 10,000 trials take a fraction of a second instead of seconds."""

    def __init__(self, protocol: Protocol):
        self.protocol = protocol
        self.answers: dict[tuple[Place, ...], Answer] = {}

    def decide(self, history: tuple[Place, ...]) -> Answer:
        answer = self.answers.get(history)
        if answer is None:
            enrolments = [_enrolment(place) for place in history]
            answer = self.answers[history] = _answer(decide(self.protocol, enrolments))
        return answer


@functools.cache
def _enrolment(place: Place) -> Enrolment:
    """The (frozen, so shared) enrolment of a place: each is built once."""
    level, outcome, expansion = place
    return Enrolment(dose_level=level, outcome=outcome, expansion=expansion)


def _answer(decision: Decision) -> Answer:
    return Answer(
        next_dose=decision.next_dose, complete=decision.complete, action=decision.action,
        mtd=decision.mtd, recommended=decision.recommended_dose)


def simulate_trial(engine: Engine, scenario: Scenario, rng: random.Random,
                   start: Sequence[Enrolment] = ()) -> Run:
    """One simulated trial from `start`, the engine asked at every step, until it is over."""
    history = tuple((e.dose_level, e.outcome, e.expansion) for e in start)
    while True:
        answer = engine.decide(history)
        if answer.next_dose is not None:
            history += ((answer.next_dose, P, False),)
        elif any(outcome is P for _, outcome, _ in history):
            history = tuple(_resolved(place, scenario, rng) for place in history)
        else:
            return _run(answer, history, len(scenario.dlt_rates))


def _resolved(place: Place, scenario: Scenario, rng: random.Random) -> Place:
    """An open window closed by the draws: DLT with the level's true rate, else not evaluable
    with the dropout probability, else no DLT."""
    level, outcome, expansion = place
    if outcome is not P:
        return place
    if rng.random() < scenario.dlt_rates[level - 1]:
        outcome = T
    elif scenario.dropout and rng.random() < scenario.dropout:
        outcome = X
    else:
        outcome = N
    return level, outcome, expansion


def _run(answer: Answer, history: tuple[Place, ...], levels: int) -> Run:
    """How the trial ended, from the engine's last answer (no window open, no dose to give)."""
    if not answer.complete:
        raise ValueError(f"the engine stopped without an end: {answer.action}")
    counts = Counter(level for level, _, _ in history)
    return Run(end_state=answer.action, recommended=answer.recommended, mtd=answer.mtd,
               participants=tuple(counts[level] for level in range(1, levels + 1)),
               dlts=sum(outcome is T for _, outcome, _ in history))


# --- the closed form ------------------------------------------------------------------------


def exact(protocol: Protocol, scenario: Scenario) -> Characteristics | None:
    """The exact figures (no sampling), or None where there is no closed form: with dropout, or
    with more levels than the cap lets the design fill (each level holds at most 6)."""
    check_scenario(protocol, scenario)
    rules = protocol.escalation
    fillable = len(protocol.dose_levels) * rules.expanded_cohort_size <= rules.max_participants
    if scenario.dropout or not fillable:
        return None
    paths = _Paths(scenario.dlt_rates, rules.cohort_size, rules.expanded_cohort_size)
    return summarise(paths.walk(), len(protocol.dose_levels), None)


class _Paths:
    """Every way the 3+3 design can go, cohort outcome by cohort outcome, with its binomial
    probability. A tally is (participants, DLTs) per level, DL1 first."""

    def __init__(self, rates: Sequence[float], size: int, full: int):
        self.rates, self.size, self.full = rates, size, full
        self.top = len(rates)

    def walk(self) -> Iterator[tuple[float, Run]]:
        return self.fill(1, self.size, ((0, 0),) * self.top, 1.0, lowering=False)

    def cohort(self, level: int, count: int) -> Iterator[tuple[int, float]]:
        """DLTs among `count` more participants at `level`, with their probability."""
        rate = self.rates[level - 1]
        for dlts in range(count + 1):
            chance = math.comb(count, dlts) * rate**dlts * (1 - rate) ** (count - dlts)
            if chance:
                yield dlts, chance

    def fill(self, level: int, target: int, tally: tuple, chance: float,
             lowering: bool) -> Iterator[tuple[float, Run]]:
        """Fill `level` to `target` participants (`lowering`: after the level above exceeded)."""
        enrolled, dlts = tally[level - 1]
        for more, likely in self.cohort(level, target - enrolled):
            now = _with(tally, level, (target, dlts + more))
            so_far = chance * likely
            if dlts + more >= 2:
                yield from self.exceeded(level, now, so_far)
            elif target == self.size and dlts + more == 1:
                yield from self.fill(level, self.full, now, so_far, lowering)
            elif lowering:
                yield so_far, _ended(now, "mtd", level)
            elif level == self.top:
                yield so_far, _ended(now, "top-dose-cleared", level)
            else:
                yield from self.fill(level + 1, self.size, now, so_far, lowering=False)

    def exceeded(self, level: int, tally: tuple, chance: float) -> Iterator[tuple[float, Run]]:
        if level == 1:
            yield chance, _ended(tally, "no-tolerated-dose", None)
        elif tally[level - 2][0] >= self.full:
            yield chance, _ended(tally, "mtd", level - 1)
        else:
            yield from self.fill(level - 1, self.full, tally, chance, lowering=True)


def _with(tally: tuple, level: int, counts: tuple[int, int]) -> tuple:
    return (*tally[:level - 1], counts, *tally[level:])


def _ended(tally: tuple, end_state: str, level: int | None) -> Run:
    return Run(end_state=end_state, recommended=level, mtd=level if end_state == "mtd" else None,
               participants=tuple(enrolled for enrolled, _ in tally),
               dlts=sum(dlts for _, dlts in tally))
