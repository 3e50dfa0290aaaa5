"""The 3+3 engine at the cap of 12 (shared/reference/three-plus-three.md, "At the cap of 12"):
the end state cap-reached, the alert that warns before it, and whether replaced participants
take a place (a protocol setting)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.escalation import (
    Decision,
    Enrolment,
    HistoryError,
    Outcome,
    decide,
    new_alerts,
    parse_history,
)
from domain.protocol import Protocol
from handlers.wording import say
from storage.protocol_file import load_protocol
from tests.domain.test_escalation_properties import PROPERTY_SETTINGS, simulate

N, T, X = Outcome.NO_DLT, Outcome.DLT, Outcome.NOT_EVALUABLE


def amended(protocol: Protocol, *, levels: int = 2, **escalation) -> Protocol:
    """The protocol with `levels` dose levels and some escalation settings changed."""
    doses = [{"level": n, "label": f"DL{n}", "cells_per_kg": 1e5 * 5 ** (n - 1)}
             for n in range(1, levels + 1)]
    return Protocol.model_validate({
        **protocol.model_dump(), "dose_levels": doses,
        "escalation": {**protocol.escalation.model_dump(), **escalation}})


@pytest.fixture(scope="module")
def rd06() -> Protocol:
    return load_protocol()


@pytest.fixture(scope="module")
def replaced_free(rd06) -> Protocol:
    """An amendment: a replaced (not evaluable) participant takes none of the 12 places."""
    return amended(rd06, replaced_count_toward_cap=False)


def run(protocol: Protocol, history: str) -> Decision:
    return decide(protocol, parse_history(history))


def kinds(decision: Decision) -> list[str]:
    return [alert.kind for alert in decision.alerts]


# --- the end state --------------------------------------------------------------------------

END_AT_CAP = [
    # history, recommended dose: the highest level the rules cleared (never one nobody
    # received, never the one still under evaluation)
    ("1XXX 1XXX 1XXX 1NNN", 1),  # the reference's example: DL2 was never given
    ("1NNT 1NXNN 2NNT 2NN", 1),  # DL2 had 1 DLT in 5: still under evaluation
    ("1NNT 1NNN 2NNT 2NNX", 1),  # the 12th is not evaluable: no place for their replacement
    ("1XXX 1XXX 1XXX 1NNX", None),  # DL1 never cleared
    ("1XXX 1XXX 1XXX 1NTX", None),
    ("1NNN 2NTT 1XXXX 1NT", 1),  # DL1, cleared by its first 3, cut short in de-escalation
]


@pytest.mark.parametrize(("history", "recommended"), END_AT_CAP)
def test_the_cap_ends_escalation_when_no_window_is_open(rd06, history, recommended):
    decision = run(rd06, history)
    assert (decision.action, decision.complete, decision.next_dose, decision.mtd,
            decision.recommended_dose, decision.current_dose) == (
        "cap-reached", True, None, None, recommended, None)
    assert decision.places_under_cap == decision.open_places == 0
    assert kinds(decision) == ["escalation-ended-at-cap", "cap-reached"]
    assert decision.reason.code == "escalation.reason.cap-reached"
    assert [s.status for s in decision.per_level].count("under-evaluation") == 0


def test_the_end_at_the_cap_in_words(rd06):
    decision = run(rd06, "1NNT 1NXNN 2NNT 2NN")
    assert [s.status for s in decision.per_level] == ["cleared", "stopped-at-cap"]
    assert say(decision.reason) == (
        "All 12 places are taken and no DLT window is open at DL2 (1 DLT in 5 evaluable "
        "participants): dose escalation ends at the cap before DL2 is decided; DL1, the highest "
        "dose level cleared (1 DLT in 6 evaluable participants, 1 not evaluable (replaced)), is "
        "the dose recommended.")
    ended = decision.alerts[0]
    assert ended.dose_level == 1 and "Dose escalation ends at the cap of 12" in say(ended.reason)
    nothing = run(rd06, "1XXX 1XXX 1XXX 1NNX")
    assert say(nothing.reason).endswith("no dose level has been cleared: no dose is recommended.")
    assert nothing.alerts[0].dose_level is None


@pytest.mark.parametrize(
    "history",
    ["1XXX 1XXX 1XXX 1NNP", "1NNT 1NXNN 2NNT 2NP", "1NNT 1NNN 2NNT 2NXP"],
)
def test_while_a_window_is_open_at_the_cap_the_answer_is_wait(rd06, history):
    decision = run(rd06, history)
    assert (decision.action, decision.complete, decision.next_dose) == ("wait", False, None)
    assert decision.recommended_dose == decision.current_dose
    assert decision.reason.code == "escalation.reason.cap_reached"


def test_a_window_closing_at_the_cap_ends_escalation(rd06):
    assert run(rd06, "1NNT 1NXNN 2NNT 2NP").action == "wait"
    ended = run(rd06, "1NNT 1NXNN 2NNT 2NN")
    assert ended.action == "cap-reached"
    # a DLT in the last window decides DL2 by the rules: de-escalation is over too (DL1 has 6)
    mtd = run(rd06, "1NNT 1NXNN 2NNT 2NT")
    assert (mtd.action, mtd.mtd, mtd.recommended_dose) == ("mtd", 1, 1)


def test_rules_decided_at_the_cap_keep_their_end_state(rd06):
    # the last window closes without a DLT: DL2 is cleared with 1 in 6, the rules' own end
    assert run(rd06, "1NNT 1NNN 2NNT 2NNN").action == "top-dose-cleared"
    assert run(rd06, "1NNN 2NNN +2NNN +2NNN").action == "top-dose-cleared"


def test_case_expansion_is_refused_after_the_cap_ended_escalation(rd06):
    with pytest.raises(HistoryError) as refused:
        run(rd06, "1XXX 1XXX 1XXX 1NNN +1N")
    assert refused.value.reason.code == "history.over_cap"


# --- the warning before the cap stops a step ------------------------------------------------

WARNING = [
    # history, places left, whether the cap can no longer complete the step in progress
    ("1XXX 1XXX 1XXX", 3, False),  # DL1 needs 3 evaluable: exactly 3 places
    ("1XXX 1XXX 1XXX 1X", 2, True),  # needs 3, 2 left
    ("1XXX 1XXX 1XXX 1XN", 1, True),
    ("1NNT 1NXNN 2NN", 3, False),  # DL2 needs 1 more
    ("1NNT 1NXNN 2NNT", 2, True),  # the DLT asks for 3 more at DL2: 2 left
    ("1NNT 1NXNN 2NNT 2N", 1, True),
    ("1NNT 1NNN 2NNT 2NNP", 0, False),  # every place the step needs is taken: the window decides
    ("1NNT 1NNN 2NNT 2NXP", 0, True),  # the replacement has no place
]


@pytest.mark.parametrize(("history", "left", "warned"), WARNING)
def test_an_alert_warns_when_the_places_left_cannot_complete_the_step(
        rd06, history, left, warned):
    decision = run(rd06, history)
    assert decision.places_under_cap == left
    assert ("cap-stops-step" in kinds(decision)) is warned
    assert not decision.complete  # the answer itself stays the step in progress


def test_the_warning_is_raised_once_by_the_enrolment_that_makes_it_true(rd06):
    before, after = run(rd06, "1NNT 1NXNN 2NN"), run(rd06, "1NNT 1NXNN 2NNT")
    assert [a.kind for a in new_alerts(before, after)] == ["cohort-must-expand", "cap-stops-step"]
    assert new_alerts(after, run(rd06, "1NNT 1NXNN 2NNT 2N")) == []
    [warning] = [a for a in after.alerts if a.kind == "cap-stops-step"]
    assert warning.dose_level == 2
    assert say(warning.reason) == (
        "DL2 (1 DLT in 3 evaluable participants) still needs 3 more participants for the step "
        "in progress, but 2 places are left under the cap of 12: the cap will stop dose "
        "escalation before DL2 is decided. If it does, DL1, the highest dose level cleared (1 "
        "DLT in 6 evaluable participants, 1 not evaluable (replaced)), is the dose recommended.")
    assert after.action == "expand" and after.next_dose == 2 and after.open_places == 2


# --- whether replaced participants take a place ---------------------------------------------


def test_replaced_participants_take_a_place_by_default(rd06):
    assert rd06.escalation.replaced_count_toward_cap is True
    assert run(rd06, "1NXN").places_under_cap == 9


def test_a_protocol_may_say_replaced_participants_take_no_place(replaced_free):
    assert run(replaced_free, "1NXN").places_under_cap == 10
    decision = run(replaced_free, "1XXX 1XXX 1XXX 1NNN")
    assert (decision.action, decision.next_dose, decision.places_under_cap) == ("escalate", 2, 9)
    decision = run(replaced_free, "1NNT 1NXNN 2NNT 2NN")  # 11 places taken
    assert (decision.action, decision.next_dose, decision.places_under_cap) == ("expand", 2, 1)
    assert "cap-stops-step" not in kinds(decision)
    # a pending participant still holds a place: only a replaced one gives it back
    waiting = run(replaced_free, "1NNT 1NXNN 2NNT 2NPN")  # 13 enrolled, 12 places taken
    assert (waiting.action, waiting.places_under_cap) == ("wait", 0)
    assert run(replaced_free, "1NNT 1NXNN 2NNT 2NXN").places_under_cap == 1


def test_with_replaced_free_places_the_cap_counts_the_others(replaced_free):
    run(replaced_free, "1NNT 1NXNN 2NNT 2NXN")  # 13 enrolled, 12 places taken
    with pytest.raises(HistoryError) as refused:
        run(replaced_free, "1NNT 1NXNN 2NNT 2NNN +2N")
    assert (refused.value.reason.code, refused.value.reason.params["number"]) == (
        "history.over_cap", 14)


def test_the_setting_is_named_in_the_protocol_file():
    from storage.protocol_file import DEFAULT_PROTOCOL_FILE

    assert "replaced_count_toward_cap = true" in DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")


# --- properties over simulated trials, caps the design often reaches ------------------------

CAPPED: list[Protocol] = []


def capped_protocols() -> list[Protocol]:
    """RD06-04 with caps the simulated trials often reach, both settings, 2 and 3 levels."""
    if not CAPPED:
        rd06 = load_protocol()
        CAPPED.extend(
            amended(rd06, levels=levels, max_participants=cap, replaced_count_toward_cap=counted)
            for levels, cap in ((2, 12), (2, 8), (3, 12), (3, 9)) for counted in (True, False))
    return CAPPED


def tolerated(history: list[Enrolment], level: int) -> bool:
    """0 DLT among the first 3 evaluable at `level`, or at most 1 among 6, and not 2 in all."""
    seen = [e.outcome for e in history
            if e.dose_level == level and not e.expansion and e.outcome in (N, T)]
    cleared = (len(seen) >= 3 and T not in seen[:3]) or (len(seen) >= 6 and seen.count(T) <= 1)
    return cleared and seen.count(T) <= 1


@PROPERTY_SETTINGS
@given(st.data())
def test_the_dose_recommended_at_every_end_state_is_tolerated_or_none(data):
    protocol = data.draw(st.sampled_from(capped_protocols()))
    for history, decision in simulate(protocol, data):
        if decision.complete and decision.recommended_dose is not None:
            assert tolerated(history, decision.recommended_dose), (history, decision.action)
        if decision.action == "cap-reached":
            assert decision.places_under_cap == 0 and decision.mtd is None


@PROPERTY_SETTINGS
@given(st.data())
def test_the_cap_ends_escalation_only_with_every_place_taken_and_no_window_open(data):
    protocol = data.draw(st.sampled_from(capped_protocols()))
    cap = protocol.escalation.max_participants
    completes = []
    for history, decision in simulate(protocol, data):
        completes.append(decision.complete)
        counted = [e for e in history
                   if protocol.escalation.replaced_count_toward_cap or e.outcome is not X
                   or e.expansion]
        assert decision.places_under_cap == cap - len(counted)
        if decision.places_under_cap == 0 and not decision.complete:
            assert decision.action == "wait" and decision.pending > 0
        warned = "cap-stops-step" in kinds(decision)
        assert not (warned and decision.complete)
        if decision.places_under_cap >= protocol.escalation.expanded_cohort_size:
            assert not warned  # no step needs more than 6
        assert decision.open_places <= decision.places_under_cap
    if protocol.escalation.replaced_count_toward_cap:
        assert completes == sorted(completes)  # once over, escalation stays over
