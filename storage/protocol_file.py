"""Reading the protocol file: the I/O half of domain.protocol, which only parses text."""

from __future__ import annotations

from pathlib import Path

import domain
from domain.protocol import Protocol, ProtocolError, parse_protocol

DEFAULT_PROTOCOL_FILE = Path(domain.__file__).with_name("rd06_04.toml")  # shipped package data


def load_protocol(path: str | Path | None = None) -> Protocol:
    """Read and validate a protocol file (the shipped RD06-04 file by default)."""
    path = Path(path) if path else DEFAULT_PROTOCOL_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ProtocolError(f"{path}: cannot read protocol file ({exc.strerror})") from exc
    return parse_protocol(text, source=str(path))
