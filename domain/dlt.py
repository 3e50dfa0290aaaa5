"""DLT reports: how each event is graded, and whether a report meets the protocol's DLT definition.

The suggestion is only a suggestion: the investigator's judgement is final and is recorded next
to it. Rules whose text adds a duration or an exclusion ("not improving within 72 h", "lasting
beyond day 28") cannot be checked from a grade alone, so the reason asks the investigator to
check that part.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import NamedTuple

from domain.escalation import Alert, Decision, new_alerts
from domain.protocol import DltRule, Protocol
from domain.reasons import Codes, Reason

GRADING = {
    "crs": "ASTCT",
    "icans": "ASTCT",
    "cytopenia": "CTCAE v5.0",
    "infection": "CTCAE v5.0",
    "other": "CTCAE v5.0",
}
GRADES = {"ASTCT": (1, 2, 3, 4, 5), "CTCAE v5.0": (1, 2, 3, 4, 5)}
ATTRIBUTIONS = ("unrelated", "unlikely", "possible", "probable", "definite")
RELATED = ("possible", "probable", "definite")  # at least possibly related

# Why an event is (or is not) suggested as a DLT; events and attributions are named by code too.
REASON = Codes(
    "dlt", "onset_before_infusion", "onset_after_window", "not_related", "no_rule",
    "below_definition", "rule", "check_rule",
    *(f"event.{event}" for event in GRADING), *(f"attribution.{a}" for a in ATTRIBUTIONS),
)
CODES = REASON.all


class Suggestion(NamedTuple):
    is_dlt: bool
    rule: str | None  # the text of the DLT rule the event meets
    reason: Reason


def needs_check(rule: DltRule) -> bool:
    """True when the rule says more than a grade can show (e.g. "not improving within 72 h")."""
    return bool(rule.check)


def matching_rules(protocol: Protocol, event: str, grade: int) -> list[DltRule]:
    return [
        rule for rule in protocol.dlt_definition
        if rule.event in (event, "any") and grade >= rule.min_grade
    ]


def suggest_dlt(
    protocol: Protocol,
    *,
    event: str,
    grade: int,
    attribution: str,
    onset: date,
    infusion_date: date,
    dlt_window_end: date,
) -> Suggestion:
    """Whether a graded event meets the protocol's DLT definition, and why (or why not)."""
    check_report(event, grade, attribution)
    if onset < infusion_date:
        return Suggestion(False, None, REASON("onset_before_infusion",
                                              infusion=infusion_date.isoformat()))
    if onset > dlt_window_end:
        return Suggestion(False, None, REASON("onset_after_window",
                                              window_end=dlt_window_end.isoformat()))
    if attribution not in RELATED:
        return Suggestion(False, None, REASON(
            "not_related", attribution=REASON(f"attribution.{attribution}")))
    rules = matching_rules(protocol, event, grade)
    if not rules:
        return Suggestion(False, None, below_rules_reason(protocol, event, grade))
    certain = [rule for rule in rules if not needs_check(rule)]
    if certain:
        return Suggestion(True, certain[0].text, REASON("rule", rule=certain[0].text))
    return Suggestion(True, rules[0].text, REASON("check_rule", rule=rules[0].text))


def check_report(event: str, grade: int, attribution: str) -> None:
    if event not in GRADING:
        raise ValueError(f"unknown event {event!r}: choose one of {', '.join(GRADING)}")
    if grade not in GRADES[GRADING[event]]:
        raise ValueError(f"grade {grade} is not a {GRADING[event]} grade")
    if attribution not in ATTRIBUTIONS:
        raise ValueError(f"unknown attribution {attribution!r}: choose one of "
                         f"{', '.join(ATTRIBUTIONS)}")


def below_rules_reason(protocol: Protocol, event: str, grade: int) -> Reason:
    name = REASON(f"event.{event}")
    lowest = [rule.min_grade for rule in protocol.dlt_definition if rule.event in (event, "any")]
    if not lowest:
        return REASON("no_rule", event=name)
    return REASON("below_definition", grade=grade, event=name, lowest=min(lowest))


def dlt_window_end(protocol: Protocol, infusion_date: date) -> date:
    """The last day of the DLT observation window that starts with the infusion. An infusion so
    late that the window would end after the last day of the calendar (date.max) gets date.max:
    the window does not end within the calendar, and nothing here raises OverflowError."""
    room = date.max - infusion_date
    return infusion_date + min(timedelta(days=protocol.escalation.dlt_window_days), room)


def escalation_alerts(before: Decision | None, after: Decision) -> list[Alert]:
    """The alerts an event newly raises: those of `after` that `before` did not already raise
    (same kind and dose level). `before` None (no readable decision before): all of them."""
    return new_alerts(before, after)
