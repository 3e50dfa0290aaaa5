"""What the domain tells a person, as a code with parameters; the chat puts it into words."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class Reason(BaseModel, frozen=True):
    """A reason, refusal, verdict or alert: `code` names the sentence, `params` fill it in."""

    code: str
    params: dict[str, Any] = {}


class Refused(Exception):
    """Something that cannot be done now; `reason` says why, as a code the chat words."""

    def __init__(self, name: str, **params: Any):
        self.reason = Reason(code=f"refusal.{name}", params=params)
        super().__init__(self.reason.code, params)
