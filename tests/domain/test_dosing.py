"""The cell dose (domain.dosing): exact totals, unusual weights, the infused dose typed, and the
protocol's minimum fraction of the target dose."""

from __future__ import annotations

import pytest

from domain.dosing import (
    DoseError,
    dose_fraction,
    read_cells,
    total_cells,
    underdosed,
    weight_unusual,
)


@pytest.mark.parametrize(("weight", "per_kg", "total"), [
    (62.5, 5e5, 31_250_000),
    (63.7, 5e5, 31_850_000),
    (32.3, 5e5, 16_150_000),  # the binary product is 16,149,999.999999998
    (62, 1e5, 6_200_000),
])
def test_the_total_is_the_exact_product(weight, per_kg, total):
    assert total_cells(weight, per_kg) == total


def test_the_exact_product_differs_from_the_binary_one():
    assert 32.3 * 5e5 != 16_150_000  # why total_cells does not multiply floats


@pytest.mark.parametrize(("weight", "unusual"), [
    (20, True), (29, True), (29.9, True), (30, False), (62, False), (200, False),
    (200.1, True), (201, True), (300, True),
])
def test_weights_outside_30_to_200_kg_are_unusual(weight, unusual):
    assert weight_unusual(weight) is unusual


@pytest.mark.parametrize(("typed", "cells"), [
    ("6.2×10^6", 6.2e6), ("6.2x10^6", 6.2e6), ("6.2 X 10 ^ 6", 6.2e6), ("6.2*10^6", 6.2e6),
    ("6.2e6", 6.2e6), ("6.2E6", 6.2e6), ("6200000", 6.2e6), (" 3.13×10^7 ", 3.13e7),
    ("1×10^11", 1e11),
])
def test_an_infused_dose_is_read_as_written_on_the_ward(typed, cells):
    assert read_cells(typed) == cells


@pytest.mark.parametrize(("typed", "code"), [
    ("", "dosing.cells_unreadable"), ("lots", "dosing.cells_unreadable"),
    ("6,2×10^6", "dosing.cells_unreadable"), ("-6e6", "dosing.cells_unreadable"),
    ("6×10^", "dosing.cells_unreadable"), ("0", "dosing.cells_implausible"),
    ("0×10^6", "dosing.cells_implausible"), ("1.1×10^11", "dosing.cells_implausible"),
])
def test_an_unreadable_or_implausible_dose_is_refused(typed, code):
    with pytest.raises(DoseError) as refused:
        read_cells(typed)
    assert refused.value.reason.code == code


def test_the_fraction_of_the_target_dose():
    assert dose_fraction(6.2e6, 6.2e6) == 1.0
    assert dose_fraction(4.96e6, 6.2e6) == 0.8  # exactly, not 0.7999999999999999


@pytest.mark.parametrize(("infused", "minimum", "below"), [
    (4.96e6, 0.8, False),  # exactly 80% of 6.2×10^6: enough
    (4.959e6, 0.8, True),
    (6.2e6, 0.8, False),
    (1e3, None, False),  # the protocol sets no minimum (the shipped one)
    (None, 0.8, False),  # not infused yet
])
def test_below_the_protocols_minimum_fraction(infused, minimum, below):
    assert underdosed(infused, 6.2e6, minimum) is below
