"""Helpers every conversation uses."""

import pytest

from domain.dosing import total_cells
from handlers.common import in_pieces, screening_number
from handlers.status_text import cells
from handlers.wording import percent


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


@pytest.mark.parametrize(("weight", "per_kg", "written"), [
    (62.5, 5e5, "3.13×10^7"),  # 31,250,000: half up, not half to even (3.12)
    (63.7, 5e5, "3.19×10^7"),  # 31,850,000: not 3.18
    (32.3, 5e5, "1.62×10^7"),  # the binary product 16,149,999.99... would give 1.61
    (62.5, 1e5, "6.25×10^6"),
    (62, 1e5, "6.2×10^6"),
    (199.99, 5e5, "1×10^8"),  # 9.9995×10^7 rounds up into the next power of ten
    (30, 1e5, "3×10^6"),
])
def test_a_total_is_written_to_three_significant_figures_half_up(weight, per_kg, written):
    assert cells(total_cells(weight, per_kg)) == written


def test_a_fraction_of_the_dose_is_written_as_a_percentage():
    assert [percent(f) for f in (1.0, 0.8, 0.984375, 0.79995, 1.25)] == [
        "100%", "80%", "98.4%", "80%", "125%"]


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
