"""python-telegram-bot persistence kept as JSON in the trialbot database file.

The SQL is in storage/conversations.py; this class only hands python-telegram-bot's calls to it.
callback_data is not stored. After each update the Application hands over what may have
changed (`one_write`): what did change is written in one transaction with the update's id, so
each update costs one commit, and an update that changed nothing only its id.
"""

from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from copy import deepcopy
from dataclasses import dataclass, field
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
    save_chat_state,
)
from storage.database import open_database

Missing = object()  # nothing stored under a key
NO_CALLBACK_DATA = PersistenceInput(callback_data=False)
KEPT_UPDATES = 500  # far more than Telegram ever delivers again


@dataclass
class Changes:
    """What python-telegram-bot handed over since the last write."""

    conversations: dict[tuple, object] = field(default_factory=dict)  # (name, key) -> state
    data: dict[tuple, object] = field(default_factory=dict)  # (kind, id) -> data

    def written(self) -> dict[tuple, object]:
        return {**self.conversations, **self.data}


class SQLitePersistence(BasePersistence):
    """Writes to SQLite what the Application hands over, if it differs from what is stored."""

    def __init__(
        self, path: str | Path, *, store_data: PersistenceInput = NO_CALLBACK_DATA,
        update_interval: float = 5,
    ):
        super().__init__(store_data=store_data, update_interval=update_interval)
        self.db = open_database(path)
        self.handled = deque(load_handled_updates(self.db), maxlen=KEPT_UPDATES)
        self.stored: dict[tuple, object] = {}  # what the database holds, as last read or written
        self.changes: Changes | None = None  # collecting, inside one_write

    @contextmanager
    def one_write(self, handled: int | None) -> Iterator[None]:
        """What is handed over inside is written at the end in one transaction, with `handled`
        (the update's id) noted as handled. Nothing waits for the disk inside, so nothing else
        the bot does can find the database locked by a half-done write."""
        self.changes = changes = Changes()
        try:
            yield
        finally:
            self.changes = None
        if handled is not None:
            self.handled.append(handled)
        self.write(changes, list(self.handled) if handled is not None else None)

    def write(self, changes: Changes, handled: list[int] | None) -> None:
        save_chat_state(self.db, handled=handled,
                        conversations=[(*k, v) for k, v in changes.conversations.items()],
                        data=[(*k, v) for k, v in changes.data.items()])
        self.stored.update(changes.written())

    async def get_user_data(self) -> dict[int, Any]:
        return self.remember("user", load_data(self.db, "user"))

    async def get_chat_data(self) -> dict[int, Any]:
        return self.remember("chat", load_data(self.db, "chat"))

    async def get_bot_data(self) -> dict:
        return load_bot_data(self.db)

    async def get_callback_data(self) -> None:
        return None

    async def get_conversations(self, name: str) -> dict:
        return self.remember(name, load_conversations(self.db, name))

    def remember(self, kind: str, rows: dict) -> dict:
        """Note what the database holds, so an unchanged value is not written again. Copies:
        python-telegram-bot changes the dicts it is given."""
        self.stored.update({(kind, key): deepcopy(value) for key, value in rows.items()})
        return rows

    def hand_over(self, kind: str, key: Any, value: object, where: str) -> None:
        """A state or data handed over: written now, or with the update's other changes."""
        if self.stored.get((kind, key), Missing) == value:
            return
        changes = self.changes or Changes()
        getattr(changes, where)[(kind, key)] = value
        if self.changes is None:
            self.write(changes, None)

    async def update_conversation(self, name: str, key: tuple, new_state: object | None) -> None:
        self.hand_over(name, tuple(key), new_state, "conversations")

    async def update_user_data(self, user_id: int, data: dict) -> None:
        self.hand_over("user", user_id, data, "data")

    async def update_chat_data(self, chat_id: int, data: dict) -> None:
        self.hand_over("chat", chat_id, data, "data")

    async def update_bot_data(self, data: dict) -> None:
        save_bot_data(self.db, data)

    async def update_callback_data(self, data: Any) -> None:
        """callback_data is not stored."""

    async def drop_chat_data(self, chat_id: int) -> None:
        self.stored.pop(("chat", chat_id), None)
        drop_data(self.db, "chat", chat_id)

    async def drop_user_data(self, user_id: int) -> None:
        self.stored.pop(("user", user_id), None)
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

    def close(self) -> None:
        self.db.close()
