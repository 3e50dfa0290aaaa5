"""Laboratory quantities: accepted units, conversion to one canonical unit, plausibility.

Conversions from ../shared/reference/clinical.md. A value outside its plausible range is refused
as a likely typo or unit mix-up, never judged.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Analyte(NamedTuple):
    canonical: str                 # unit values are stored and judged in
    units: dict[str, float]        # accepted unit -> factor to canonical
    plausible: tuple[float, float]  # canonical range accepted as a real value
    example: str                   # what a typical answer looks like


COUNT_UNITS = {"×10^9/L": 1.0, "×10^3/µL": 1.0, "/µL": 0.001}

ANALYTES: dict[str, Analyte] = {
    "age": Analyte("years", {"years": 1.0}, (0, 120), "45"),
    "weight": Analyte("kg", {"kg": 1.0}, (20, 300), "62"),
    "months": Analyte("months", {"months": 1.0}, (0, 600), "6"),
    "weeks": Analyte("weeks", {"weeks": 1.0}, (0, 2600), "4"),
    "steroid_mg": Analyte("mg/day", {"mg/day": 1.0}, (0, 2000), "10"),
    "sledai": Analyte("points", {"points": 1.0}, (0, 105), "12"),
    "pga": Analyte("points", {"points": 1.0}, (0, 3), "1.5"),
    "alt": Analyte("U/L", {"U/L": 1.0}, (1, 10000), "35"),
    "ast": Analyte("U/L", {"U/L": 1.0}, (1, 10000), "30"),
    "bilirubin": Analyte("µmol/L", {"µmol/L": 1.0, "mg/dL": 17.1}, (1, 1000), "12 µmol/L"),
    "creatinine": Analyte("µmol/L", {"µmol/L": 1.0, "mg/dL": 88.4}, (10, 2500), "80 µmol/L"),
    "neutrophils": Analyte("×10^9/L", COUNT_UNITS, (0, 100), "2.5 ×10^9/L"),
    "lymphocytes": Analyte("×10^9/L", COUNT_UNITS, (0, 100), "1.2 ×10^9/L"),
    "platelets": Analyte("×10^9/L", COUNT_UNITS, (0, 2000), "150 ×10^9/L"),
    "haemoglobin": Analyte("g/L", {"g/L": 1.0, "g/dL": 10.0}, (20, 250), "110 g/L"),
    "inr": Analyte("ratio", {"ratio": 1.0}, (0.5, 15), "1.0"),
    "pt": Analyte("s", {"s": 1.0}, (5, 200), "12.5"),
    "spo2": Analyte("%", {"%": 1.0}, (50, 100), "97"),
    "lvef": Analyte("%", {"%": 1.0}, (5, 90), "60"),
}

WHOLE_NUMBERS = {"age", "sledai"}

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
    "mg": "mg/day", "mg/d": "mg/day", "mg/day": "mg/day", "years": "years", "y": "years",
    "months": "months", "weeks": "weeks", "points": "points", "ratio": "ratio",
}

_NUMBER = re.compile(r"^\s*([-+]?\d+(?:[.,]\d+)?)\s*(.*?)\s*$")


class QuantityError(ValueError):
    """A typed quantity that cannot be used; the message says what to type instead."""


class Quantity(NamedTuple):
    value: float       # in the canonical unit
    entered: float     # as typed
    unit: str          # as typed, spelled properly


def format_number(value: float) -> str:
    """12.0 -> '12', 1.2345 -> '1.23' (at most 3 significant decimals, no trailing zeros)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text if text not in ("-0", "") else "0"


def parse_quantity(analyte: str, text: str) -> Quantity:
    """Parse '12.5 g/dL' or '125' for an analyte, convert, check plausibility."""
    spec = ANALYTES[analyte]
    match = _NUMBER.match(text.replace("，", ","))
    if not match:
        raise QuantityError(f"Please type a number, e.g. {example(analyte)}.")
    if re.fullmatch(r"[-+]?[1-9]\d*,\d{3}", match.group(1)):
        raise QuantityError(  # '150,000' (thousands) or '1,500' (decimal comma)? Never guess.
            f"Please type {match.group(1)} without a comma: with a decimal point if it has "
            f"decimals, or as a whole number, e.g. {example(analyte)}."
        )
    number = float(match.group(1).replace(",", "."))
    unit = _unit(analyte, match.group(2))
    if analyte in WHOLE_NUMBERS and not number.is_integer():
        raise QuantityError(f"Please type a whole number, e.g. {example(analyte)}.")
    value = round(number * spec.units[unit], 9)  # 9 /µL -> 0.009, not 0.009000000000000001
    low, high = spec.plausible
    if not low <= value <= high:
        raise QuantityError(
            f"{format_number(number)} {unit} is outside {format_number(low)}-"
            f"{format_number(high)} {spec.canonical}: probably a typo or the wrong unit. "
            f"Please check and type it again."
        )
    return Quantity(value, number, unit)


def _unit(analyte: str, typed: str) -> str:
    spec = ANALYTES[analyte]
    if not typed:
        if len(spec.units) == 1:
            return spec.canonical
        raise QuantityError(
            f"Please add the unit ({' or '.join(spec.units)}), e.g. {example(analyte)}."
        )
    unit = UNIT_SPELLINGS.get(typed.lower().replace(" ", "").replace("μ", "µ"))  # Greek mu
    if unit not in spec.units:
        raise QuantityError(
            f"'{typed}' is not a unit I accept here. Use {' or '.join(spec.units)}, "
            f"e.g. {example(analyte)}."
        )
    return unit


def example(analyte: str) -> str:
    return ANALYTES[analyte].example


def convert(value: float, analyte: str, unit: str) -> float:
    """A canonical value expressed in another accepted unit (e.g. creatinine µmol/L -> mg/dL)."""
    return value / ANALYTES[analyte].units[unit]


def readings(analyte: str, text: str) -> list[str]:
    """A bare number typed where the unit matters: each accepted unit that makes it a plausible
    value, spelled out for the coordinator to pick (never a guess: they choose)."""
    match = _NUMBER.match(text)
    if not match or match.group(2) or len(ANALYTES[analyte].units) == 1:
        return []
    options = []
    for unit in ANALYTES[analyte].units:
        candidate = f"{match.group(1)} {unit}"
        try:
            parse_quantity(analyte, candidate)
        except QuantityError:
            continue
        options.append(candidate)
    return options

