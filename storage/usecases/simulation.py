"""What the 3+3 design will likely do (operating characteristics), for a new trial or from the
trial as recorded: the simulation of domain.simulation, seeded, with the exact figures where
there is a closed form.

No database is needed for a new trial (`trialbot simulate` runs without one); `from_current`
reads the recorded history through the Trial.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pydantic import BaseModel

from domain.escalation import Enrolment, HistoryError, decide, format_history
from domain.protocol import Protocol
from domain.reasons import Refused
from domain.simulation import Characteristics, Scenario, exact, simulate

if TYPE_CHECKING:  # only for the type: a new trial's simulation imports no sqlite
    from storage.usecases.trial import Trial


class Simulated(BaseModel, frozen=True):
    """The figures of a simulation, and what is needed to read them and run it again."""

    scenario: Scenario
    seed: int
    simulated: Characteristics
    exact: Characteristics | None  # None: no closed form (dropout, or from a recorded history)
    start: str = ""  # the recorded history the trials start from ("": a new trial)


def new_seed() -> int:
    return random.SystemRandom().randrange(2**32)


def operating_characteristics(protocol: Protocol, scenario: Scenario, *, trials: int,
                              seed: int | None = None,
                              start: Sequence[Enrolment] = ()) -> Simulated:
    """`trials` simulated trials from `start` (empty: a new trial); a random seed unless given.
    Raises domain.simulation.SimulationError for a scenario it cannot run."""
    seed = new_seed() if seed is None else seed
    figures = simulate(protocol, scenario, trials, random.Random(seed), start)
    return Simulated(scenario=scenario, seed=seed, simulated=figures,
                     exact=None if start else exact(protocol, scenario),
                     start=format_history(start, protocol.escalation.cohort_size))


def from_current(trial: Trial, scenario: Scenario, *, trials: int,
                 seed: int | None = None) -> Simulated:
    """The same, from the trial's recorded history (open windows resolved by the same draws):
    what is likely from here. Refused when the recorded history does not fit the protocol."""
    history = trial.enrolments()
    try:
        decide(trial.protocol, history)
    except HistoryError as error:
        raise Refused("history_unreadable", error=error.reason) from None
    return operating_characteristics(trial.protocol, scenario, trials=trials, seed=seed,
                                     start=history)
