"""What staff type, made plain before it is read: the full-width forms of a Chinese keyboard
(１２０，５, ：, ％, Ａ) as ASCII, and Chinese date forms (2026年11月26日) as ISO dates. The
answer is still recorded exactly as typed; only its reading uses the plain form."""

from __future__ import annotations

import re

FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
CHINESE_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?")
CHINESE_WORDS = {"至": " to ", "到": " to "}  # a range of days: 2026年2月25日至2026年2月27日


def half_width(text: str) -> str:
    """'１２０，５' -> '120,5'; '１０：３０' -> '10:30'."""
    return text.translate(FULL_WIDTH)


def _iso(match: re.Match) -> str:
    return f"{int(match[1]):04d}-{int(match[2]):02d}-{int(match[3]):02d}"


def plain(text: str) -> str:
    """Full-width forms as ASCII, Chinese dates as YYYY-MM-DD ('2026年3月2日 10：30' ->
    '2026-03-02 10:30'), 至 / 到 between dates as 'to'."""
    text = CHINESE_DATE.sub(_iso, half_width(text))
    for word, ascii_word in CHINESE_WORDS.items():
        text = text.replace(word, ascii_word)
    return text
