"""The offline commands run without python-telegram-bot, and `trialbot escalation` without
pydantic-settings and sqlite-utils too (they were most of its start-up time). Each command
runs in a fresh interpreter, so what it imported is exactly what sys.modules shows. These are
tests of imports, not of time (timed tests fail on a busy machine)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.cli import main

MARK = "loaded modules:"
RUN = f"""
import sys
from bot.cli import main
status = main(sys.argv[1:])
print({MARK!r}, *sorted(sys.modules))
sys.exit(status)
"""

OFFLINE = [
    ["status"],
    ["run"],  # without a token: explains, then prints the status
    ["escalation", "1NNT 1NNN"],
    ["simulate", "--dlt-rates", "0.05,0.25", "--trials", "100"],
    ["simulate", "--dlt-rates", "0.05,0.25", "--trials", "100", "--from-current"],
    ["staff", "list"],
    ["staff", "add", "777", "--name", "Li Na", "--role", "coordinator"],
    ["staff", "deactivate", "555"],
    ["backup", "copy.db"],
    ["chart", "escalation.png"],
    ["export", "rd06-04.xlsx", "--csv", "csv"],
]


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A database with one admin, in a folder with no .env; the environment without any
    trialbot or Telegram setting but TRIALBOT_DB."""
    monkeypatch.chdir(tmp_path)
    for name in [k for k in os.environ if k.upper().startswith(("TRIALBOT_", "TELEGRAM_"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("TRIALBOT_DB", str(tmp_path / "trialbot.db"))
    assert main(["staff", "add", "555", "--name", "Wei Xie", "--role", "admin"]) == 0
    return tmp_path


def loaded_by(argv: list[str], cwd) -> set[str]:
    """The modules (packages and their submodules, by full name) a `trialbot` command imported,
    run in its own interpreter."""
    done = subprocess.run([sys.executable, "-c", RUN, *argv], cwd=cwd,
                          capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith(MARK), done.stdout
    return set(last.removeprefix(MARK).split())


@pytest.mark.parametrize("argv", OFFLINE, ids=" ".join)
def test_offline_command_does_not_import_telegram(site, argv):
    assert "telegram" not in loaded_by(argv, site)


def test_escalation_loads_neither_settings_nor_sqlite(site):
    loaded = loaded_by(["escalation", "1NNT"], site)
    assert not loaded & {"telegram", "pydantic_settings", "sqlite_utils", "sqlite3", "httpx",
                         "matplotlib", "openpyxl"}


def test_escalation_on_the_shipped_protocol_loads_no_pydantic(site):
    """Loading pydantic and building a first model costs more than the rest of the command: the
    engine's values are dataclasses and the shipped protocol's design is read with tomllib
    (tests/domain/test_design.py checks it against the validated protocol)."""
    for history in ["1NNT 1NNN 2NTT", "2NNN"]:  # a decision, and a refused history
        done = subprocess.run([sys.executable, "-c", RUN, "escalation", history], cwd=site,
                              capture_output=True, text=True, check=False, timeout=60)
        loaded = set(done.stdout.strip().splitlines()[-1].removeprefix(MARK).split())
        assert "domain.escalation" in loaded and "handlers.wording" in loaded  # it ran
        assert not {name for name in loaded if name.split(".")[0] in {"pydantic", "pydantic_core"}}


def test_escalation_with_a_protocol_set_reads_the_settings_but_opens_no_database(site):
    """A site's folder has a .env (the token), so the settings are read: not sqlite-utils."""
    from storage.protocol_file import DEFAULT_PROTOCOL_FILE

    (site / ".env").write_text(f"TRIALBOT_PROTOCOL={DEFAULT_PROTOCOL_FILE}\n")
    loaded = loaded_by(["escalation", "1NNT"], site)
    assert "pydantic_settings" in loaded  # the protocol the settings name is the one used
    assert not loaded & {"telegram", "sqlite_utils", "sqlite3", "matplotlib", "openpyxl"}


ENGINE = {"domain.escalation", "domain.protocol", "storage.protocol_file"}  # and pydantic models
WORDS = {"babel", "handlers"}  # the chat's words, for the commands that print the trial's

# What each command does not use, so must not import (each uses the rest of what it imports).
NOT_USED = [
    (["staff", "list"], ENGINE | WORDS | {"matplotlib", "openpyxl"}),
    (["staff", "add", "777", "--name", "Li Na", "--role", "coordinator"],
     ENGINE | WORDS | {"matplotlib", "openpyxl"}),
    (["backup", "copy.db"], ENGINE | WORDS | {"matplotlib", "openpyxl"}),
    (["status"], {"matplotlib", "openpyxl"}),
    (["chart", "escalation.png"], {"openpyxl"}),
    (["export", "rd06-04.xlsx"], {"matplotlib"}),
]


@pytest.mark.parametrize(("argv", "unused"), NOT_USED, ids=[" ".join(a) for a, _ in NOT_USED])
def test_offline_command_imports_only_what_it_uses(site, argv, unused):
    assert not loaded_by(argv, site) & unused


def test_simulating_a_new_trial_needs_no_database(site):
    loaded = loaded_by(["simulate", "--dlt-rates", "0.05,0.25", "--trials", "100"], site)
    assert not loaded & {"telegram", "pydantic_settings", "sqlite_utils", "sqlite3", "httpx",
                         "matplotlib"}
