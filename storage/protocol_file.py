"""Reading the protocol file: the I/O half of domain.protocol, which only parses text.

domain.protocol (pydantic) is imported when a protocol is loaded, not with this module, so that
`trialbot escalation` on the shipped protocol (load_design) loads no pydantic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import domain
from domain.design import Design, read_design

if TYPE_CHECKING:
    from domain.protocol import Protocol

DEFAULT_PROTOCOL_FILE = Path(domain.__file__).with_name("rd06_04.toml")  # shipped package data


def load_protocol(path: str | Path | None = None) -> Protocol:
    """Read and validate a protocol file (the shipped RD06-04 file by default)."""
    from domain.protocol import ProtocolError, parse_protocol

    path = Path(path) if path else DEFAULT_PROTOCOL_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read protocol file ({exc.strerror})") from exc
    return parse_protocol(text, source=str(path))


def load_design(path: str | Path | None = None) -> Design:
    """The 3+3 design of a protocol file: a file the site sets is validated in full
    (load_protocol); the shipped file, validated wherever the bot loads it, is read with tomllib
    alone (tests/domain/test_design.py checks that both give the same design)."""
    if path:
        return load_protocol(path).design
    return read_design(DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8"))
