"""Long stored values (a screening's verdict, 9 KB of JSON) kept compact and lossless.

A packed value is a BLOB: one byte naming the preset dictionary, then the text's UTF-8 bytes
deflated (zlib) with that dictionary. Dictionary 1 (pack_dictionary_1.json, a verdict as
stored before) is frozen: a new one gets a new number, so every packed value stays readable.
Text is unpacked to exactly the text that was packed. SQL reads packed values through the
`unpack` function that open_database registers (the `audit` view and the screening log use it).
"""

import sqlite3
import zlib
from functools import cache
from pathlib import Path

PACK_ABOVE = 256  # characters: shorter text is stored as it is
DICTIONARY = 1


@cache
def dictionary(number: int) -> bytes:
    return (Path(__file__).parent / f"pack_dictionary_{number}.json").read_bytes()


def pack(text: str | None) -> str | bytes | None:
    """Text longer than PACK_ABOVE as a packed BLOB; shorter text and NULL unchanged."""
    if not isinstance(text, str) or len(text) <= PACK_ABOVE:
        return text
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15, zdict=dictionary(DICTIONARY))
    return bytes([DICTIONARY]) + deflate.compress(text.encode()) + deflate.flush()


def unpack(value: str | bytes | None) -> str | None:
    """The text a value was packed from (text and NULL are returned as they are)."""
    if not isinstance(value, bytes):
        return value
    inflate = zlib.decompressobj(-15, zdict=dictionary(value[0]))
    return (inflate.decompress(value[1:]) + inflate.flush()).decode()


def register(conn: sqlite3.Connection) -> None:
    """pack() and unpack() as SQL functions on this connection."""
    conn.create_function("pack", 1, pack, deterministic=True)
    conn.create_function("unpack", 1, unpack, deterministic=True)
