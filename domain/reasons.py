"""What the domain says, as codes with parameters: never words.

Every reason, refusal, alert and verdict that leaves domain/ is a `Reason`: a code and the plain
values that fill it. The words live in one catalogue (handlers/texts.py, REASONS) and are put
together by handlers/wording.py, so a translation touches no domain code.

Parameters are JSON-able: numbers, strings, lists of them, and (only where a reason is built from
smaller ones) nested Reasons, which the catalogue renders in place.

A domain module declares its codes (`Codes`) and raises `ReasonError`s; the use cases
(storage.usecases) refuse with `Refused` ("refusal.*" codes).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

__all__ = ["Codes", "Reason", "ReasonError", "Refused"]


class Reason(BaseModel, frozen=True):
    """A code from the catalogue and the values its text is filled with."""

    code: str
    params: dict[str, Any] = {}

    def __str__(self) -> str:  # a debugging aid (logs, assertion messages), never shown to users
        return f"{self.code} {self.params}" if self.params else self.code


class Codes:
    """The codes one domain module may produce, all under one prefix ("units.not_a_number").

    Calling it builds a Reason and refuses a code the module has not declared, so `all` is the
    complete list a test checks the catalogue against.
    """

    def __init__(self, prefix: str, *names: str):
        self.prefix = prefix
        self.all = frozenset(f"{prefix}.{name}" for name in names)

    def __call__(self, name: str, **params: Any) -> Reason:
        code = f"{self.prefix}.{name}"
        if code not in self.all:
            raise ValueError(f"undeclared reason code {code}")
        return Reason(code=code, params=params)


class ReasonError(ValueError):
    """An error whose `.reason` says what is wrong (str() is the code, for logs only)."""

    def __init__(self, reason: Reason):
        super().__init__(str(reason))
        self.reason = reason


class Refused(Exception):
    """Something that cannot be done now; `reason` says why, as a code the chat words."""

    def __init__(self, name: str, **params: Any):
        self.reason = Reason(code=f"refusal.{name}", params=params)
        super().__init__(self.reason.code, params)
