"""python-telegram-bot persistence kept as JSON in the trialbot database file.

Conversations, user_data, chat_data and bot_data must be JSON-serialisable (dict keys become
strings, tuples become lists). callback_data is not stored.
"""

import json
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.database import open_database, transaction

NO_CALLBACK_DATA = PersistenceInput(callback_data=False)


class SQLitePersistence(BasePersistence):
    """Writes straight to SQLite whenever the Application hands over data."""

    def __init__(
        self, path: str | Path, *, store_data: PersistenceInput = NO_CALLBACK_DATA,
        update_interval: float = 5,
    ):
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.db = open_database(path)

    async def get_user_data(self) -> dict[int, Any]:
        return self._load_all("bot_user_data")

    async def get_chat_data(self) -> dict[int, Any]:
        return self._load_all("bot_chat_data")

    async def get_bot_data(self) -> dict:
        row = self.db.execute("SELECT data FROM bot_data WHERE id = 1").fetchone()
        return json.loads(row[0]) if row else {}

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict:
        rows = self.db.execute("SELECT key, state FROM bot_conversations WHERE name = ?", [name])
        return {tuple(json.loads(key)): json.loads(state) for key, state in rows}

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        params = [name, json.dumps(list(key))]
        with transaction(self.db):
            if new_state is None:
                self.db.execute("DELETE FROM bot_conversations WHERE name = ? AND key = ?", params)
            else:
                self.db.execute(
                    "INSERT OR REPLACE INTO bot_conversations (name, key, state) VALUES (?, ?, ?)",
                    [*params, _dumps(new_state, f"state of conversation {name}")],
                )

    async def update_user_data(self, user_id: int, data: dict) -> None:
        self._save("bot_user_data", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        self._save("bot_chat_data", chat_id, data)

    async def update_bot_data(self, data: dict) -> None:
        self._save("bot_data", 1, data)

    async def update_callback_data(self, data: Any) -> None:
        """callback_data is not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        self.db.execute("DELETE FROM bot_chat_data WHERE id = ?", [chat_id])

    async def drop_user_data(self, user_id: int) -> None:
        self.db.execute("DELETE FROM bot_user_data WHERE id = ?", [user_id])

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """The Application's copy is the current one; nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """The Application's copy is the current one; nothing to refresh."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """The Application's copy is the current one; nothing to refresh."""

    async def flush(self) -> None:
        """Everything is already written; nothing to do."""

    def close(self) -> None:
        self.db.close()

    def _load_all(self, table: str) -> dict[int, Any]:
        rows = self.db.execute(f"SELECT id, data FROM {table}")
        return {row_id: json.loads(data) for row_id, data in rows}

    def _save(self, table: str, row_id: int, data: Any) -> None:
        text = _dumps(data, f"{table} {row_id}")
        with transaction(self.db):
            self.db.execute(
                f"INSERT OR REPLACE INTO {table} (id, data) VALUES (?, ?)", [row_id, text]
            )


def _dumps(value: Any, what: str) -> str:
    try:
        return json.dumps(value)
    except TypeError as error:
        raise TypeError(f"trialbot persistence stores JSON only: {what}: {error}") from None
