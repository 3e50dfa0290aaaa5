"""Every kind of alert has words in each version it is routed in: in full, the coordinators'
3+3 step (no clinical detail) and the alert group's copy (participant numbers only)."""

from __future__ import annotations

import pytest

from domain.escalation import decide, parse_history
from handlers.alert_words import alert_text, message_text
from handlers.texts import ALERTS
from storage.outbox import FULL, GROUP, ROUTES, STEP
from storage.protocol_file import load_protocol
from storage.usecases.escalation import alert_draft

PROTOCOL = load_protocol()
# Histories that raise every kind of 3+3 alert (with the participant of the event)
HISTORIES = ("1NNT", "1NNN", "1NNN 2NTT", "1NTT", "1NNN 2NNN", "1NNT 1NNN 2NNT 2NNT",
             "1NNT 1NXNN 2NNT", "1XXX 1XXX 1XXX 1NNN")
# What a stored alert of each other kind carries (the use cases write these parameters)
WHO = [{"number": "P-01", "level": 1, "end": "2026-03-02", "today": True}]
OTHERS = {
    "expansion-opened": {"who": "Dr Mei", "level": 1, "places": 6, "cap": 12},
    "enrolled": {"participant": "P-01", "level": 1, "cohort": 1, "place": 1, "size": 3,
                 "weight": 60.0, "total": 6e6, "infusion": "2026-03-01",
                 "window_end": "2026-03-29"},
    "dlt": {"number": "P-01", "level": 1, "event": "crs", "grade": 4, "grading": "ASTCT",
            "onset": "2026-03-05", "attribution": "probable", "who": "Dr Mei"},
    "dlt-revised": {"number": "P-01", "level": 1, "event": "crs", "grade": 4,
                    "grading": "ASTCT", "onset": "2026-03-05", "was": True, "to": False,
                    "reason": "improved", "who": "Dr Mei"},
    "withdrawn": {"number": "P-01", "level": 1, "on": "2026-03-05", "reason": "moved away",
                  "meaning": {"code": "outcome_change", "params": {"before": "P", "after": "X"}},
                  "who": "Dr Mei"},
    "infusion-moved": {"number": "P-01", "level": 1, "old": "2026-03-01", "new": "2026-03-03",
                       "new_end": "2026-03-31", "reason": "cells late", "who": "Coordinator Li"},
    "step-confirmed": {"who": "Dr Mei", "action": "escalate", "level": 2},
    "history-conflict": {"number": "P-01", "event": "report", "error": {
        "code": "history.starts_at", "params": {"number": "P-01", "level": "DL2",
                                                "current": "DL1"}}},
    "places-left": {"left": 2, "cap": 12, "participant": "P-10"},
    "windows-ending": {"day": "2026-03-02", "who": WHO},
    "evaluation-overdue": {"day": "2026-03-02", "who": WHO},
    "undeliverable": {"chat": 5, "who": "Dr Chen", "error": "Forbidden", "alert": 1,
                      "kind": "dlt"},
}
CLINICAL = ("CRS", "grade", "ASTCT", "related", "onset", "DLT in", "Dr Mei", "moved away")


def stored(kind: str, params: dict) -> dict:
    return {"id": 1, "kind": kind, "params": params, "recipients": "investigator", "text": None}


def examples() -> dict[str, dict]:
    alerts = dict(OTHERS)
    for history in HISTORIES:
        for alert in decide(PROTOCOL, parse_history(history)).alerts:
            alerts.setdefault(alert.kind, dict(alert_draft(alert).params, number="P-03"))
    return alerts


def test_every_routed_kind_has_an_example_here():
    assert set(examples()) == set(ROUTES)


@pytest.mark.parametrize(("kind", "audience"), [
    (kind, audience) for kind, route in ROUTES.items() for audience in set(route.values())])
def test_each_version_of_each_kind_is_worded(kind, audience):
    params = examples()[kind]
    text = message_text(PROTOCOL, stored(kind, params), audience)
    assert text.startswith(("🔔 ", "⏰ ", "⚠ ")) and "{" not in text
    if audience == STEP:
        assert "P-03" in text or "P-01" in text
        assert not any(word in text for word in CLINICAL)
    if audience == GROUP:
        words = text.removeprefix(text[:2]).removesuffix(
            " The details are in your private chat with the bot.")
        title = ALERTS["titles"][kind]
        assert words.startswith(title)
        assert set(words.removeprefix(title).strip(":. ").split(", ")) <= {
            "P-01", "P-03", "P-10", ""}


def test_the_full_version_of_an_engine_alert_is_what_the_engine_says():
    for alert in decide(PROTOCOL, parse_history("1NNN 2NTT")).alerts:
        params = dict(alert_draft(alert).params, number="P-06")
        full = alert_text(PROTOCOL, stored(alert.kind, params), FULL)
        assert full == alert_text(PROTOCOL, stored(alert.kind, alert_draft(alert).params))
