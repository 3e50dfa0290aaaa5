"""Operating characteristics: the closed form against hand-written formulas, the simulation (the
engine asked at every step) against the closed form within sampling error, seeds, dropout, the
cap, and simulations from a recorded history."""

from __future__ import annotations

import math
import random
import time

import pytest

from domain.escalation import decide, parse_history
from domain.protocol import Protocol
from domain.simulation import (
    ENDINGS,
    Engine,
    Scenario,
    SimulationError,
    exact,
    margin,
    read_rate,
    simulate,
    simulate_trial,
    trials_for,
)
from storage.protocol_file import load_protocol
from tests.domain.test_escalation import with_levels

TRIALS = 10_000
SEED = 2026


@pytest.fixture(scope="module")
def rd06() -> Protocol:
    return load_protocol()


def scenario(p1: float, p2: float, dropout: float = 0.0) -> Scenario:
    return Scenario(dlt_rates=(p1, p2), dropout=dropout)


def run(protocol, rates, *, trials=TRIALS, seed=SEED, dropout=0.0, start=""):
    return simulate(protocol, Scenario(dlt_rates=rates, dropout=dropout), trials,
                    random.Random(seed), parse_history(start))


# --- the closed form --------------------------------------------------------------------------


def two_levels_by_hand(p1: float, p2: float) -> dict[str, float]:
    """The dose a 3+3 over two levels recommends, written out as a statistician would."""
    def cleared_with_3(p):  # 0 DLT in 3
        return (1 - p) ** 3

    def cleared_with_6(p):  # 1 DLT in 3, then 0 in 3 more
        return 3 * p * (1 - p) ** 2 * (1 - p) ** 3

    def cleared(p):
        return cleared_with_3(p) + cleared_with_6(p)

    def at_most_one_in_3(p):  # the 3 added at DL1 when it is expanded after DL2 exceeded
        return (1 - p) ** 3 + 3 * p * (1 - p) ** 2

    top_cleared = cleared(p1) * cleared(p2)
    dl2_exceeds = 1 - cleared(p2)
    mtd_dl1 = (cleared_with_6(p1) * dl2_exceeds
               + cleared_with_3(p1) * dl2_exceeds * at_most_one_in_3(p1))
    return {"1": mtd_dl1, "2": top_cleared, "none": 1 - top_cleared - mtd_dl1}


@pytest.mark.parametrize(("p1", "p2"), [(0, 0), (1, 1), (0.1, 0.4), (0.05, 0.25), (0.3, 0.3),
                                        (0.5, 0.9), (0, 1), (0.2, 0)])
def test_closed_form_is_the_sum_over_cohort_outcomes(rd06, p1, p2):
    figures = exact(rd06, scenario(p1, p2))
    assert figures.recommended == pytest.approx(two_levels_by_hand(p1, p2), abs=1e-12)
    assert figures.mtd_declared["1"] == pytest.approx(figures.recommended["1"])
    assert figures.end_state["top-dose-cleared"] == pytest.approx(figures.recommended["2"])
    assert figures.end_state["cap-reached"] == 0  # two levels of at most 6 never reach 12


def test_closed_form_of_the_extremes(rd06):
    harmless = exact(rd06, scenario(0, 0))
    assert harmless.recommended == {"1": 0, "2": 1, "none": 0}
    assert harmless.end_state["top-dose-cleared"] == 1
    assert (harmless.mean_participants, harmless.mean_dlts) == (6, 0)
    toxic = exact(rd06, scenario(1, 1))
    assert toxic.recommended == {"1": 0, "2": 0, "none": 1}
    assert toxic.end_state["no-tolerated-dose"] == 1
    assert (toxic.mean_participants, toxic.mean_dlts) == (3, 3)
    assert toxic.mean_participants_by_level == {"1": 3, "2": 0}


def test_closed_form_of_a_moderate_pair(rd06):
    figures = exact(rd06, scenario(0.1, 0.4))
    # DL1 cleared (0.729 + 0.243 × 0.729) times DL2 cleared (0.216 + 0.432 × 0.216)
    assert figures.recommended["2"] == pytest.approx(0.906147 * 0.309312, abs=1e-12)
    assert figures.recommended["1"] == pytest.approx(0.61176653568, abs=1e-11)
    assert sum(figures.recommended.values()) == pytest.approx(1)


def test_no_closed_form_with_dropout_or_more_levels_than_the_cap_can_fill(rd06):
    assert exact(rd06, scenario(0.1, 0.2, dropout=0.05)) is None
    three = with_levels(rd06, 1e5, 5e5, 1e6)  # 3 × 6 > 12: the cap may stop a path
    assert exact(three, Scenario(dlt_rates=(0.1, 0.2, 0.3))) is None


# --- the simulation against the closed form -------------------------------------------------


def within_3_standard_errors(simulated: float, p: float, trials: int) -> bool:
    return abs(simulated - p) <= 3 * math.sqrt(p * (1 - p) / trials) + 1e-12


@pytest.mark.parametrize(("p1", "p2"), [(0, 0), (1, 1), (0.1, 0.4), (0.05, 0.25), (0.3, 0.5),
                                        (0.6, 0.2)])
def test_simulation_agrees_with_the_closed_form(rd06, p1, p2):
    simulated, truth = run(rd06, (p1, p2)), exact(rd06, scenario(p1, p2))
    for field in ("recommended", "mtd_declared", "end_state"):
        for key, p in getattr(truth, field).items():
            assert within_3_standard_errors(getattr(simulated, field)[key], p, TRIALS), (field, key)
    # a mean's standard error is at most its range / 2 / sqrt(n): 3 to 12 participants, 0 to 12
    # DLTs
    assert abs(simulated.mean_participants - truth.mean_participants) <= 3 * 4.5 / TRIALS**0.5
    assert abs(simulated.mean_dlts - truth.mean_dlts) <= 3 * 6 / TRIALS**0.5
    for level, mean in truth.mean_participants_by_level.items():
        assert abs(simulated.mean_participants_by_level[level] - mean) <= 3 * 3 / TRIALS**0.5


def test_the_same_seed_gives_the_same_figures(rd06):
    first = run(rd06, (0.1, 0.4), dropout=0.1, seed=7, trials=2000)
    assert run(rd06, (0.1, 0.4), dropout=0.1, seed=7, trials=2000) == first
    assert run(rd06, (0.1, 0.4), dropout=0.1, seed=8, trials=2000) != first


def test_remembered_answers_are_the_engines_answers(rd06):
    """The run keeps each history's answer: the same trials as asking decide at every step."""

    class Forgetful(Engine):
        def decide(self, history):
            self.answers.clear()
            return super().decide(history)

    rates = Scenario(dlt_rates=(0.2, 0.4), dropout=0.2)
    remembering, forgetful = Engine(rd06), Forgetful(rd06)
    first, second = random.Random(3), random.Random(3)
    for _ in range(300):
        assert (simulate_trial(remembering, rates, first)
                == simulate_trial(forgetful, rates, second))


def test_ten_thousand_trials_take_under_two_seconds(rd06):
    started = time.perf_counter()
    run(rd06, (0.1, 0.4))
    assert time.perf_counter() - started < 2


# --- dropout and the cap ------------------------------------------------------------------------


def test_dropout_takes_places_up_to_the_cap(rd06):
    figures = run(rd06, (0, 0), dropout=0.5)
    assert figures.mean_dlts == 0 and figures.end_state["no-tolerated-dose"] == 0
    assert figures.end_state["cap-reached"] > 0.1
    for field in ("recommended", "mtd_declared", "end_state"):
        assert sum(getattr(figures, field).values()) == pytest.approx(1)
    assert set(figures.end_state) == set(ENDINGS)


def test_at_the_cap_the_highest_cleared_dose_is_recommended(rd06):
    """shared/reference/three-plus-three.md: 1XXX 1XXX 1XXX 1NNN reaches the cap with DL1 cleared
    and DL2 never given; DL1 is the dose recommended."""
    figures = run(rd06, (0.5, 0.5), start="1XXX 1XXX 1XXX 1NNN", trials=10)
    assert figures.end_state["cap-reached"] == 1
    assert figures.recommended == {"1": 1, "2": 0, "none": 0}
    assert figures.mtd_declared["none"] == 1
    assert figures.mean_participants_by_level == {"1": 12, "2": 0}


def test_at_the_cap_before_any_level_is_cleared_no_dose_is_recommended(rd06):
    figures = run(rd06, (0, 0), start="1XXX 1XXX 1XXX 1NNX", trials=10)
    assert figures.end_state["cap-reached"] == 1 and figures.recommended["none"] == 1


# --- from a recorded history ------------------------------------------------------------------


def test_from_a_trial_one_dlt_from_stopping(rd06):
    """1NTP: one DLT at DL1 and a window open; a second DLT stops the trial (no tolerated dose)."""
    start = "1NTP"
    assert decide(rd06, parse_history(start)).action == "wait"
    stopped = run(rd06, (1, 0), start=start)
    assert stopped.end_state["no-tolerated-dose"] == 1 and stopped.recommended["none"] == 1
    assert (stopped.mean_participants, stopped.mean_dlts) == (3, 2)
    # no more DLT: the third is evaluable, DL1 is expanded to 6, then DL2 is cleared
    cleared = run(rd06, (0, 0), start=start)
    assert cleared.recommended["2"] == 1
    assert cleared.mean_participants_by_level == {"1": 6, "2": 3} and cleared.mean_dlts == 1
    # a DLT with probability 0.5 at the open window, else any of the 3 added stops it
    halfway = run(rd06, (0.5, 0), start=start)
    assert within_3_standard_errors(halfway.recommended["none"], 0.5 + 0.5 * (1 - 0.5**3),
                                    TRIALS)


def test_from_a_finished_escalation_nothing_changes(rd06):
    figures = run(rd06, (0.9, 0.9), start="1NNN 2NTT 1NTN", trials=50)
    assert figures.recommended["1"] == 1 and figures.end_state["mtd"] == 1
    assert figures.mean_participants == 9


# --- what cannot be simulated -----------------------------------------------------------------


@pytest.mark.parametrize(("typed", "value"), [("0.25", 0.25), ("25%", 0.25), (".5", 0.5),
                                              (" 5 % ", 0.05), ("0", 0), ("1", 1), ("100%", 1)])
def test_rates_are_read_as_probabilities_or_percentages(typed, value):
    assert read_rate(typed) == value


@pytest.mark.parametrize(("typed", "code"), [
    ("5", "simulation.rate_outside"),  # 5 % must be written 5% or 0.05, never guessed
    ("150%", "simulation.rate_outside"),
    ("-0.1", "simulation.rate_unreadable"),
    ("1e-1", "simulation.rate_unreadable"),
    ("0,25", "simulation.rate_unreadable"),
    ("", "simulation.rate_unreadable"),
])
def test_what_is_not_a_probability_is_refused(typed, code):
    with pytest.raises(SimulationError) as refused:
        read_rate(typed)
    assert refused.value.reason.code == code


@pytest.mark.parametrize(("rates", "dropout", "trials", "code"), [
    ((0.1,), 0, 10, "simulation.rates_count"),
    ((0.1, 0.2, 0.3), 0, 10, "simulation.rates_count"),
    ((0.1, 1.5), 0, 10, "simulation.rate_outside"),
    ((0.1, math.nan), 0, 10, "simulation.rate_outside"),
    ((0.1, 0.2), 1, 10, "simulation.dropout_outside"),
    ((0.1, 0.2), 0, 0, "simulation.trials_outside"),
    ((0.1, 0.2), 0, 100_001, "simulation.trials_outside"),
])
def test_scenarios_that_cannot_be_simulated_are_refused(rd06, rates, dropout, trials, code):
    with pytest.raises(SimulationError) as refused:
        run(rd06, rates, dropout=dropout, trials=trials)
    assert refused.value.reason.code == code


def test_precision_of_a_number_of_trials():
    assert margin(10_000) == pytest.approx(0.0098, abs=1e-4)
    assert trials_for(0.01) == 9604  # the textbook 1.96² × 0.25 / 0.01²
    assert trials_for(margin(10_000) / 2) == 40_000
