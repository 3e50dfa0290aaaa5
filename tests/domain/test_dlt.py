"""DLT suggestions against the protocol's DLT definition, and the alerts a report newly raises."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from domain.dlt import (
    ATTRIBUTIONS,
    GRADES,
    GRADING,
    Suggestion,
    dlt_window_end,
    escalation_alerts,
    needs_check,
    suggest_dlt,
)
from domain.escalation import decide, parse_history
from domain.protocol import DltRule, Protocol
from domain.reasons import Reason
from handlers.wording import say

INFUSION = date(2026, 11, 22)
WINDOW_END = date(2026, 12, 20)


def suggest(protocol: Protocol, event: str, grade: int, *, attribution: str = "probable",
            onset: date = date(2026, 11, 30)) -> Suggestion:
    return suggest_dlt(protocol, event=event, grade=grade, attribution=attribution, onset=onset,
                       infusion_date=INFUSION, dlt_window_end=WINDOW_END)


def test_grading_and_attributions():
    assert GRADING["crs"] == GRADING["icans"] == "ASTCT"
    assert {GRADING[e] for e in ("cytopenia", "infection", "other")} == {"CTCAE v5.0"}
    assert GRADES["ASTCT"] == GRADES["CTCAE v5.0"] == (1, 2, 3, 4, 5)
    assert ATTRIBUTIONS == ("unrelated", "unlikely", "possible", "probable", "definite")


def test_grade_4_crs_is_a_dlt_without_anything_to_check(protocol):
    rule = "Grade 4 CRS (ASTCT)"
    assert suggest(protocol, "crs", 4) == Suggestion(
        True, rule, Reason(code="dlt.rule", params={"rule": rule}))
    assert say(suggest(protocol, "crs", 4).reason) == rule


def test_grade_3_crs_depends_on_its_course(protocol):
    rule = "Grade 3 CRS not improving to grade 2 or less within 72 h"
    assert suggest(protocol, "crs", 3) == Suggestion(
        True, rule, Reason(code="dlt.check_rule", params={"rule": rule}))
    assert say(suggest(protocol, "crs", 3).reason) == f"check: {rule}"


def test_icans_grade_3_or_higher(protocol):
    for grade in (3, 4):
        result = suggest(protocol, "icans", grade)
        assert result.is_dlt and say(result.reason) == "ICANS grade 3 or higher (ASTCT)"
    assert not suggest(protocol, "icans", 2).is_dlt


@pytest.mark.parametrize("event, grade, words", [
    ("cytopenia", 4, "lasting beyond day 28"),
    ("infection", 3, "lasting more than 72 h"),
    ("other", 3, "not an expected transient laboratory change"),
])
def test_rules_with_a_duration_ask_to_check_it(protocol, event, grade, words):
    result = suggest(protocol, event, grade)
    assert result.is_dlt
    assert result.reason.code == "dlt.check_rule" and words in result.reason.params["rule"]
    assert say(result.reason).startswith("check: ")


def test_any_grade_5_event_is_a_dlt(protocol):
    # grade 5 cytopenia meets the duration rule too; the rule needing no check is named
    result = suggest(protocol, "cytopenia", 5)
    assert result.rule == say(result.reason) == "Any grade 5 event"
    assert say(suggest(protocol, "crs", 5).reason) == "Grade 4 CRS (ASTCT)"


@pytest.mark.parametrize("event, grade, lowest", [
    ("crs", 2, 3), ("icans", 2, 3), ("cytopenia", 3, 4), ("infection", 2, 3), ("other", 1, 3),
])
def test_below_the_definition(protocol, event, grade, lowest):
    result = suggest(protocol, event, grade)
    assert not result.is_dlt and result.rule is None
    assert result.reason.code == "dlt.below_definition"
    assert (result.reason.params["grade"], result.reason.params["lowest"]) == (grade, lowest)
    words = say(result.reason)
    assert "below the DLT definition" in words and f"from grade {lowest}" in words


def test_onset_after_the_window(protocol):
    result = suggest(protocol, "crs", 4, onset=WINDOW_END + timedelta(days=1))
    assert result == Suggestion(False, None, Reason(code="dlt.onset_after_window",
                                                    params={"window_end": "2026-12-20"}))
    assert say(result.reason) == "onset after the DLT window (ended 2026-12-20)"


def test_window_is_inclusive_at_both_ends(protocol):
    assert suggest(protocol, "crs", 4, onset=INFUSION).is_dlt
    assert suggest(protocol, "crs", 4, onset=WINDOW_END).is_dlt


def test_onset_before_the_infusion(protocol):
    result = suggest(protocol, "crs", 4, onset=INFUSION - timedelta(days=1))
    assert not result.is_dlt and result.reason.code == "dlt.onset_before_infusion"
    assert say(result.reason) == "onset before the infusion (2026-11-22)"


@pytest.mark.parametrize("attribution", ["unrelated", "unlikely"])
def test_not_at_least_possibly_related(protocol, attribution):
    result = suggest(protocol, "crs", 4, attribution=attribution)
    assert not result.is_dlt and result.reason.code == "dlt.not_related"
    assert say(result.reason).startswith(attribution)
    assert "at least possibly related" in say(result.reason)


@pytest.mark.parametrize("attribution", ["possible", "probable", "definite"])
def test_possibly_related_or_more(protocol, attribution):
    assert suggest(protocol, "crs", 4, attribution=attribution).is_dlt


def test_outside_the_window_wins_over_unrelated(protocol):
    result = suggest(protocol, "crs", 4, attribution="unrelated", onset=date(2027, 1, 5))
    assert result.reason.code == "dlt.onset_after_window"


@pytest.mark.parametrize("event, grade, attribution", [
    ("rash", 3, "possible"), ("crs", 6, "possible"), ("crs", 0, "possible"),
    ("crs", 3, "related"),
])
def test_unknown_values_are_refused(protocol, event, grade, attribution):
    with pytest.raises(ValueError):
        suggest(protocol, event, grade, attribution=attribution)


def test_a_protocol_without_a_rule_for_the_event(protocol):
    only_crs = Protocol.model_validate({
        **protocol.model_dump(),
        "dlt_definition": [{"event": "crs", "min_grade": 4, "text": "Grade 4 CRS"}],
    })
    result = suggest(only_crs, "icans", 4)
    assert not result.is_dlt and result.reason.code == "dlt.no_rule"
    assert say(result.reason) == "no DLT rule covers ICANS"


def test_needs_check():
    assert needs_check(DltRule(event="crs", min_grade=3, text="Grade 3 CRS",
                               check="not improving within 72 h"))
    assert needs_check(DltRule(event="other", min_grade=3, text="Grade 3", check="lasting 3 days"))
    assert not needs_check(DltRule(event="crs", min_grade=4, text="Grade 4 CRS (ASTCT)"))
    assert not needs_check(DltRule(event="any", min_grade=5, text="Any grade 5 event"))


def test_dlt_window_end(protocol):
    assert dlt_window_end(protocol, date(2026, 12, 1)) == date(2026, 12, 29)


def kinds(alerts):
    return [(a.kind, a.dose_level) for a in alerts]


def test_first_dlt_in_three_newly_raises_expansion(protocol):
    before = decide(protocol, parse_history("1NNP"))
    after = decide(protocol, parse_history("1NNT"))
    assert kinds(escalation_alerts(before, after)) == [("cohort-must-expand", 1)]


def test_an_alert_already_raised_is_not_raised_again(protocol):
    before = decide(protocol, parse_history("1NNT 1PP"))
    after = decide(protocol, parse_history("1NNT 1NP"))
    assert ("cohort-must-expand", 1) in kinds(before.alerts)
    assert escalation_alerts(before, after) == []
    assert escalation_alerts(after, after) == []


def test_second_dlt_raises_exceeds_and_no_tolerated_dose(protocol):
    before = decide(protocol, parse_history("1NNT 1NPP"))
    after = decide(protocol, parse_history("1NNT 1NTP"))
    assert kinds(escalation_alerts(before, after)) == [
        ("dose-exceeds-mtd", 1), ("no-tolerated-dose", 1)]


def test_the_same_kind_at_another_level_is_new(protocol):
    before = decide(protocol, parse_history("1NNN"))
    after = decide(protocol, parse_history("1NNN 2NNT"))
    assert kinds(escalation_alerts(before, after)) == [("cohort-must-expand", 2)]


def test_without_a_decision_before_every_alert_is_new(protocol):
    after = decide(protocol, parse_history("1NNT"))
    assert escalation_alerts(None, after) == after.alerts


@pytest.mark.parametrize("infusion", [date(9999, 12, 31), date(9999, 12, 10), date.max])
def test_the_window_end_never_leaves_the_calendar(protocol, infusion):
    """An infusion so late that 28 days later is past date.max: no OverflowError."""
    assert dlt_window_end(protocol, infusion) == date.max


def test_the_window_end_is_28_days_after_the_infusion(protocol):
    assert dlt_window_end(protocol, INFUSION) == WINDOW_END
    assert dlt_window_end(protocol, date.max - timedelta(days=28)) == date.max
