"""Domain reasons in words (temporary shape until the catalogue lands): say(reason)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.reasons import Reason
from handlers.texts import REASONS


def say(reason: Reason | Mapping[str, Any] | str) -> str:
    if isinstance(reason, str):
        return reason
    if not isinstance(reason, Reason):
        reason = Reason.model_validate(reason)
    params = {k: say(v) if isinstance(v, Reason | dict) and "code" in v else v
              for k, v in reason.params.items()}
    return REASONS[reason.code].format(**params)


def quantity_error(error: Exception) -> str:
    return str(error)


def cells(value: float) -> str:
    """6200000 -> '6.2×10^6' (how cell doses are written on the ward)."""
    mantissa, exponent = f"{value:.2e}".split("e")
    mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}×10^{int(exponent)}"


def level_label(protocol, level: int | None, none: str = "") -> str:
    """A dose level as the ward names it ("DL1"); `none` where there is no level."""
    return protocol.dose_level(level).label if level else none
