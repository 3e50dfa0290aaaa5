"""The cell dose: the total to prepare for a body weight, the weights that need a second look,
the dose actually infused read from what a coordinator types, and whether it is enough for the
participant to be evaluable for DLT.

Products and ratios are taken on the exact decimal values typed (62.5 kg, 5×10^5 cells/kg), not
on their binary floats, so 63.7 kg × 5×10^5 is 31,850,000 cells and rounds half up to 3.19×10^7,
never to 3.18×10^7 through 31,849,999.999...
"""

from __future__ import annotations

import re
from decimal import Decimal

from domain.reasons import Codes, ReasonError

LYMPHODEPLETION = ("fludarabine", "cyclophosphamide")  # the drugs recorded at /infuse
USUAL_WEIGHT_KG = (30.0, 200.0)  # outside it (but plausible): asked to confirm, not taken as typed
MOST_CELLS = 1e11  # more infused cells than this: a typo (doses are 10^6-10^8)

REASON = Codes("dosing", "cells_unreadable", "cells_implausible")
CODES = REASON.all


class DoseError(ReasonError):
    """A typed cell count that cannot be used; `.reason` says what to type instead."""


def exact(value: float) -> Decimal:
    """The decimal a float was written as (62.5 -> Decimal('62.5'), not its binary value)."""
    return Decimal(repr(float(value)))


def total_cells(weight_kg: float, cells_per_kg: float) -> float:
    """The cells to prepare: cells/kg × kg, on the exact decimals."""
    return float(exact(weight_kg) * exact(cells_per_kg))


def weight_unusual(weight_kg: float) -> bool:
    """True for a weight outside USUAL_WEIGHT_KG (29 or 201 kg): enrolment asks to confirm it."""
    low, high = USUAL_WEIGHT_KG
    return not low <= weight_kg <= high


def dose_fraction(infused: float, target: float) -> float:
    """The infused cells as a fraction of the target dose (1.0: all of it)."""
    return float(exact(infused) / exact(target))


def underdosed(infused: float | None, target: float, min_fraction: float | None) -> bool:
    """True when less than the protocol's minimum fraction of the target dose was infused (never
    when the protocol sets no minimum, or the infusion is not recorded yet)."""
    if infused is None or min_fraction is None:
        return False
    return exact(infused) < exact(min_fraction) * exact(target)


# 6.2×10^6, 6.2x10^6, 6.2 * 10^6, 6.2e6, 6200000
_CELLS = re.compile(r"^\s*(?P<mantissa>\d+(?:\.\d+)?)\s*"
                    r"(?:(?:[x×*]\s*10\s*\^\s*|e\s*)(?P<exponent>\d{1,2}))?\s*$", re.IGNORECASE)


def read_cells(text: str) -> float:
    """A typed cell count ("6.2×10^6", "6.2e6", "6200000"), more than 0 and at most MOST_CELLS;
    else DoseError."""
    match = _CELLS.match(text or "")
    if match is None:
        raise DoseError(REASON("cells_unreadable", example="6.2×10^6"))
    value = Decimal(match["mantissa"]).scaleb(int(match["exponent"] or 0))
    if not 0 < value <= Decimal(repr(MOST_CELLS)):
        raise DoseError(REASON("cells_implausible", most="1×10^11"))
    return float(value)
