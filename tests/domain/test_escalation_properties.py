"""Properties of the 3+3 engine over histories made by simulating the design.

A simulated trial repeatedly asks `decide`, then either enrols a participant where it says (with
a random outcome, sometimes still pending), resolves a pending outcome (which may happen after
later participants were enrolled), or, once escalation is complete, adds case expansion.
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.escalation import (
    Decision,
    Enrolment,
    HistoryError,
    Outcome,
    decide,
    format_history,
    parse_history,
)
from domain.protocol import Protocol
from storage.protocol_file import load_protocol

N, T, P, X = Outcome.NO_DLT, Outcome.DLT, Outcome.PENDING, Outcome.NOT_EVALUABLE

RD06 = None


def protocols() -> list[Protocol]:
    global RD06
    if RD06 is None:
        rd06 = load_protocol()
        levels = [*(d.model_dump() for d in rd06.dose_levels),
                  {"level": 3, "label": "DL3", "cells_per_kg": 1e6}]
        RD06 = [rd06, Protocol.model_validate({**rd06.model_dump(), "dose_levels": levels})]
    return RD06


PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# How toxic a simulated dose level is: outcomes at enrolment (P: resolved later), and outcomes
# of the pending ones when they resolve; drawn per level, from mild to toxic.
TOXICITY = [
    ([N] * 8 + [T, P, P, X], [N] * 6 + [T, X]),
    ([N, N, N, N, T, P, P, X], [N, N, N, T, X]),
    ([N, N, T, P, P, X], [N, T, X]),
    ([T, T, N, P, X], [T, N, X]),
]


def simulate(protocol: Protocol, data: st.DataObject) -> list[tuple[list[Enrolment], Decision]]:
    """Every snapshot of one simulated trial, with the decision for it."""
    toxicity = [data.draw(st.sampled_from(TOXICITY)) for _ in protocol.dose_levels]
    history: list[Enrolment] = []
    snapshots = []
    for _ in range(60):
        decision = decide(protocol, history)
        snapshots.append((list(history), decision))
        pending = [i for i, e in enumerate(history) if e.outcome is P]
        moves = []
        if decision.next_dose is not None:
            moves += ["enrol", "enrol"]
        if pending:
            moves.append("resolve")
        if decision.complete and decision.recommended_dose and decision.places_under_cap:
            moves.append("expand")
        if not moves:
            break
        move = data.draw(st.sampled_from(moves))
        if move == "enrol":
            outcome = data.draw(st.sampled_from(toxicity[decision.next_dose - 1][0]))
            history.append(Enrolment(dose_level=decision.next_dose, outcome=outcome))
        elif move == "resolve":
            i = data.draw(st.sampled_from(pending))
            outcome = data.draw(st.sampled_from(toxicity[history[i].dose_level - 1][1]))
            history[i] = replace(history[i], outcome=outcome)
        else:
            level = data.draw(st.integers(1, decision.recommended_dose))
            outcome = data.draw(st.sampled_from([N, T, P]))
            history.append(Enrolment(dose_level=level, outcome=outcome, expansion=True))
    return snapshots


def trial(data: st.DataObject) -> tuple[Protocol, list[tuple[list[Enrolment], Decision]]]:
    protocol = data.draw(st.sampled_from(protocols()))
    return protocol, simulate(protocol, data)


def evaluated(history: list[Enrolment], level: int) -> int:
    return sum(
        e.dose_level == level and not e.expansion and e.outcome is not X for e in history
    )


@PROPERTY_SETTINGS
@given(st.data())
def test_simulated_trials_respect_the_design(data):
    protocol, snapshots = trial(data)
    top = len(protocol.dose_levels)
    for history, decision in snapshots:
        assert len(history) <= protocol.escalation.max_participants
        assert decision.places_under_cap == protocol.escalation.max_participants - len(history)
        for level in range(1, top + 1):
            assert evaluated(history, level) <= protocol.escalation.expanded_cohort_size
        statuses = [s.status for s in decision.per_level]
        assert statuses.count("under-evaluation") == (0 if decision.complete else 1)
        assert decision.next_dose in (None, decision.current_dose)
        assert (decision.next_dose is None) == (decision.open_places == 0)
        if decision.current_dose is not None:
            # no escalation past a level with an open decision
            current = decision.current_dose
            assert all(s == "cleared" for s in statuses[: current - 1])
            assert all(s in ("exceeds-mtd", "not-opened") for s in statuses[current:])
        for summary in decision.per_level:
            if summary.status == "not-opened":
                assert summary.enrolled == 0
        if decision.complete:
            assert decision.next_dose is None and decision.current_dose is None
            assert decision.action in ("mtd", "top-dose-cleared", "no-tolerated-dose",
                                       "cap-reached")
        else:
            assert decision.recommended_dose == decision.current_dose


@PROPERTY_SETTINGS
@given(st.data())
def test_same_history_same_decision(data):
    protocol, snapshots = trial(data)
    for history, decision in snapshots:
        assert decide(protocol, list(history)) == decision
        assert decide(protocol, parse_history(format_history(history))) == decision


@PROPERTY_SETTINGS
@given(st.data())
def test_parse_format_round_trip(data):
    _, snapshots = trial(data)
    for history, _ in snapshots:
        assert parse_history(format_history(history)) == history


@PROPERTY_SETTINGS
@given(st.data())
def test_an_ended_escalation_stays_ended(data):
    _, snapshots = trial(data)
    ended = [(d.action, d.mtd, d.recommended_dose) for _, d in snapshots if d.complete]
    assert len(set(ended)) <= 1
    completes = [d.complete for _, d in snapshots]
    assert completes == sorted(completes)  # False ... False True ... True


def textbook_3_plus_3(history: list[Enrolment], top: int) -> tuple[str, int | None]:
    """The 3+3 rules on a history whose outcomes are all known, written independently of the
    engine: walk up through cleared levels, then down from the one that exceeds. "open": the
    level whose step is in progress."""
    seen = {
        level: [e.outcome for e in history
                if e.dose_level == level and not e.expansion and e.outcome in (N, T)]
        for level in range(1, top + 1)
    }
    level = 1
    while seen[level].count(T) < 2:
        needed = 3 if seen[level][:3].count(T) == 0 else 6
        if len(seen[level]) < needed:
            return "open", level
        if level == top:
            return "top-dose-cleared", level
        level += 1
    while level > 1:
        lower = seen[level - 1]
        if lower.count(T) >= 2:
            level -= 1
        elif len(lower) >= 6:
            return "mtd", level - 1
        else:
            return "open", level - 1
    return "no-tolerated-dose", None


def textbook_cleared(history: list[Enrolment], open_level: int) -> int | None:
    """The highest level cleared when the step at `open_level` is in progress: the open level
    itself when it is filled again after the level above exceeded, else the one below it."""
    above = [e for e in history if e.dose_level == open_level + 1 and not e.expansion]
    if above:
        return open_level
    return open_level - 1 or None


@PROPERTY_SETTINGS
@given(st.data())
def test_agrees_with_the_textbook_rules_once_outcomes_are_known(data):
    protocol, snapshots = trial(data)
    for history, decision in snapshots:
        if any(e.outcome is P for e in history):
            continue
        state, level = textbook_3_plus_3(history, len(protocol.dose_levels))
        at_cap = len(history) == protocol.escalation.max_participants
        if state == "open" and at_cap:  # every place taken, no window open: the cap ends it
            assert (decision.action, decision.recommended_dose) == (
                "cap-reached", textbook_cleared(history, level))
        elif state == "open":
            assert (decision.complete, decision.current_dose) == (False, level)
        else:
            assert (decision.action, decision.recommended_dose) == (state, level)


LETTERS = st.sampled_from("NTPXN")
COHORT = st.builds(
    lambda mark, level, letters: f"{mark}{level}{letters}",
    st.sampled_from(["", "", "", "+"]),
    st.integers(0, 4),
    st.text(LETTERS, min_size=1, max_size=4),
)


@PROPERTY_SETTINGS
@given(st.lists(COHORT, max_size=8))
def test_any_history_is_answered_or_refused_clearly(cohorts):
    text = " ".join(cohorts)
    for protocol in protocols():
        try:
            decision = decide(protocol, parse_history(text))
        except HistoryError as refusal:
            assert str(refusal)
        else:
            assert decision.places_under_cap >= 0
