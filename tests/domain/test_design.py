"""The 3+3 design the engine needs of a protocol: read from the shipped file with tomllib alone
(how `trialbot escalation` reads it, without pydantic) it is the design of the validated
protocol, so the two cannot drift apart; a protocol file a site sets is validated in full."""

from __future__ import annotations

import pytest

from domain.design import DESIGN_SETTINGS, Design, read_design
from domain.escalation import decide, parse_history
from domain.protocol import ProtocolError
from storage.protocol_file import DEFAULT_PROTOCOL_FILE, load_design, load_protocol

HISTORIES = ["", "1NNT", "1NNT 1NNN 2NTT", "1NNN 2NTT", "1NXNN 2NNP", "1NNN 2NNN +2NN",
             "1NNT 1NNT"]


def test_the_shipped_file_read_without_validation_is_the_validated_protocols_design():
    validated = load_protocol().design
    assert read_design(DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")) == validated
    assert load_design() == validated
    assert validated.labels == ("DL1", "DL2") and validated.name == "RD06-04"


def test_the_shipped_file_sets_every_setting_the_engine_reads():
    """Read without validation, nothing is filled in from pydantic's defaults: a setting left
    out of the shipped file would make read_design fail here, not differ in silence."""
    text = DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")
    for setting in DESIGN_SETTINGS:
        assert f"\n{setting} = " in text


@pytest.mark.parametrize("history", HISTORIES)
def test_the_engine_decides_the_same_from_the_protocol_and_from_its_design(history):
    protocol = load_protocol()
    enrolments = parse_history(history)
    assert decide(load_design(), enrolments) == decide(protocol, enrolments)


def test_a_protocol_file_set_by_the_site_is_validated_in_full(tmp_path):
    text = DEFAULT_PROTOCOL_FILE.read_text(encoding="utf-8")
    amended, broken = tmp_path / "amended.toml", tmp_path / "broken.toml"
    amended.write_text(text.replace("cohort_size = 3", "cohort_size = 2"), encoding="utf-8")
    broken.write_text(text.replace("cohort_size = 3", "cohort_size = -3"), encoding="utf-8")
    assert load_design(amended).cohort_size == 2
    assert isinstance(load_design(amended), Design)
    with pytest.raises(ProtocolError, match="escalation.cohort_size"):
        load_design(broken)
