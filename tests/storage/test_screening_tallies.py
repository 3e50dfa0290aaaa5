"""The screening log's tallies (kept since schema v9) always say what counting the screenings
says: after any sequence of starts, finishes, withdrawals and reopenings, and after migrating a
database that already holds screenings."""

import sqlite3

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlite_utils import Database

from storage.database import migrate, open_database
from storage.migrations import MIGRATIONS, screening_tallies
from storage.screenings import (
    ScreeningClosed,
    failure_counts,
    finish_screening,
    reopen_screening,
    start_screening,
    status_counts,
    withdraw_screening,
)

TALLIES = MIGRATIONS.index(screening_tallies) + 1  # the schema version that keeps them


def verdict(*failed: tuple[int, str]) -> dict:
    """A stored verdict failing the criteria `failed` (number, id) and meeting one other."""
    criteria = [{"number": n, "id": cid, "group": "inclusion", "status": "not_met"}
                for n, cid in failed]
    criteria.append({"number": 99, "id": "met", "group": "inclusion", "status": "met"})
    return {"status": "screen_failure" if failed else "eligible", "criteria": criteria}


def counted(db) -> tuple[dict, dict]:
    """What counting every screening says (status_counts/failure_counts with a date range
    count rows; without one they read the tallies)."""
    return status_counts(db, since="2000-01-01"), failure_counts(db, since="2000-01-01")


def tallied(db) -> tuple[dict, dict]:
    return status_counts(db), failure_counts(db)


ACTIONS = st.lists(st.tuples(
    st.sampled_from(["start", "eligible", "fail", "fail_other", "withdraw", "reopen"]),
    st.integers(0, 5)), max_size=40)


def act(db, action: str, pick: int) -> None:
    numbers = [n for (n,) in db.execute("SELECT number FROM screenings ORDER BY rowid")]
    if action == "start" or not numbers:
        start_screening(db, actor=1)
        return
    number = numbers[pick % len(numbers)]
    steps = {
        "eligible": lambda: finish_screening(db, number, status="eligible", verdict=verdict(),
                                             actor=1),
        "fail": lambda: finish_screening(db, number, status="screen_failure",
                                         verdict=verdict((3, "sledai")), actor=1),
        "fail_other": lambda: finish_screening(
            db, number, status="screen_failure", verdict=verdict((3, "sledai"), (7, "egfr")),
            actor=1),
        "withdraw": lambda: withdraw_screening(db, number, actor=1, reason="consent withdrawn"),
        "reopen": lambda: reopen_screening(db, number, actor=1, reason="typing error"),
    }
    try:
        steps[action]()
    except (ScreeningClosed, ValueError):
        pass  # refused as the rules say: the tallies must not move either


@settings(max_examples=60, deadline=None)
@given(actions=ACTIONS)
def test_the_tallies_say_what_counting_says(tmp_path_factory, actions):
    db = open_database(tmp_path_factory.mktemp("tallies") / "t.db")
    for action, pick in actions:
        act(db, action, pick)
        assert tallied(db) == counted(db)
    db.close()


def test_a_database_with_screenings_gets_its_tallies_when_migrated(tmp_path):
    old = Database(sqlite3.connect(tmp_path / "old.db", isolation_level=None))
    migrate(old, upto=TALLIES - 1)
    for action, pick in [("start", 0), ("start", 0), ("start", 0), ("start", 0),
                         ("fail_other", 0), ("fail", 1), ("eligible", 2), ("withdraw", 3)]:
        act(old, action, pick)
    before = counted(old)
    assert before == ({"screen_failure": 2, "eligible": 1, "withdrawn": 1},
                      {(3, "sledai"): 2, (7, "egfr"): 1})
    migrate(old)
    assert tallied(old) == before
    old.close()
