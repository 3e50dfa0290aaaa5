"""Chat state as plain storage functions: conversations and user/chat/bot data, as JSON."""

import pytest

from storage.conversations import (
    drop_data,
    load_bot_data,
    load_conversations,
    load_data,
    save_bot_data,
    save_conversation,
    save_data,
)
from storage.database import open_database


def test_conversation_states_round_trip_and_end(db_path):
    db = open_database(db_path)
    save_conversation(db, "screening", (5, 5), 1)
    save_conversation(db, "screening", (6, 6), 1)
    save_conversation(db, "screening", (5, 5), 2)  # a later step replaces the earlier one
    save_conversation(db, "screening", (6, 6), None)  # ended: gone
    save_conversation(db, "dlt", (5, 5), [3, "P-01"])
    db.close()

    again = open_database(db_path)
    assert load_conversations(again, "screening") == {(5, 5): 2}
    assert load_conversations(again, "dlt") == {(5, 5): [3, "P-01"]}
    assert load_conversations(again, "other") == {}
    again.close()


def test_user_chat_and_bot_data_are_kept_apart(db):
    save_data(db, "user", 5, {"screening": "S-001"})
    save_data(db, "chat", 5, {"language": "en"})
    save_data(db, "user", 7, {"x": 1})
    drop_data(db, "user", 7)
    assert load_bot_data(db) == {}
    save_bot_data(db, {"version": 2})
    assert load_data(db, "user") == {5: {"screening": "S-001"}}
    assert load_data(db, "chat") == {5: {"language": "en"}}
    assert load_bot_data(db) == {"version": 2}


def test_only_json_is_stored_and_nothing_half_written(db):
    with pytest.raises(TypeError, match="stores JSON only: state of conversation screening"):
        save_conversation(db, "screening", (5, 5), {"when": object()})
    with pytest.raises(TypeError, match="stores JSON only: bot_user_data 5"):
        save_data(db, "user", 5, {1, 2})
    assert load_conversations(db, "screening") == {}
    assert load_data(db, "user") == {}
