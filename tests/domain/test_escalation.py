"""The 3+3 engine against shared/reference/three-plus-three.md, rule by rule."""

from __future__ import annotations

from dataclasses import FrozenInstanceError, asdict
from datetime import date

import pytest

from domain.escalation import (
    Alert,
    Decision,
    Enrolment,
    HistoryError,
    Outcome,
    decide,
    format_history,
    new_alerts,
    outcome_on,
    parse_history,
)
from domain.protocol import DoseLevel, Protocol
from domain.reasons import Reason
from handlers.wording import say
from storage.protocol_file import load_protocol


@pytest.fixture(scope="module")
def rd06() -> Protocol:
    return load_protocol()


@pytest.fixture(scope="module")
def three_levels(rd06: Protocol) -> Protocol:
    """RD06-04 after an amendment adding a higher DL3: levels are a list, not a pair."""
    return with_levels(rd06, 1e5, 5e5, 1e6)


def with_levels(protocol: Protocol, *cells_per_kg: float) -> Protocol:
    levels = [
        {"level": n, "label": f"DL{n}", "cells_per_kg": cells}
        for n, cells in enumerate(cells_per_kg, start=1)
    ]
    return Protocol.model_validate({**protocol.model_dump(), "dose_levels": levels})


def run(protocol: Protocol, history: str) -> Decision:
    return decide(protocol, parse_history(history))


def kinds(decision: Decision) -> list[tuple[str, int | None]]:
    return [(alert.kind, alert.dose_level) for alert in decision.alerts]


# --- the worked examples of the reference, every column -------------------------------------

WORKED_EXAMPLES = [
    # history, next_dose, complete, mtd, recommended_dose, action
    ("", 1, False, None, 1, "enroll"),
    ("1NNN", 2, False, None, 2, "escalate"),
    ("1NNT", 1, False, None, 1, "expand"),
    ("1NTT", None, True, None, None, "no-tolerated-dose"),
    ("1NNT 1NNN", 2, False, None, 2, "escalate"),
    ("1NNN 2NNN", None, True, None, 2, "top-dose-cleared"),
    ("1NNN 2NTT", 1, False, None, 1, "de-escalate"),
    ("1NNN 2NTT 1NTN", None, True, 1, 1, "mtd"),
    ("1NNT 1NNN 2NNT 2NTN", None, True, 1, 1, "mtd"),
    ("1NNP", None, False, None, 1, "wait"),
    ("1NXN", 1, False, None, 1, "enroll"),
]


@pytest.mark.parametrize(
    ("history", "next_dose", "complete", "mtd", "recommended", "action"), WORKED_EXAMPLES
)
def test_worked_examples(rd06, history, next_dose, complete, mtd, recommended, action):
    decision = run(rd06, history)
    assert (
        decision.next_dose, decision.complete, decision.mtd, decision.recommended_dose,
        decision.action,
    ) == (next_dose, complete, mtd, recommended, action)


def test_whitespace_is_the_empty_history(rd06):
    assert run(rd06, "  \n\t ") == run(rd06, "") == decide(rd06, [])


# --- the rules ------------------------------------------------------------------------------

RULES = [
    # history, action, next_dose, complete, mtd, recommended_dose, current_dose
    # t >= 2 exceeds at once, without waiting for windows still open
    ("1TTP", "no-tolerated-dose", None, True, None, None, None),
    ("1TPT", "no-tolerated-dose", None, True, None, None, None),
    ("1NNN 2TTP", "de-escalate", 1, False, None, 1, 1),
    ("1NNT 1NNT", "no-tolerated-dose", None, True, None, None, None),
    ("1NNT 1NNN 2TTP", "mtd", None, True, 1, 1, None),  # DL1 already has 6: no de-escalation
    # a de-escalated level: 6 with <= 1 DLT is the MTD, >= 2 exceeds
    ("1NNN 2NTT 1NNN", "mtd", None, True, 1, 1, None),
    ("1NNN 2NTT 1NTT", "no-tolerated-dose", None, True, None, None, None),
    ("1NNN 2NTT 1TNT", "no-tolerated-dose", None, True, None, None, None),
    # n = 3, t = 1 expands; n = 6, t <= 1 clears
    ("1NNN 2NNT", "expand", 2, False, None, 2, 2),
    ("1NNN 2TNN 2NNN", "top-dose-cleared", None, True, None, 2, None),
    ("1NNN 2NNT 2NNT", "de-escalate", 1, False, None, 1, 1),
    # the step in progress names the action until it is done
    ("1N", "enroll", 1, False, None, 1, 1),
    ("1NN", "enroll", 1, False, None, 1, 1),
    ("1NNN 2N", "escalate", 2, False, None, 2, 2),
    ("1NNN 2NN", "escalate", 2, False, None, 2, 2),
    ("1NNT 1NN", "expand", 1, False, None, 1, 1),
    ("1NNN 2NTT 1NN", "de-escalate", 1, False, None, 1, 1),
    # every place taken and a window open: wait, unless the DLTs seen already decide
    ("1PPP", "wait", None, False, None, 1, 1),
    ("1NNT 1NPP", "wait", None, False, None, 1, 1),
    ("1NNN 2NTP", "wait", None, False, None, 2, 2),
    ("1NNN 2NTT 1NNP", "wait", None, False, None, 1, 1),
    ("1TP", "enroll", 1, False, None, 1, 1),
    # not evaluable: replaced, place freed
    ("1XXX", "enroll", 1, False, None, 1, 1),
    ("1NXNN", "escalate", 2, False, None, 2, 2),
    ("1NNT 1NXNN", "escalate", 2, False, None, 2, 2),
]


@pytest.mark.parametrize(
    ("history", "action", "next_dose", "complete", "mtd", "recommended", "current"), RULES
)
def test_rules(rd06, history, action, next_dose, complete, mtd, recommended, current):
    decision = run(rd06, history)
    assert (
        decision.action, decision.next_dose, decision.complete, decision.mtd,
        decision.recommended_dose, decision.current_dose,
    ) == (action, next_dose, complete, mtd, recommended, current)


def test_not_evaluable_participant_is_replaced(rd06):
    decision = run(rd06, "1NXN")
    assert (decision.action, decision.next_dose, decision.open_places) == ("enroll", 1, 1)
    dl1 = decision.per_level[0]
    assert (dl1.enrolled, dl1.evaluable, dl1.not_evaluable) == (3, 2, 1)
    assert decision.places_under_cap == 9  # the replaced participant counts toward the cap


@pytest.mark.parametrize(
    ("history", "open_places", "pending", "places_under_cap"),
    [
        ("", 3, 0, 12),
        ("1N", 2, 0, 11),
        ("1NP", 1, 1, 10),
        ("1NNT", 3, 0, 9),
        ("1NNT 1PX", 2, 1, 7),
        ("1NNP", 0, 1, 9),
        ("1NNN 2NTT", 3, 0, 6),
        ("1NNN 2NNN", 0, 0, 6),
        ("1TTP", 0, 1, 9),  # escalation over: pending counts every window still open
    ],
)
def test_places_and_pending(rd06, history, open_places, pending, places_under_cap):
    decision = run(rd06, history)
    assert (decision.open_places, decision.pending, decision.places_under_cap) == (
        open_places, pending, places_under_cap,
    )


def refusal(protocol: Protocol, history: str) -> Reason:
    """Why the protocol forbids `history` (the test fails if it is allowed)."""
    with pytest.raises(HistoryError) as refused:
        run(protocol, history)
    return refused.value.reason


def test_reason_is_a_code_with_parameters(rd06):
    reason = run(rd06, "1NNT").reason
    assert (reason.code, reason.params["level"], reason.params["full"]) == (
        "escalation.reason.expand", "DL1", 6)
    assert reason.params["tally"] == Reason(code="escalation.tally", params={
        "dlts": Reason(code="escalation.dlts", params={"count": 1}),
        "evaluable": Reason(code="escalation.evaluable", params={"count": 3}),
        "pending": Reason(code="escalation.pending", params={"count": 0}),
        "not_evaluable": Reason(code="escalation.not_evaluable", params={"count": 0})})
    assert run(rd06, "1NNP").reason.code == "escalation.reason.wait"
    assert run(rd06, "").reason.code == "escalation.reason.start"


def test_reason_in_plain_words(rd06):
    assert say(run(rd06, "1NNT").reason).startswith(
        "DL1: 1 DLT in 3 evaluable participants: expand DL1 to 6"
    )
    assert "wait" in say(run(rd06, "1NNP").reason)
    assert say(run(rd06, "1NNN 2NTT 1NTN").reason).startswith("DL1 is the MTD")
    assert "no tolerated dose" in say(run(rd06, "1NTT").reason)


def test_per_level_summary(rd06):
    decision = run(rd06, "1NNT 1NXNN 2NTP")
    dl1, dl2 = decision.per_level
    assert asdict(dl1) == {
        "level": 1, "label": "DL1", "enrolled": 7, "evaluable": 6, "dlts": 1, "pending": 0,
        "not_evaluable": 1, "expansion": 0, "status": "cleared",
    }
    assert asdict(dl2) == {
        "level": 2, "label": "DL2", "enrolled": 3, "evaluable": 2, "dlts": 1, "pending": 1,
        "not_evaluable": 0, "expansion": 0, "status": "under-evaluation",
    }
    assert [s.status for s in run(rd06, "").per_level] == ["under-evaluation", "not-opened"]
    assert [s.status for s in run(rd06, "1NNN 2NTT 1NNN").per_level] == ["mtd", "exceeds-mtd"]
    assert [s.status for s in run(rd06, "1NNN 2NNN").per_level] == ["cleared", "cleared"]
    assert [s.status for s in run(rd06, "1NTT").per_level] == ["exceeds-mtd", "not-opened"]


# --- alerts: the ones the current step raises -----------------------------------------------

ALERTS = [
    ("", []),
    ("1NN", []),
    ("1NNT", [("cohort-must-expand", 1)]),
    ("1NNT 1NP", [("cohort-must-expand", 1)]),  # the step is still the expansion
    ("1NNN", [("escalation-allowed", 2)]),
    ("1NNN 2NP", [("escalation-allowed", 2)]),
    ("1NNN 2NNT", [("cohort-must-expand", 2)]),
    (
        "1NNN 2NTT",
        [("dose-exceeds-mtd", 2), ("de-escalate", 1), ("intermediate-dose-may-be-chosen", 2)],
    ),
    (
        "1NNN 2NTT 1NTN",
        [("dose-exceeds-mtd", 2), ("mtd-declared", 1), ("intermediate-dose-may-be-chosen", 2)],
    ),
    ("1NNN 2NNN", [("top-dose-cleared", 2)]),
    ("1NTT", [("dose-exceeds-mtd", 1), ("no-tolerated-dose", 1)]),
    (
        "1NNT 1NNN 2NNT 2NTN",
        [
            ("dose-exceeds-mtd", 2), ("mtd-declared", 1), ("intermediate-dose-may-be-chosen", 2),
            ("cap-reached", None),
        ],
    ),
]


@pytest.mark.parametrize(("history", "expected"), ALERTS)
def test_alerts_of_the_current_step(rd06, history, expected):
    assert kinds(run(rd06, history)) == expected


def test_alert_messages_are_plain_english(rd06):
    exceeds, de_escalate, intermediate = run(rd06, "1NNN 2NTT").alerts
    assert exceeds.params["then"] == Reason(code="escalation.then.de-escalate",
                                            params={"level": "DL1", "full": 6})
    assert exceeds.reason.code == "alert.dose-exceeds-mtd"
    assert say(exceeds.reason) == (
        "DL2 exceeds the MTD: 2 DLTs in 3 evaluable participants. De-escalate: expand DL1 to 6."
    )
    assert de_escalate.params == {"level": "DL1", "full": 6, "evaluable": 3}
    assert "DL1" in say(de_escalate.reason) and "6" in say(de_escalate.reason)
    assert intermediate.params == {"top": "DL2", "lower": "DL1"}
    assert "between DL1 and DL2" in say(intermediate.reason)
    [cap] = [a for a in run(rd06, "1NNT 1NNN 2NNT 2NTN").alerts if a.kind == "cap-reached"]
    assert cap.dose_level is None and cap.params == {"cap": 12} and "12" in say(cap.reason)


def test_new_alerts_are_those_the_last_event_raised(rd06):
    before, after = run(rd06, "1NNN 2NT"), run(rd06, "1NNN 2NTT")
    assert [a.kind for a in new_alerts(before, after)] == [
        "dose-exceeds-mtd", "de-escalate", "intermediate-dose-may-be-chosen",
    ]
    assert new_alerts(after, run(rd06, "1NNN 2NTT 1N")) == []
    assert new_alerts(None, run(rd06, "1NNT")) == run(rd06, "1NNT").alerts
    assert isinstance(new_alerts(None, run(rd06, "1NNT"))[0], Alert)


# --- more than two levels -------------------------------------------------------------------

THREE_LEVELS = [
    # history, action, next_dose, complete, mtd, recommended_dose
    ("1NNN 2NNN", "escalate", 3, False, None, 3),
    ("1NNN 2NNN 3NTT", "de-escalate", 2, False, None, 2),
    ("1NNN 2NNN 3NNN", "top-dose-cleared", None, True, None, 3),
    ("1NNN 2NNN 3NTT 2NTN", "mtd", None, True, 2, 2),
    ("1NNN 2NNT 2NNN 3TTP", "mtd", None, True, 2, 2),
    ("1NNN 2NNN 3NTT 2TT", "de-escalate", 1, False, None, 1),
]


@pytest.mark.parametrize(
    ("history", "action", "next_dose", "complete", "mtd", "recommended"), THREE_LEVELS
)
def test_levels_are_a_list(three_levels, history, action, next_dose, complete, mtd, recommended):
    decision = run(three_levels, history)
    assert (
        decision.action, decision.next_dose, decision.complete, decision.mtd,
        decision.recommended_dose,
    ) == (action, next_dose, complete, mtd, recommended)
    assert len(decision.per_level) == 3


def test_three_levels_alerts(three_levels):
    assert kinds(run(three_levels, "1NNN 2NNN 3NTT")) == [
        ("dose-exceeds-mtd", 3), ("de-escalate", 2), ("intermediate-dose-may-be-chosen", 3),
    ]
    # DL2 is not the highest level: no intermediate dose alert when it exceeds (and 11 of the
    # 12 places are taken: DL1 needs 3 more, so the cap will stop the de-escalation)
    assert kinds(run(three_levels, "1NNN 2NNN 3NTT 2TT")) == [
        ("dose-exceeds-mtd", 2), ("de-escalate", 1), ("cap-stops-step", 1),
    ]


def test_cap_stops_a_step_that_cannot_finish(three_levels):
    # the reference (At the cap of 12): no place left, no window open: escalation is over
    decision = run(three_levels, "1NNN 2NNN 3NTT 2NTT")
    assert (decision.action, decision.next_dose, decision.complete) == ("cap-reached", None, True)
    assert decision.recommended_dose == 1 and decision.places_under_cap == 0
    assert ("cap-reached", None) in kinds(decision)


# --- the cap of 12 --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "history",
    [
        "1NNT 1NNN 2NNT 2NNP",  # 12 enrolled, one window open
        # "1NNT 1NNN 2NNT 2NNX" was here: no window is open, so it is the end state cap-reached
        # (tests/domain/test_escalation_cap.py), not wait
    ],
)
def test_cap_reached_during_escalation(rd06, history):
    decision = run(rd06, history)
    assert (decision.action, decision.next_dose, decision.open_places) == ("wait", None, 0)
    assert decision.places_under_cap == 0 and not decision.complete
    assert kinds(decision)[-1] == ("cap-reached", None)
    assert decision.reason.code == "escalation.reason.cap_reached"
    assert decision.reason.params["reason"].code == "escalation.reason.wait"
    assert "cap" in say(decision.reason)


def test_cap_counts_case_expansion(rd06):
    decision = run(rd06, "1NNN 2NNN +2NNN +2PPP")
    assert decision.action == "top-dose-cleared" and decision.places_under_cap == 0
    assert ("cap-reached", None) in kinds(decision)
    reason = refusal(rd06, "1NNN 2NNN +2NNN +2PPP +1N")
    assert reason.code == "history.over_cap" and reason.params["cap"] == 12
    assert "at most 12 participants" in say(reason)


# --- case expansion -------------------------------------------------------------------------


def test_case_expansion_does_not_change_decisions(rd06):
    before = run(rd06, "1NNN 2NTT 1NTN")
    after = run(rd06, "1NNN 2NTT 1NTN +1TTP")
    assert (after.action, after.mtd, after.recommended_dose, after.complete) == (
        before.action, before.mtd, before.recommended_dose, before.complete,
    )
    assert after.places_under_cap == before.places_under_cap - 3
    assert after.per_level[0].expansion == 3 and after.per_level[0].enrolled == 9
    assert after.per_level[0].dlts == before.per_level[0].dlts


def test_case_expansion_after_top_dose_cleared(rd06):
    decision = run(rd06, "1NNN 2NNN +2NN +1P")
    assert decision.action == "top-dose-cleared" and decision.places_under_cap == 3


@pytest.mark.parametrize(
    ("history", "message"),
    [
        ("+1N", "dose escalation was not complete"),
        ("1NNN +1N", "dose escalation was not complete"),
        ("1NNN 2NTT 1NNN +2N", "above the dose the design recommends (DL1 is the MTD)"),
        ("1NTT +1N", "no dose level is tolerated"),
        ("1NNN 2NNN +2N 2N", "after dose escalation had ended"),
    ],
)
def test_case_expansion_refused(rd06, history, message):
    assert message in say(refusal(rd06, history))


# --- histories the protocol forbids ---------------------------------------------------------

FORBIDDEN = [
    ("3NNN", "participant 1: DL3 does not exist in RD06-04 (dose levels DL1, DL2)"),
    ("1NNN 0N", "participant 4: DL0 does not exist in RD06-04"),
    ("2NNN", "participant 1 was enrolled at DL2: dose escalation starts at DL1"),
    (
        "1NNT 2N",
        "participant 4 was enrolled at DL2 while DL1 was still undecided"
        " (1NNT needs expansion to 6 first)",
    ),
    (
        "1NNP 2N",
        "participant 4 was enrolled at DL2 while DL1 was still undecided"
        " (1NNP: DLT windows still open)",
    ),
    (
        "1NN 2N",
        "participant 3 was enrolled at DL2 while DL1 was still undecided"
        " (1NN needs 3 evaluable participants first)",
    ),
    ("1NNT 1NNN 1N", "participant 7: 7 participants evaluated at DL1: at most 6"),
    ("1NNT 1NNX 1NN", "participant 8: 7 participants evaluated at DL1: at most 6"),
    (
        "1NNNN",
        "participant 4 was enrolled at DL1, but DL1 had already been cleared (1NNN);"
        " the next participants go to DL2",
    ),
    (
        "1NNP 1N",
        "participant 4 was enrolled at DL1 while all 3 places at DL1 were taken and DLT"
        " windows were still open (1NNP)",
    ),
    (
        "1NNN 2NTT 2N",
        "participant 7 was enrolled at DL2, but DL2 exceeds the MTD (2NTT);"
        " the next participants go to DL1",
    ),
    (
        "1NNN 2NNN 1N",
        "participant 7 was enrolled at DL1 for DLT evaluation after dose escalation had ended"
        " (the top dose DL2 was cleared)",
    ),
    ("1NTT 1N", "after dose escalation had ended (no dose level is tolerated)"),
    ("1NNN 2NTP 1N", "participant 7 was enrolled at DL1, but DL1 had already been cleared"),
    ("1NNT 1NNN 2NNT 2NNX 2N", "participant 13 is over the cap: at most 12 participants"),
]


@pytest.mark.parametrize(("history", "message"), FORBIDDEN)
def test_forbidden_histories_are_refused(rd06, history, message):
    assert message in say(refusal(rd06, history))


def test_a_refusal_is_a_code_with_parameters(rd06):
    assert refusal(rd06, "2NNN") == Reason(code="history.starts_at", params={
        "number": 1, "level": "DL2", "current": "DL1"})
    assert refusal(rd06, "3NNN").params["levels"] == ["DL1", "DL2"]
    undecided = refusal(rd06, "1NNT 2N")
    assert undecided.code == "history.undecided"
    assert undecided.params["needs"] == Reason(code="history.needs.expansion", params={
        "token": "1NNT", "size": 3, "full": 6})


def test_levels_open_one_at_a_time(three_levels):
    reason = refusal(three_levels, "1NNN 3N")
    assert reason.code == "history.one_at_a_time"
    assert "opened one at a time: the next is DL2" in say(reason)


@pytest.mark.parametrize(
    "history",
    [
        "1TTP",  # the third was enrolled while both DLTs were still unknown
        "1TTN",
        "1NNN 2TTN 1N",
        "1NNT 1NNP",
        "1NNN 2NTT 1NTN +1N",
        "1TXTP",  # the 4th replaced the X while both DLTs were still unknown
    ],
)
def test_outcomes_may_become_known_after_later_enrolments(rd06, history):
    run(rd06, history)


def test_replacement_needs_a_not_evaluable_participant(rd06):
    run(rd06, "1NXP 1N")  # the X freed the place
    for history in ("1NNP 1N", "1PPP 1X"):
        reason = refusal(rd06, history)
        assert reason.code == "history.places_taken" and "were taken" in say(reason)


def test_history_error_is_a_value_error():
    assert issubclass(HistoryError, ValueError)


# --- outcome strings ------------------------------------------------------------------------


def test_parse_history():
    assert parse_history("1NT 2P") == [
        Enrolment(dose_level=1, outcome=Outcome.NO_DLT),
        Enrolment(dose_level=1, outcome=Outcome.DLT),
        Enrolment(dose_level=2, outcome=Outcome.PENDING),
    ]
    assert parse_history("1x +2n") == [
        Enrolment(dose_level=1, outcome=Outcome.NOT_EVALUABLE),
        Enrolment(dose_level=2, outcome=Outcome.NO_DLT, expansion=True),
    ]
    assert parse_history("1NNT1NNN") == parse_history("1NNT 1NNN")
    assert parse_history("") == parse_history("   ") == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1NNQ", "unknown outcome letter 'Q' in '1NNQ'"),
        ("NNT", "cannot read 'NNT'"),
        ("1NNT NNN", "cannot read 'NNN'"),
        ("1", "dose level 1 is not followed by any outcome letter"),
        ("1NN-", "unknown outcome letter '-'"),
        ("+", "cannot read '+'"),
        ("1N+", "cannot read '1N+'"),
    ],
)
def test_parse_refuses_bad_syntax(text, message):
    with pytest.raises(HistoryError) as refused:
        parse_history(text)
    assert refused.value.reason.code.startswith("history.")
    assert message in say(refused.value.reason)


@pytest.mark.parametrize(
    ("text", "formatted"),
    [
        ("", ""),
        ("1NNT 1NNN 2NTT", "1NNT 1NNN 2NTT"),
        ("1NNTNNN", "1NNT 1NNN"),
        ("1NXNN 2P", "1NXN 1N 2P"),
        ("1NNN 2NNN +2NN +1P", "1NNN 2NNN +2NN +1P"),
    ],
)
def test_format_history(text, formatted):
    assert format_history(parse_history(text)) == formatted
    assert parse_history(formatted) == parse_history(text)


# --- outcome of one DLT window --------------------------------------------------------------

WINDOW_END = date(2025, 3, 1)


@pytest.mark.parametrize(
    ("has_dlt", "withdrawn_on", "today", "outcome"),
    [
        (True, None, date(2025, 2, 1), Outcome.DLT),
        (True, date(2025, 2, 10), date(2025, 4, 1), Outcome.DLT),
        (False, date(2025, 2, 10), date(2025, 2, 11), Outcome.NOT_EVALUABLE),
        (False, date(2025, 3, 1), date(2025, 3, 2), Outcome.NO_DLT),  # withdrew as it ended
        (False, None, date(2025, 2, 28), Outcome.PENDING),
        (False, None, date(2025, 3, 1), Outcome.PENDING),  # the last day is still observed
        (False, None, date(2025, 3, 2), Outcome.NO_DLT),
    ],
)
def test_outcome_on(has_dlt, withdrawn_on, today, outcome):
    assert outcome_on(
        has_dlt=has_dlt, withdrawn_on=withdrawn_on, dlt_window_end=WINDOW_END, today=today,
        evaluated=True,
    ) is outcome


@pytest.mark.parametrize(("facts", "outcome"), [
    ({"today": date(2025, 3, 2)}, Outcome.PENDING),  # window over, evaluation not confirmed
    ({"today": date(2025, 3, 2), "evaluated": True}, Outcome.NO_DLT),
    ({"today": date(2025, 3, 1), "evaluated": True}, Outcome.PENDING),  # still observed
    ({"withdrawn_on": date(2025, 3, 1), "today": date(2025, 3, 2)}, Outcome.PENDING),
    ({"withdrawn_on": date(2025, 2, 10), "today": date(2025, 2, 11)}, Outcome.NOT_EVALUABLE),
    ({"has_dlt": True, "today": date(2025, 3, 2)}, Outcome.DLT),  # no evaluation needed
    ({"underdosed": True, "today": date(2025, 2, 1)}, Outcome.NOT_EVALUABLE),
    ({"underdosed": True, "today": date(2025, 3, 2), "evaluated": True},
     Outcome.NOT_EVALUABLE),
    ({"underdosed": True, "has_dlt": True, "today": date(2025, 2, 1)}, Outcome.DLT),
])
def test_the_end_of_a_window_is_no_dlt_only_once_evaluated(facts, outcome):
    facts = {"has_dlt": False, "withdrawn_on": None, "evaluated": False, **facts}
    assert outcome_on(dlt_window_end=WINDOW_END, **facts) is outcome


# --- the answer as data ---------------------------------------------------------------------


def test_json_summary(rd06):
    summary = run(rd06, "1NNN 2NTT").as_json_summary()
    assert {k: summary[k] for k in ("action", "next_dose", "complete", "mtd",
                                    "recommended_dose")} == {
        "action": "de-escalate", "next_dose": 1, "complete": False, "mtd": None,
        "recommended_dose": 1,
    }
    assert summary["alerts"][0]["kind"] == "dose-exceeds-mtd"
    assert summary["per_level"][1]["status"] == "exceeds-mtd"
    assert summary["reason"]["code"] == "escalation.reason.de-escalate"


def test_decision_is_frozen(rd06):
    decision = run(rd06, "1NNT")
    with pytest.raises(FrozenInstanceError):
        decision.action = "mtd"


def test_earliest_next_infusion_when_infusions_are_staggered(rd06):
    staggered = rd06.model_copy(
        update={"escalation": rd06.escalation.model_copy(update={"days_between_infusions": 14})}
    )
    history = parse_history("1NP")
    assert decide(staggered, history, last_infusion=date(2025, 1, 1)).earliest_next_infusion == (
        date(2025, 1, 15)
    )
    assert decide(rd06, history, last_infusion=date(2025, 1, 1)).earliest_next_infusion is None
    assert decide(staggered, parse_history("1NNP"),
                  last_infusion=date(2025, 1, 1)).earliest_next_infusion is None


def test_dose_level_model_is_used_for_labels(rd06):
    relabelled = rd06.model_copy(update={"dose_levels": (
        DoseLevel(level=1, label="low", cells_per_kg=1e5),
        DoseLevel(level=2, label="high", cells_per_kg=5e5),
    )})
    assert run(relabelled, "1NNT").reason.params["level"] == "low"
    assert say(run(relabelled, "1NNT").reason).startswith(
        "low: 1 DLT in 3 evaluable participants")
