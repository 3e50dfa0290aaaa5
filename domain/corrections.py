"""The rule for the reason a change to a record needs (a correction, a revision, a
withdrawal, a moved date): typed in full words, short enough to read in an audit trail."""

from __future__ import annotations

LEAST_REASON, MOST_REASON = 5, 500  # characters


def checked_reason(text: str | None) -> tuple[str, str | None]:
    """The reason with its spaces tidied, and what is wrong with it: None, "short_reason" or
    "long_reason"."""
    reason = " ".join((text or "").split())
    if len(reason) < LEAST_REASON:
        return reason, "short_reason"
    if len(reason) > MOST_REASON:
        return reason, "long_reason"
    return reason, None
