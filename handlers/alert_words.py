"""Alerts in words: an alert is stored as its kind and parameters (storage.outbox) and worded
when it is sent or shown, from the same catalogue as every reply. No telegram import: the
shell and exports word alerts too."""

from __future__ import annotations

from collections.abc import Callable

from domain.protocol import Protocol
from domain.units import format_number
from handlers.texts import (
    CONFIRMATION,
    DLT,
    ENROLLMENT,
    EXPANSION,
    RESCHEDULE,
    REVISION,
    WITHDRAWAL,
)
from handlers.wording import cells, level_label, say

Words = Callable[[Protocol, dict], str]


def judged(is_dlt: bool) -> str:
    return REVISION["judgements"]["dlt" if is_dlt else "not"]


def enrolled(protocol: Protocol, p: dict) -> str:
    template = "alert_enrolled_expansion" if p.get("expansion") else "alert_enrolled"
    return ENROLLMENT[template].format(**dict(
        p, label=level_label(protocol, p["level"]), total=cells(p["total"]),
        weight=format_number(p["weight"])))


def dlt(protocol: Protocol, p: dict) -> str:
    return DLT["alert_dlt"].format(**dict(
        p, label=level_label(protocol, p["level"]), event=DLT["events"][p["event"]],
        related=DLT["related"][p["attribution"]]))


def revised(protocol: Protocol, p: dict) -> str:
    return REVISION["alert"].format(**dict(
        p, label=level_label(protocol, p["level"]), event=DLT["events"][p["event"]],
        was=judged(p["was"]), to=judged(p["to"])))


def withdrawn(protocol: Protocol, p: dict) -> str:
    meaning = p["meaning"]
    said = (WITHDRAWAL["meaning_expansion"] if meaning["code"] == "meaning_expansion"
            else WITHDRAWAL["meaning"][meaning["params"]["after"]])
    return WITHDRAWAL["alert"].format(**dict(p, label=level_label(protocol, p["level"]),
                                             meaning=said))


def moved(protocol: Protocol, p: dict) -> str:
    return RESCHEDULE["alert"].format(**dict(p, label=level_label(protocol, p["level"])))


def step_confirmed(protocol: Protocol, p: dict) -> str:
    step = CONFIRMATION["step"][p["action"]].format(label=level_label(protocol, p["level"]))
    return CONFIRMATION["step_confirmed_alert"].format(who=p["who"], step=step)


def expansion_opened(protocol: Protocol, p: dict) -> str:
    return EXPANSION["alert_opened"].format(**dict(p, label=level_label(protocol, p["level"])))


CONFLICT_TEXTS = {"report": DLT, "withdrawal": WITHDRAWAL, "revision": REVISION}


def conflict(protocol: Protocol, p: dict) -> str:
    texts = CONFLICT_TEXTS.get(p.get("event"), DLT)
    error = p["error"]  # a reason; a sentence in alerts stored before the engine spoke codes
    return texts["history_conflict"].format(**dict(p, error=error if isinstance(error, str)
                                                   else say(error)))


WORDS: dict[str, Words] = {
    "enrolled": enrolled, "dlt": dlt, "dlt-revised": revised, "withdrawn": withdrawn,
    "infusion-moved": moved, "step-confirmed": step_confirmed, "history-conflict": conflict,
    "expansion-opened": expansion_opened,
}


def alert_text(protocol: Protocol, alert: dict) -> str:
    """The words of a stored alert (a row of storage.outbox, params decoded)."""
    if alert.get("text"):  # stored before alerts were kept as kind and parameters
        return alert["text"]
    params = alert["params"]
    if alert["kind"] in WORDS:
        return WORDS[alert["kind"]](protocol, params)
    if "message" in params:  # an engine alert as the engine used to word it
        return params["message"]
    return say({"code": f"alert.{alert['kind']}", "params": params})
