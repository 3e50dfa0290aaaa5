"""A screening's verdict as stored: plain JSON with what the record needs, nothing twice.

domain.eligibility's Verdict holds every criterion with the value it was judged on and the
reason (about 9.5 KB for 22 criteria). The record keeps the status, the summary, the computed
values, the missing questions, the criteria not met or not judged (missing) in full (the
screening log, the failure counts and the export read them), and the criteria met or not
applicable by id only ("met": ["consent", ...]): their values and reasons follow from the
audited answers and the protocol. Empty and null fields are left out. Migration v10 converts
stored verdicts with `compact_verdict`, so a change of this format needs a new function (and a
migration), not an edit of this one.
"""

import json
from typing import Any

BY_ID = ("met", "not_applicable")  # criteria kept by id: their reason follows from the answers
EMPTY = (None, {}, [])


def compact_verdict(verdict: Any) -> Any:
    """The verdict as stored. Anything that is not a verdict (no list of criteria) is returned
    as it is; a verdict already compact comes back unchanged."""
    if not isinstance(verdict, dict) or not isinstance(verdict.get("criteria"), list):
        return verdict
    criteria = verdict["criteria"]
    kept = {key: _reason(value) if key == "summary" else value
            for key, value in verdict.items() if key != "criteria" and value not in EMPTY}
    if isinstance(kept.get("computed"), dict):
        kept["computed"] = {key: _reason(value) for key, value in kept["computed"].items()}
    for status in BY_ID:
        ids = [*verdict.get(status, []), *(c["id"] for c in criteria if c.get("status") == status)]
        if ids:
            kept[status] = ids
    judged = [_criterion(c) for c in criteria if c.get("status") not in BY_ID]
    if judged:
        kept["criteria"] = judged
    return kept


def _criterion(criterion: dict) -> dict:
    return {key: _reason(value) if key in ("reason", "value") else value
            for key, value in criterion.items() if value not in EMPTY}


def _reason(reason: Any) -> Any:
    """A reason without its empty params (the default of domain.reasons.Reason)."""
    if not isinstance(reason, dict):
        return reason
    return {key: value for key, value in reason.items() if value not in EMPTY}


def verdict_json(verdict: Any) -> str | None:
    """The JSON text of screenings.verdict: the compact verdict, compact separators. (Its copy
    in the audit trail is written as every audited value is, by storage.database.to_json.)"""
    if verdict is None:
        return None
    return json.dumps(compact_verdict(verdict), ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
