"""The protocol file on disk: the shipped one is the default, an unreadable one is refused."""

import re

import pytest

from domain.protocol import ProtocolError
from storage.protocol_file import DEFAULT_PROTOCOL_FILE, load_protocol


def test_shipped_protocol_file_is_the_default():
    assert DEFAULT_PROTOCOL_FILE.is_file()
    assert load_protocol() == load_protocol(DEFAULT_PROTOCOL_FILE)
    assert load_protocol(str(DEFAULT_PROTOCOL_FILE)).name == "RD06-04"


def test_missing_protocol_file_is_refused(tmp_path):
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ProtocolError, match="cannot read protocol file") as refused:
        load_protocol(missing)
    assert str(refused.value).startswith(str(missing))


def test_errors_in_the_file_name_the_file(tmp_path):
    broken = tmp_path / "amended.toml"
    broken.write_text("[escalation", encoding="utf-8")
    with pytest.raises(ProtocolError, match=f"^{re.escape(str(broken))}: not valid TOML"):
        load_protocol(broken)
