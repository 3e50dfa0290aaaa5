"""Alerts in words: an alert is stored as its kind and parameters (storage.outbox) and worded
when it is sent or shown, from the same catalogue as every reply. No telegram import: the
shell and exports word alerts too."""

from __future__ import annotations

from collections.abc import Callable

from domain.audiences import FULL, GROUP, STEP
from domain.protocol import Protocol
from domain.reasons import Reason
from domain.units import format_number
from handlers.texts import ALERTS as T
from handlers.texts import (
    CONFIRMATION,
    DLT,
    ENROLLMENT,
    EVALUATION,
    EXPANSION,
    INFUSION,
    RESCHEDULE,
    REVISION,
    WITHDRAWAL,
)
from handlers.wording import cells, dated, level_label, listed, moment, percent, plural, say

Words = Callable[[Protocol, dict], str]


def judged(is_dlt: bool) -> str:
    return REVISION["judgements"]["dlt" if is_dlt else "not"]


def enrolled(protocol: Protocol, p: dict) -> str:
    template = "alert_enrolled_expansion" if p.get("expansion") else "alert_enrolled"
    return ENROLLMENT[template].format(**dict(
        p, label=level_label(protocol, p["level"]), total=cells(p["total"]),
        weight=format_number(p["weight"]),
        weight_note=ENROLLMENT["alert_weight_confirmed"] if p.get("weight_confirmed") else ""))


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


def infused(protocol: Protocol, p: dict) -> str:
    below = (INFUSION["alert_below"].format(minimum=percent(p["min_fraction"]))
             if p["underdosed"] else "")
    return INFUSION["alert"].format(**dict(
        p, label=level_label(protocol, p["level"]), cells=cells(p["cells"]),
        total=cells(p["target"]), percent=percent(p["fraction"]), below=below))


def evaluated(protocol: Protocol, p: dict) -> str:
    return EVALUATION["alert"].format(**dict(p, label=level_label(protocol, p["level"])))


def step_confirmed(protocol: Protocol, p: dict) -> str:
    step = CONFIRMATION["step"][p["action"]].format(label=level_label(protocol, p["level"]))
    return CONFIRMATION["step_confirmed_alert"].format(who=p["who"], step=step)


def expansion_opened(protocol: Protocol, p: dict) -> str:
    return EXPANSION["alert_opened"].format(**dict(p, label=level_label(protocol, p["level"])))


CONFLICT_TEXTS = {"report": DLT, "withdrawal": WITHDRAWAL, "revision": REVISION,
                  "infusion": INFUSION, "evaluation": EVALUATION}


def conflict(protocol: Protocol, p: dict) -> str:
    texts = CONFLICT_TEXTS.get(p.get("event"), DLT)
    error = p["error"]  # a reason; a sentence in alerts stored before the engine spoke codes
    return texts["history_conflict"].format(**dict(p, error=error if isinstance(error, str)
                                                   else say(error)))


def places_left(protocol: Protocol, p: dict) -> str:
    return T["places_left"].format(**p)


def windows_ending(protocol: Protocol, p: dict) -> str:
    who = [T["window_ending"].format(
        number=w["number"], label=level_label(protocol, w["level"]),
        when=T["today" if w["today"] else "tomorrow"].format(end=w["end"])) for w in p["who"]]
    return T["windows_ending"].format(who=listed(who))


def evaluation_overdue(protocol: Protocol, p: dict) -> str:
    who = [T["overdue"].format(number=w["number"], label=level_label(protocol, w["level"]),
                               end=w["end"]) for w in p["who"]]
    return T["evaluation_overdue"].format(who=listed(who))


def form_open(protocol: Protocol, p: dict) -> str:
    form = T["forms"].get(p["form"]) or T["form"].format(name=p["form"])
    return T["form_open"].format(form=form, opened=p["opened"])


def undeliverable(protocol: Protocol, p: dict) -> str:
    who = (T["undeliverable_person"].format(who=p["who"], chat=p["chat"]) if p.get("who")
           else T["undeliverable_group"].format(chat=p["chat"]))
    return T["undeliverable"].format(who=who, error=p["error"])


WORDS: dict[str, Words] = {
    "enrolled": enrolled, "dlt": dlt, "dlt-revised": revised, "withdrawn": withdrawn,
    "infusion-moved": moved, "step-confirmed": step_confirmed, "history-conflict": conflict,
    "infused": infused, "dlt-evaluated": evaluated,
    "places-left": places_left, "windows-ending": windows_ending,
    "evaluation-overdue": evaluation_overdue, "form-open": form_open,
    "undeliverable": undeliverable,
    "expansion-opened": expansion_opened,
}


def full_text(protocol: Protocol, alert: dict) -> str:
    if alert.get("text"):  # stored before alerts were kept as kind and parameters
        return alert["text"]
    params = dated(alert["params"])  # kept ISO in the record, worded for this reader
    if alert["kind"] in WORDS:
        return WORDS[alert["kind"]](protocol, params)
    if "message" in params:  # an engine alert as the engine used to word it
        return params["message"]
    return say({"code": f"alert.{alert['kind']}", "params": params})


def step_text(protocol: Protocol, alert: dict) -> str:
    """The coordinators' version: the 3+3 step and the participant of the event, no event,
    grade or other clinical detail."""
    p = alert["params"]
    after = T["after"].format(number=p["number"]) if p.get("number") else ""
    return T["step"][alert["kind"]].format(
        after=after, number=p.get("number", ""), full=p.get("full", ""),
        label=level_label(protocol, p.get("dose_level")))


def participant_numbers(params: dict) -> list[str]:
    """The participant numbers an alert names (an event's, a reminder's list)."""
    named = [params.get("number"), params.get("participant")]
    named += [w.get("number") for w in params.get("who") or [] if isinstance(w, dict)]
    return [number for number in named if number]


def group_text(protocol: Protocol, alert: dict) -> str:
    """The alert group's copy: what happened, by participant number only."""
    numbers = participant_numbers(alert["params"])
    return T["group"].format(
        title=T["titles"].get(alert["kind"], T["title"]),
        numbers=T["group_numbers"].format(numbers=listed(numbers)) if numbers else "")


VERSIONS: dict[str, Callable[[Protocol, dict], str]] = {
    FULL: full_text, STEP: step_text, GROUP: group_text}


def alert_text(protocol: Protocol, alert: dict, audience: str = FULL) -> str:
    """The words of a stored alert (a row of storage.outbox, params decoded) in the version
    for its audience (storage.outbox: FULL, STEP for coordinators, GROUP)."""
    return VERSIONS[audience](protocol, alert)


def message_text(protocol: Protocol, alert: dict, audience: str = FULL, *,
                 onset_day: int | None = None, now: Reason | None = None) -> str:
    """The message a recipient is sent: a mark of its kind, the alert, and for a DLT report
    the onset day and what the 3+3 rules say now."""
    lines = [f"{T['icons'].get(alert['kind'], T['icon'])} {alert_text(protocol, alert, audience)}"]
    if onset_day is not None:
        lines.append(T["onset_day"].format(day=onset_day))
    if now is not None:
        lines.append(T["now"].format(reason=say(now)))
    return "\n".join(lines)


def with_acknowledgement(text: str, who: str, when: str) -> str:
    """A sent alert's text once someone has acknowledged it."""
    return f"{text}\n\n{T['acknowledged'].format(who=who, when=moment(when))}"


def list_text(protocol: Protocol, alerts: list[dict], when: Callable[[str], str],
              shown: int) -> str:
    """/alerts: the first `shown` alerts nobody has acknowledged, oldest first."""
    lines = [plural(T["list_title"], len(alerts)).format(count=len(alerts))]
    lines += [T["list_item"].format(id=a["id"], when=moment(when(a["created_at"])),
                                    text=alert_text(protocol, a)) for a in alerts[:shown]]
    if len(alerts) > shown:
        lines.append(T["list_more"].format(more=len(alerts) - shown))
    return "\n\n".join(lines)
