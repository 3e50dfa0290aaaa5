"""python-telegram-bot persistence kept as JSON in the trialbot database file.

The SQL is in storage/conversations.py; this class only hands python-telegram-bot's calls to it.
callback_data is not stored.
"""

from collections import deque
from pathlib import Path
from typing import Any

from telegram.ext import BasePersistence, PersistenceInput

from storage.conversations import (
    drop_data,
    load_bot_data,
    load_conversations,
    load_data,
    load_handled_updates,
    save_bot_data,
    save_conversation,
    save_data,
    save_handled_updates,
)
from storage.database import open_database

NO_CALLBACK_DATA = PersistenceInput(callback_data=False)
KEPT_UPDATES = 500  # far more than Telegram ever delivers again


class SQLitePersistence(BasePersistence):
    """Writes straight to SQLite whenever the Application hands over data."""

    def __init__(
        self, path: str | Path, *, store_data: PersistenceInput = NO_CALLBACK_DATA,
        update_interval: float = 5,
    ):
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.db = open_database(path)
        self.handled = deque(load_handled_updates(self.db), maxlen=KEPT_UPDATES)

    async def get_user_data(self) -> dict[int, Any]:
        return load_data(self.db, "user")

    async def get_chat_data(self) -> dict[int, Any]:
        return load_data(self.db, "chat")

    async def get_bot_data(self) -> dict:
        return load_bot_data(self.db)

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict:
        return load_conversations(self.db, name)

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        save_conversation(self.db, name, key, new_state)

    async def update_user_data(self, user_id: int, data: dict) -> None:
        save_data(self.db, "user", user_id, data)

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        save_data(self.db, "chat", chat_id, data)

    async def update_bot_data(self, data: dict) -> None:
        save_bot_data(self.db, data)

    async def update_callback_data(self, data: Any) -> None:
        """callback_data is not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        drop_data(self.db, "chat", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        drop_data(self.db, "user", user_id)

    async def refresh_user_data(self, user_id: int, user_data: dict) -> None:
        """The Application's copy is the current one; nothing to refresh."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict) -> None:
        """The Application's copy is the current one; nothing to refresh."""

    async def refresh_bot_data(self, bot_data: dict) -> None:
        """The Application's copy is the current one; nothing to refresh."""

    async def flush(self) -> None:
        """Everything is already written; nothing to do."""

    def was_handled(self, update_id: int) -> bool:
        return update_id in self.handled

    def note_handled(self, update_id: int) -> None:
        """Remember the update as handled; the last KEPT_UPDATES ids are kept (Telegram's ids
        grow, but start again at random after a week without updates)."""
        self.handled.append(update_id)
        save_handled_updates(self.db, list(self.handled))

    def close(self) -> None:
        self.db.close()
