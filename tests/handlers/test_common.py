"""Helpers every conversation uses."""

from handlers.common import in_pieces, screening_number
from handlers.status_text import cells


def test_long_texts_are_split_at_line_ends_within_the_telegram_limit():
    text = "\n".join(f"line {n:04d} " + "x" * 90 for n in range(200))
    pieces = in_pieces(text)
    assert len(pieces) > 1 and all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces) == text


def test_an_overlong_line_is_cut_not_lost():
    pieces = in_pieces("y" * 5000)
    assert [len(p) for p in pieces] == [4096, 904]


def test_cell_doses_are_written_as_on_the_ward():
    assert cells(6.2e6) == "6.2×10^6"
    assert cells(1e5) == "1×10^5"
    assert cells(3.1e7) == "3.1×10^7"


def test_screening_numbers_typed_short():
    assert screening_number("s1") == "S-001"
    assert screening_number("S-004") == "S-004"
    assert screening_number("s0012") == "S-012"
    assert screening_number("P-03") == "P-03"


def test_participant_numbers_typed_short():
    from handlers.common import participant_number

    assert participant_number("p3") == "P-03"
    assert participant_number(" P-12 ") == "P-12"
    assert participant_number("S-003") is None
