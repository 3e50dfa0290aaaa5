"""Chat state kept across restarts: where each open form is (conversation states) and the
user, chat and bot data of python-telegram-bot, as JSON in the trialbot database.

Plain functions over the Database, no Telegram: bot/persistence.py hands them to the
Application. Values must be JSON-serialisable (dict keys become strings, tuples become lists).
"""

from __future__ import annotations

import json
from typing import Any

from sqlite_utils import Database

from storage.database import now, transaction

# Which table keeps each kind of data, by the id python-telegram-bot gives it.
DATA_TABLES = {"user": "bot_user_data", "chat": "bot_chat_data", "bot": "bot_data"}
BOT_ROW = 1  # bot_data is one row
# The ids of the updates handled last, so one delivered again is not handled twice.
HANDLED = ["trialbot: handled updates", "[]"]


def load_conversations(db: Database, name: str) -> dict[tuple, Any]:
    """The state of every open conversation called `name`, by its key (chat id, user id...)."""
    rows = db.execute("SELECT key, state FROM bot_conversations WHERE name = ?", [name])
    return {tuple(json.loads(key)): json.loads(state) for key, state in rows}


def save_conversation(db: Database, name: str, key: tuple, state: Any | None) -> None:
    """Store the state of one conversation; None means it ended, so it is removed. A
    conversation keeps the time it was opened (and reminded about) until it ends."""
    save_chat_state(db, conversations=[(name, key, state)])


def save_chat_state(db: Database, *, conversations: list[tuple[str, tuple, Any]] = (),
                    data: list[tuple[str, int, Any]] = (),
                    handled: list[int] | None = None) -> None:
    """What one update changed in the chat state, in one transaction: conversations' states
    (name, key, state), user/chat/bot data (kind, id, data) and the ids of the updates handled
    (None: unchanged). One commit, so one wait for the disk, per update."""
    with transaction(db):
        for name, key, state in conversations:
            _write_conversation(db, name, key, state)
        for kind, row_id, value in data:
            table = DATA_TABLES[kind]
            db.execute(f"INSERT OR REPLACE INTO {table} (id, data) VALUES (?, ?)",
                       [row_id, to_json(value, f"{table} {row_id}")])
        if handled is not None:
            db.execute("INSERT OR REPLACE INTO bot_conversations (name, key, state)"
                       " VALUES (?, ?, ?)", [*HANDLED, json.dumps(handled)])


def _write_conversation(db: Database, name: str, key: tuple, state: Any | None) -> None:
    params = [name, json.dumps(list(key))]
    if state is None:
        db.execute("DELETE FROM bot_conversations WHERE name = ? AND key = ?", params)
    else:
        db.execute(
            "INSERT INTO bot_conversations (name, key, state, opened_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (name, key) DO UPDATE SET state = excluded.state",
            [*params, to_json(state, f"state of conversation {name}"), now()],
        )


def forms_open_since(db: Database, before: str) -> list[dict]:
    """Open conversations opened before `before` (a stored time) and not reminded about yet:
    name, key (chat id, user id...) and when it was opened."""
    rows = db.execute(
        "SELECT name, key, opened_at FROM bot_conversations"
        " WHERE opened_at < ? AND reminded_at IS NULL ORDER BY opened_at", [before])
    return [{"name": name, "key": tuple(json.loads(key)), "opened_at": opened}
            for name, key, opened in rows]


def mark_reminded(db: Database, name: str, key: tuple, at: str) -> None:
    db.execute("UPDATE bot_conversations SET reminded_at = ? WHERE name = ? AND key = ?",
               [at, name, json.dumps(list(key))])


def load_data(db: Database, kind: str) -> dict[int, Any]:
    """All stored data of a kind ("user", "chat" or "bot"), by id."""
    rows = db.execute(f"SELECT id, data FROM {DATA_TABLES[kind]}")
    return {row_id: json.loads(data) for row_id, data in rows}


def save_data(db: Database, kind: str, row_id: int, data: Any) -> None:
    save_chat_state(db, data=[(kind, row_id, data)])


def drop_data(db: Database, kind: str, row_id: int) -> None:
    db.execute(f"DELETE FROM {DATA_TABLES[kind]} WHERE id = ?", [row_id])


def load_bot_data(db: Database) -> dict:
    return load_data(db, "bot").get(BOT_ROW, {})


def save_bot_data(db: Database, data: dict) -> None:
    save_data(db, "bot", BOT_ROW, data)


def load_handled_updates(db: Database) -> list[int]:
    """The ids of the latest updates the bot has handled, oldest first."""
    row = db.execute("SELECT state FROM bot_conversations WHERE name = ? AND key = ?",
                     HANDLED).fetchone()
    return json.loads(row[0]) if row else []


def to_json(value: Any, what: str) -> str:
    try:
        return json.dumps(value)
    except TypeError as error:
        raise TypeError(f"trialbot persistence stores JSON only: {what}: {error}") from None
