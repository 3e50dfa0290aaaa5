"""Laboratory quantities: accepted units, conversion to one canonical unit, plausibility.

Conversions from ../shared/reference/clinical.md. A value outside its plausible range is refused
as a likely typo or unit mix-up, never judged.

A number typed without its unit is read in the unit its question asks in (`asked_in`: a
duration asked in months, a dose in mg/day), else in the site laboratory's unit for it
(domain.site.LabUnits) when that is the only likely reading; otherwise the coordinator picks
from the likely readings (`offered_readings`), never from an absurd one.
"""

from __future__ import annotations

import re
import unicodedata
from typing import NamedTuple

from domain.reasons import Codes, ReasonError
from domain.typed import half_width


class Analyte(NamedTuple):
    canonical: str                 # unit values are stored and judged in
    units: dict[str, float]        # accepted unit -> factor to canonical
    plausible: tuple[float, float]  # canonical range accepted as a real value
    example: str                   # what a typical answer looks like
    asked_in: str | None = None    # the unit a bare number means (the question names it)
    # canonical range of what is seen in practice: a bare number is read or offered in a unit
    # only when that reading falls here ('2.1' neutrophils is never 2.1 /µL = 0.0021 ×10^9/L)
    likely: tuple[float, float] | None = None


COUNT_UNITS = {"×10^9/L": 1.0, "×10^3/µL": 1.0, "/µL": 0.001}
DAYS_PER_MONTH = 365.25 / 12  # an average month: 8 weeks are 1.84 months, 9 weeks 2.07
MONTH_UNITS = {"months": 1.0, "weeks": 7 / DAYS_PER_MONTH, "days": 1 / DAYS_PER_MONTH}
WEEK_UNITS = {"weeks": 1.0, "days": 1 / 7, "months": DAYS_PER_MONTH / 7}
DOSE_UNITS = {"mg/day": 1.0, "mg BID": 2.0, "mg TID": 3.0, "mg QID": 4.0}  # a daily dose

ANALYTES: dict[str, Analyte] = {
    "age": Analyte("years", {"years": 1.0}, (0, 120), "45"),
    "weight": Analyte("kg", {"kg": 1.0}, (20, 300), "62"),
    "months": Analyte("months", MONTH_UNITS, (0, 600), "6", asked_in="months"),
    "weeks": Analyte("weeks", WEEK_UNITS, (0, 2600), "4", asked_in="weeks"),
    "steroid_mg": Analyte("mg/day", DOSE_UNITS, (0, 2000), "10", asked_in="mg/day"),
    "sledai": Analyte("points", {"points": 1.0}, (0, 105), "12"),
    "pga": Analyte("points", {"points": 1.0}, (0, 3), "1.5"),
    "alt": Analyte("U/L", {"U/L": 1.0}, (1, 10000), "35"),
    "ast": Analyte("U/L", {"U/L": 1.0}, (1, 10000), "30"),
    "bilirubin": Analyte("µmol/L", {"µmol/L": 1.0, "mg/dL": 17.1}, (1, 1000), "12 µmol/L",
                         likely=(2, 600)),
    "creatinine": Analyte("µmol/L", {"µmol/L": 1.0, "mg/dL": 88.4}, (10, 2500), "80 µmol/L",
                          likely=(20, 1500)),
    "neutrophils": Analyte("×10^9/L", COUNT_UNITS, (0, 100), "2.5 ×10^9/L", likely=(0.05, 60)),
    "lymphocytes": Analyte("×10^9/L", COUNT_UNITS, (0, 100), "1.2 ×10^9/L", likely=(0.05, 60)),
    "platelets": Analyte("×10^9/L", COUNT_UNITS, (0, 2000), "150 ×10^9/L", likely=(1, 1500)),
    "haemoglobin": Analyte("g/L", {"g/L": 1.0, "g/dL": 10.0}, (20, 250), "110 g/L",
                           likely=(30, 220)),
    "inr": Analyte("ratio", {"ratio": 1.0}, (0.5, 15), "1.0"),
    "pt": Analyte("s", {"s": 1.0}, (5, 200), "12.5"),
    "spo2": Analyte("%", {"%": 1.0}, (50, 100), "97"),
    "lvef": Analyte("%", {"%": 1.0}, (5, 90), "60"),
}

WHOLE_NUMBERS = {"age", "sledai"}
# An analyte by its name in ANALYTES, or given as an Analyte (one a protocol file defines).
AnalyteName = str | Analyte


def spec_of(analyte: AnalyteName) -> Analyte:
    return analyte if isinstance(analyte, Analyte) else ANALYTES[analyte]


def single_unit(unit: str, plausible: tuple[float, float], example: str) -> Analyte:
    """An analyte typed in one unit only (a protocol's own laboratory value)."""
    return Analyte(unit, {unit: 1.0}, plausible, example)

# What people type on a phone -> the unit it means.
UNIT_SPELLINGS = {
    "umol/l": "µmol/L", "µmol/l": "µmol/L", "μmol/l": "µmol/L", "umol": "µmol/L",
    "µmol": "µmol/L", "μmol": "µmol/L",
    "mg/dl": "mg/dL", "mgdl": "mg/dL",
    "g/l": "g/L", "gl": "g/L", "g/dl": "g/dL", "gdl": "g/dL",
    "x10^9/l": "×10^9/L", "×10^9/l": "×10^9/L", "10^9/l": "×10^9/L", "*10^9/l": "×10^9/L",
    "x10e9/l": "×10^9/L", "10e9/l": "×10^9/L", "g/l(count)": "×10^9/L",
    "x10^3/ul": "×10^3/µL", "×10^3/µl": "×10^3/µL", "10^3/ul": "×10^3/µL", "k/ul": "×10^3/µL",
    "x10^3/µl": "×10^3/µL", "10^3/µl": "×10^3/µL",
    "/ul": "/µL", "/µl": "/µL", "/μl": "/µL", "cells/ul": "/µL", "cells/µl": "/µL",
    "u/l": "U/L", "iu/l": "U/L", "kg": "kg", "%": "%", "s": "s", "sec": "s", "seconds": "s",
    "mg": "mg/day", "mg/d": "mg/day", "mg/day": "mg/day", "points": "points", "ratio": "ratio",
    "years": "years", "year": "years", "yrs": "years", "yr": "years", "y": "years",
    "岁": "years",
    # durations (a number before them: '10 days', '4 wk', '6 mo'; dots are dropped: '4 wks.')
    "days": "days", "day": "days", "d": "days", "天": "days",
    "weeks": "weeks", "week": "weeks", "wks": "weeks", "wk": "weeks", "w": "weeks",
    "周": "weeks",
    "months": "months", "month": "months", "mos": "months", "mo": "months", "个月": "months",
    "月": "months",
    # a glucocorticoid's daily dose as prescribed: '10 mg qd', '5 mg bid' ('q.d.' too)
    "mgqd": "mg/day", "mgod": "mg/day", "mgdaily": "mg/day", "qd": "mg/day", "od": "mg/day",
    "daily": "mg/day", "mgqam": "mg/day",
    "mgbid": "mg BID", "bid": "mg BID", "mgtid": "mg TID", "tid": "mg TID",
    "mgqid": "mg QID", "qid": "mg QID",
    # superscript exponents, and the Chinese spellings of the ward
    "×10⁹/l": "×10^9/L", "x10⁹/l": "×10^9/L", "10⁹/l": "×10^9/L", "×10³/µl": "×10^3/µL",
    "微摩尔/升": "µmol/L", "umol/升": "µmol/L", "µmol/升": "µmol/L",
    "毫克/分升": "mg/dL", "克/升": "g/L", "克/分升": "g/dL",
    "×10⁹/升": "×10^9/L", "x10⁹/升": "×10^9/L", "×10^9/升": "×10^9/L", "x10^9/升": "×10^9/L",
    "10⁹/升": "×10^9/L", "10^9/升": "×10^9/L", "×10³/微升": "×10^3/µL", "×10^3/微升": "×10^3/µL",
    "/微升": "/µL", "个/微升": "/µL", "单位/升": "U/L", "国际单位/升": "U/L",
    "千克": "kg", "公斤": "kg", "秒": "s", "分": "points", "毫克": "mg/day", "毫克/天": "mg/day",
    "毫克/日": "mg/day",
}

MAX_DIGITS = 12  # a reading such as '0.00000000001 ×10^3/µL' stays far below 64 bytes

# sign, digit runs joined by points, commas or apostrophes, then whatever follows (the unit)
_NUMBER = re.compile(r"\s*(?P<sign>[-+]?)(?P<body>\d+(?:[.,'’]\d+)*)(?P<rest>.*?)\s*$", re.S)
_MORE_DIGITS = re.compile(r"\s+\d+(?:[.,'’]\d+)*(?![\d^eE])")  # '150 000', not '150 10^9/L'
_EXPONENT = re.compile(r"[eE][-+]?\d")

# Why a typed quantity is refused: said in words by the catalogue (handlers/texts.py).
REASON = Codes(
    "units", "not_a_number", "too_long", "separators", "ambiguous", "in_pieces", "exponent",
    "minus_zero", "whole", "implausible", "unit_missing", "unit_unknown",
)
CODES = REASON.all


class QuantityError(ReasonError):
    """A typed quantity that cannot be used; `.reason` says what to type instead."""


def _refuse(name: str, analyte: AnalyteName, **fields) -> QuantityError:
    return QuantityError(REASON(name, example=example(analyte), **fields))


class Quantity(NamedTuple):
    value: float       # in the canonical unit
    entered: float     # as typed
    unit: str          # as typed, spelled properly


class TypedNumber(NamedTuple):
    value: float
    text: str               # spelled plainly: ASCII digits, '.' for decimals, no '+', no grouping
    rest: str               # what was typed after it (the unit, if any)
    typed: str              # the number as typed
    thousands: str | None   # its value were its point or comma a thousands separator ('1.500')


def format_number(value: float) -> str:
    """12.0 -> '12', 1.2345 -> '1.23' (at most 3 significant decimals, no trailing zeros)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def read_number(analyte: AnalyteName, text: str) -> TypedNumber:
    """The number at the start of `text`, read strictly so that it is never read other than meant.

    - One decimal mark, a point or a comma: '1.5', '1,5'. Full-width digits and comma count.
    - A point or comma followed by exactly three digits may be a thousands separator ('1.500',
      '150,000') unless the digits before it start with 0 ('0.500'): `thousands` then holds that
      other reading, and parse_quantity refuses the number when both readings are plausible.
    - Thousands separators are refused, never read: two or more points or commas
      ('1.234.567', '1,234.5'), an apostrophe ('150'000'), digits in pieces ('150 000').
    - At most MAX_DIGITS digits, so that the number and a unit fit in a button's callback data.
    - A minus sign on zero ('-0', '-0.0') is refused: it would be stored as -0.0, and it is a
      typo for something. '+0' is 0. Other negative numbers are refused by the plausible ranges,
      none of which goes below 0.
    - Only digits are read: 'nan', 'inf' are not numbers, 'e' notation ('1e999') is refused.
    """
    match = _NUMBER.match(half_width(text))
    if not match or match["rest"][:1] in tuple(".,'’"):
        raise _refuse("not_a_number", analyte)
    sign, body, rest = match["sign"], match["body"], match["rest"]
    if sum(char.isdigit() for char in body) > MAX_DIGITS:
        raise _refuse("too_long", analyte, most=MAX_DIGITS)
    if _MORE_DIGITS.match(rest):
        raise _refuse("in_pieces", analyte)
    if _EXPONENT.match(rest):
        raise _refuse("exponent", analyte)
    whole, *decimals = re.split(r"[.,'’]", _ascii_digits(body))
    if len(decimals) > 1 or re.search("['’]", body):
        raise _refuse("separators", analyte, number=body)
    plain = "-" * (sign == "-") + ".".join([whole, *decimals])
    if sign == "-" and float(plain) == 0:
        raise _refuse("minus_zero", analyte)
    group = decimals and len(decimals[0]) == 3 and not whole.startswith("0")
    thousands = "-" * (sign == "-") + whole + decimals[0] if group else None
    return TypedNumber(float(plain), plain, rest.strip(), sign + body, thousands)


def _ascii_digits(body: str) -> str:
    """'１５０' (full-width, or any script's digits) -> '150'; separators kept."""
    return "".join(str(unicodedata.decimal(char)) if char.isdigit() else char for char in body)


def parse_quantity(analyte: AnalyteName, text: str, site_unit: str | None = None) -> Quantity:
    """Parse '12.5 g/dL' or '125' for an analyte, convert, check plausibility.

    A bare number is read in the unit its question asks in (`asked_in`), or else in
    `site_unit` (the site laboratory's unit) when that is its only likely reading: '105'
    haemoglobin at a g/L laboratory is 105 g/L (105 g/dL is absurd), but '16.8' bilirubin at a
    µmol/L laboratory could be µmol/L or mg/dL and is refused: the unit is asked for.

    A point or comma before three digits is read as a decimal mark only when reading it as a
    thousands separator gives an implausible value in that unit: '1.725' INR is 1.725 (1725 is
    no INR), '11.500 g/dL' is 11.5. When the thousands reading is plausible the number is
    refused, never guessed: '1.500' ALT (1.5 or 1500 U/L), '150.000 /µL' (0.15 or 150 ×10^9/L).
    """
    spec = spec_of(analyte)
    number = read_number(analyte, text)
    unit = _unit(analyte, number.rest, _bare_unit(analyte, number, site_unit))
    if number.thousands and _in_range(analyte, float(number.thousands), unit):
        raise _refuse("ambiguous", analyte, number=number.typed, thousands=number.thousands,
                      decimal=number.text.rstrip("0").rstrip("."))
    whole = isinstance(analyte, str) and analyte in WHOLE_NUMBERS
    if whole and not number.value.is_integer():
        raise _refuse("whole", analyte)
    if not _in_range(analyte, number.value, unit):
        low, high = spec.plausible
        raise _refuse("implausible", analyte, number=number.text, unit=unit,
                      low=low, high=high, canonical=spec.canonical)
    return Quantity(_canonical(analyte, number.value, unit), number.value, unit)


def _canonical(analyte: AnalyteName, number: float, unit: str) -> float:
    return round(number * spec_of(analyte).units[unit], 9)  # 9 /µL -> 0.009, not 0.00900…01


def _in_range(analyte: AnalyteName, number: float, unit: str) -> bool:
    low, high = spec_of(analyte).plausible
    return low <= _canonical(analyte, number, unit) <= high


def _bare_unit(analyte: AnalyteName, number: TypedNumber, site_unit: str | None) -> str | None:
    """The unit a number typed without one is read in, if any: the question's own, or the
    site laboratory's when no other unit gives a likely value (and the number is no thousands
    group, which is never read without its unit)."""
    spec = spec_of(analyte)
    if number.rest or spec.asked_in:
        return spec.asked_in
    if site_unit not in spec.units or number.thousands:
        return None
    likely = _likely_values(analyte, number.text)
    site = _likely_value(analyte, number.value, site_unit)
    return site_unit if site is not None and set(likely.values()) == {site} else None


def _likely_value(analyte: AnalyteName, number: float, unit: str) -> float | None:
    """The canonical value of `number` in `unit`, if it is likely (or, for an analyte without a
    likely range, plausible)."""
    spec = spec_of(analyte)
    low, high = spec.likely or spec.plausible
    value = _canonical(analyte, number, unit)
    return value if low <= value <= high and _in_range(analyte, number, unit) else None


def _likely_values(analyte: AnalyteName, text: str) -> dict[str, float]:
    """Each accepted unit that makes the plain number `text` a likely value -> that value."""
    found = {unit: _likely_value(analyte, float(text), unit) for unit in spec_of(analyte).units}
    return {unit: value for unit, value in found.items() if value is not None}


def _unit(analyte: AnalyteName, typed: str, bare: str | None = None) -> str:
    spec = spec_of(analyte)
    units = list(spec.units)
    if not typed:
        if len(spec.units) == 1:
            return spec.canonical
        if bare:
            return bare
        raise _refuse("unit_missing", analyte, units=units)
    unit = spelled_unit(analyte, typed)
    if unit is None:
        shown = typed if len(typed) <= 20 else typed[:20] + "…"  # a pasted page is not echoed
        raise _refuse("unit_unknown", analyte, typed=shown, units=units)
    return unit


def spelled_unit(analyte: AnalyteName, typed: str) -> str | None:
    """The accepted unit of an analyte that `typed` spells ('umol/l' -> 'µmol/L'), or None."""
    key = _spelling(typed)
    spec = spec_of(analyte)
    unit = next((u for u in spec.units if _spelling(u) == key), None) or UNIT_SPELLINGS.get(key)
    return unit if unit in spec.units else None


def _spelling(unit: str) -> str:
    """How a unit is looked up: lower case, no spaces or dots, Greek mu as the micro sign."""
    return unit.lower().replace(" ", "").replace(".", "").replace("μ", "µ")


def example(analyte: AnalyteName) -> str:
    return spec_of(analyte).example


def convert(value: float, analyte: AnalyteName, unit: str) -> float:
    """A canonical value expressed in another accepted unit (e.g. creatinine µmol/L -> mg/dL)."""
    return value / spec_of(analyte).units[unit]


def readings(analyte: AnalyteName, text: str) -> list[str]:
    """A bare number typed where the unit matters: each accepted unit that makes it a plausible
    value, spelled out for the coordinator to pick (never a guess: they choose). The number is
    spelled plainly (read_number), so a reading is at most 12 digits, a point and a unit."""
    try:
        number = read_number(analyte, text)
    except QuantityError:
        return []
    if number.rest or number.thousands or len(spec_of(analyte).units) == 1:
        return []  # '150.000': not even offered, so that a thousands point is never picked
    candidates = [f"{number.text} {unit}" for unit in spec_of(analyte).units]
    return [candidate for candidate in candidates if _plausible(analyte, candidate)]


def _plausible(analyte: AnalyteName, text: str) -> bool:
    try:
        parse_quantity(analyte, text)
    except QuantityError:
        return False
    return True


def offered_readings(analyte: AnalyteName, text: str, site_unit: str | None = None) -> list[str]:
    """The readings to offer for a bare number the chat could not read alone: each accepted
    unit that makes it a likely value, the site laboratory's unit first, one per value ('150
    ×10^9/L' and '150 ×10^3/µL' are the same count). An absurd reading is never offered."""
    plausible = readings(analyte, text)
    if not plausible or spec_of(analyte).asked_in:
        return []  # a duration or a dose without its unit is read in the unit asked in
    number = read_number(analyte, text)
    likely = _likely_values(analyte, number.text)
    order = sorted(likely, key=lambda unit: unit != site_unit)  # stable: the site's first
    offered: dict[float, str] = {}
    for unit in order:
        offered.setdefault(likely[unit], f"{number.text} {unit}")
    return [reading for reading in offered.values() if reading in plausible]
