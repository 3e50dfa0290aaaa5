"""Domain reasons in words: the one place a `domain.reasons.Reason` becomes text.

A reason's code picks its template in handlers/texts.py (REASONS); the template is filled with
the reason's parameters by str.format, with a few conventions so that the catalogue, not the
domain, decides how values read:

- a parameter that is itself a reason is said in place (also one stored as JSON, a dict with
  exactly "code" and "params");
- a list is joined as LIST_STYLES says for the field's format spec: "{units:or}" gives
  "µmol/L or mg/dL", "{names}" gives "ANA, anti-dsDNA"; the word "capital" in a spec
  ("{problems:semicolons capital}") makes the field's first letter a capital;
- a float is written as `number` writes it (12.0 -> "12"); a date or a local time (also one kept
  as ISO text, 2026-11-26 or 2026-11-26 14:05) as the reader's locale writes it (`dated`);
- "{months:plural month}" writes the number with its word in the reader's plural form
  (COUNTED: "1 month", "1.5 months", "6 个月"), and "{shown:unit}" the unit of a quantity
  reason ("" if it has none);
- a parameter carrying code words (TERM_PARAMETERS: a unit, drugs, antibodies) is said as TERMS
  says it in the reader's language ("months" -> "个月"); other units (U/L) are shown as they are;
- a template may be a dict of plural forms ("zero", "one", "other"): the `count` parameter picks.

No telegram import here: the shell (`trialbot status`, `trialbot escalation`) says reasons too.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from domain.reasons import Reason
from domain.units import format_number
from handlers import i18n
from handlers.texts import COUNTED, LIST_STYLES, REASONS, TERMS

__all__ = ["cells", "dated", "day", "level_label", "listed", "moment", "number", "percent",
           "plural", "say", "say_alert"]

ALERT_PREFIX = "alert."  # an escalation alert's kind is said as the reason "alert.<kind>"
# Parameters whose values are code words (a unit, drugs, antibodies): said through TERMS.
TERM_PARAMETERS = frozenset({"unit", "units", "canonical", "drug", "drugs", "names"})
ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")  # a date as records keep it
LOCAL_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")  # as Trial.local_time writes it


def listed(items, style: str = "") -> str:
    """Items joined as the reader's language joins a list (LIST_STYLES: "a, b" or "a、b")."""
    return LIST_STYLES[style].join(items)


def say(reason: Reason | Mapping[str, Any]) -> str:
    """The words of a reason (a Reason, or one stored as a dict)."""
    if not isinstance(reason, Reason):
        reason = Reason.stored(reason)
    template = REASONS[reason.code]
    if not isinstance(template, str):
        template = plural(template, reason.params["count"])
    return _WORDING.format(template, **{name: term(value) if name in TERM_PARAMETERS else value
                                        for name, value in reason.params.items()})


def term(value: Any) -> Any:
    """A code word (or a list of them) as the reader's catalogue says it (TERMS): 'months',
    'methylprednisolone', 'anti-dsDNA'; anything else (U/L, a reason) as it is."""
    if isinstance(value, list | tuple):
        return [term(item) for item in value]
    return TERMS.get(value, value) if isinstance(value, str) else value


def say_alert(kind: str, params: Mapping[str, Any]) -> str:
    """The words of an escalation alert, by its kind and parameters."""
    return say(Reason(code=ALERT_PREFIX + kind, params=dict(params)))


def plural(forms: i18n.Plural | Mapping[str, str], count: int) -> str:
    """The form for `count` in the reader's language (gettext plural forms; "zero" for 0 when
    given); a plain dict: "zero" for 0 and "one" for 1 (when given), else "other"."""
    if isinstance(forms, i18n.Plural):
        return forms.pick(count)
    if count == 0 and "zero" in forms:
        return forms["zero"]
    return forms.get("one", forms["other"]) if count == 1 else forms["other"]


def number(value: float) -> str:
    """A number as every text writes it: 12.0 -> '12', 1.2345 -> '1.23'."""
    return format_number(value)


def cells(value: float) -> str:
    """A cell count to at most three significant figures, rounded half up on the decimal it was
    written as: 6200000 -> '6.2×10^6', 31250000 -> '3.13×10^7', 31850000 -> '3.19×10^7' (the
    way cell doses are written on the ward)."""
    exact = Decimal(repr(float(value)))
    if not exact:
        return "0"
    exponent = exact.adjusted()
    mantissa = exact.scaleb(-exponent).quantize(Decimal("0.01"), ROUND_HALF_UP)
    if mantissa >= 10:  # 9.995 rounds up to 10.00: 1×10^(exponent + 1)
        mantissa, exponent = (mantissa / 10).quantize(Decimal("0.01")), exponent + 1
    digits = format(mantissa, "f").rstrip("0").rstrip(".")
    return f"{digits}×10^{exponent}"


def percent(fraction: float) -> str:
    """0.984375 -> '98.4%' (one decimal at most, rounded half up)."""
    value = (Decimal(repr(float(fraction))) * 100).quantize(Decimal("0.1"), ROUND_HALF_UP)
    return f"{format(value, 'f').removesuffix('.0')}%"


def level_label(protocol, level: int | None, none: str = "") -> str:
    """A dose level as the ward names it ("DL1"); `none` where there is no level."""
    return protocol.dose_level(level).label if level else none


def day(value: date | str) -> str:
    """A date (or one kept as YYYY-MM-DD text, as records and alerts keep it) as the reader's
    locale writes it: YYYY-MM-DD in English, 2026年11月26日 in Chinese; other text as it is."""
    return str(when(value))


def moment(value: datetime | str) -> str:
    """A local time in the site's time zone (or one kept as 'YYYY-MM-DD HH:MM' text, as
    Trial.local_time writes it) as the reader's locale writes it: 2026-11-26 14:05 in English,
    2026年11月26日 14:05 in Chinese; other text as it is."""
    return str(when(value))


def read_when(value: Any) -> date | None:
    """A date or a local time (a datetime), also one kept as its ISO text; None for anything
    else (a text only shaped like one, 2026-02-30, included)."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not (ISO_DAY.fullmatch(value) or LOCAL_TIME.fullmatch(value)):
        return None
    try:
        return datetime.fromisoformat(value) if " " in value else date.fromisoformat(value)
    except ValueError:
        return None


def when(value: Any) -> Any:
    """A date or local time (as a value or as its ISO text) in the reader's words; any other
    value as it is."""
    found = read_when(value)
    if found is None:
        return value
    return i18n.moment(found) if isinstance(found, datetime) else i18n.day(found)


def dated(params: Mapping[str, Any]) -> dict[str, Any]:
    """Parameters with their dates and local times in the reader's words (also those of a list
    of dicts, as reminders list participants): records and alerts keep dates language-neutral,
    ISO, and they are worded only here, when a text is filled for its reader."""
    return {name: [dated(item) if isinstance(item, Mapping) else when(item) for item in value]
            if isinstance(value, list) else when(value) for name, value in params.items()}


def counted(value: float, word: str) -> str:
    """'1 month', '2 months', '0.5 months', '6 个月': the number with its word (COUNTED), in
    the reader's plural form (gettext's, by a whole count: a fraction takes the form of 2)."""
    whole = int(value) if float(value).is_integer() else 2
    return plural(COUNTED[word], whole).format(count=number(value))


def unit_of(reason: Any) -> str:
    """The unit of a quantity reason (its "unit" parameter), or ''."""
    if isinstance(reason, Reason):
        return str(term(reason.params.get("unit", "")))
    return str(term(reason["params"].get("unit", ""))) if is_reason(reason) else ""


def is_reason(value: Any) -> bool:
    return isinstance(value, Reason) or (
        isinstance(value, Mapping) and set(value) == {"code", "params"})


class _Wording(string.Formatter):
    def format_field(self, value: Any, format_spec: str) -> str:
        words = format_spec.split()
        if words[:1] == ["plural"] and len(words) == 2:
            return counted(value, words[1])
        if words == ["unit"]:
            return unit_of(value)
        capital = "capital" in words
        style = " ".join(word for word in words if word != "capital")
        text = self._field(value, style)
        return text[:1].upper() + text[1:] if capital else text

    def _field(self, value: Any, style: str) -> str:
        if is_reason(value):
            return say(value)
        if isinstance(value, list | tuple):
            return LIST_STYLES[style].join(self._field(item, "") for item in value)
        if isinstance(value, bool):
            return str(value)
        if isinstance(value, float):
            return number(value)
        if read_when(value) is not None:
            return when(value)
        return format(value, style) if style not in LIST_STYLES else str(value)


_WORDING = _Wording()
