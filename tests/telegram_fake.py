"""Run the real python-telegram-bot stack in tests, with Telegram faked at the HTTP boundary.

    fake = FakeBotAPI()
    app = Application.builder().token("123:TEST").request(fake).get_updates_request(fake).build()
    app.add_handler(...)
    async with app:                      # initialize() -> getMe
        driver = ChatDriver(app)
        [reply] = await driver.send(42, "/start")
        [edited] = await driver.press(42, "Yes")

FakeBotAPI answers Bot API calls in memory and behaves like Telegram where it matters to
handlers: dates in Unix seconds, per-chat message ids, HTTP 400 for unknown methods, for editing
a missing message and for "message is not modified", HTML parse_mode validated and stripped;
and fails like Telegram when told to (fail_next: 5xx, 429 with retry_after; time_out_next: a
timeout, before or after the message went out; block: 403 from a user who blocked the bot).
Photos and documents uploaded (sendPhoto, sendDocument) are kept byte for byte in `.uploads`
by file_id, so a test can open them (`driver.file(sent)`).
ChatDriver builds real Update dicts, feeds them to `app.process_update` and returns what the bot
sent or edited. Exceptions raised in handlers are re-raised by the driver (raise_errors=True).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import re
import struct
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from telegram import Update
from telegram.error import TimedOut
from telegram.ext import Application, ContextTypes
from telegram.request import BaseRequest, RequestData

from bot.local_api import BotAPIError as _Fail  # one set of Telegram's rules and errors
from bot.local_api import html_to_text as _html_to_text

BOT_USERNAME = "trialbot_test_bot"


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    status: int = 200  # 0: the call timed out (see time_out_next)
    at: float = field(default_factory=time.perf_counter)


class _Timeout(Exception):
    """A call that times out: before the server saw it, or (`delivered`) after it acted on it,
    so the answer is lost."""

    def __init__(self, delivered: bool):
        super().__init__("timed out")
        self.delivered = delivered


def _now() -> int:
    return int(time.time())


def _png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's header; (0, 0) for anything else, as a test would notice."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    return 0, 0


class FakeBotAPI(BaseRequest):
    """In-memory Bot API. `.calls` logs every call; `.messages[chat_id][message_id]` holds the
    current state of each bot message; `.outbox` lists (method, message) for every send/edit."""

    def __init__(self, *, username: str = BOT_USERNAME, first_name: str = "TrialBot"):
        self.bot_user: dict[str, Any] = {"id": 1, "is_bot": True, "first_name": first_name,
                                         "username": username}
        self.calls: list[Call] = []
        self.messages: dict[int, dict[int, dict]] = defaultdict(dict)
        self.outbox: list[tuple[str, dict]] = []
        self.chats: dict[int, dict] = {}  # chat dicts registered by ChatDriver
        self.commands: dict[tuple[str, str], list] = {}  # (scope json, language) -> commands
        self.uploads: dict[str, bytes] = {}  # file_id -> the bytes of an uploaded file
        self._ids: dict[int, itertools.count] = defaultdict(lambda: itertools.count(1))
        self._failures: dict[str, list[_Fail | _Timeout]] = defaultdict(list)
        self.blocked: set[int] = set()  # chats whose user blocked the bot (403 on every send)

    # -- BaseRequest interface ------------------------------------------------------------
    read_timeout = 5.0  # BaseRequest requires the attribute (an abstract property)

    async def initialize(self) -> None:
        """Nothing to set up: no sockets."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def do_request(self, url: str, method: str, request_data: RequestData | None = None,
                         **_timeouts: Any) -> tuple[int, bytes]:
        api_method = url.rsplit("/", 1)[-1]
        params = self._decode(request_data)
        try:
            if self._failures.get(api_method):
                raise self._failures[api_method].pop(0)
            handler = getattr(self, f"_api_{api_method}", None)
            if handler is None:
                raise _Fail(400, f"Bad Request: method {api_method} not implemented by FakeBotAPI")
            result = handler(params, url)
        except _Fail as fail:
            self.calls.append(Call(api_method, params, fail.status))
            return fail.status, json.dumps(fail.payload).encode()
        except _Timeout as timeout:
            if timeout.delivered:
                getattr(self, f"_api_{api_method}")(params, url)
            self.calls.append(Call(api_method, params, 0))
            raise TimedOut("Timed out (FakeBotAPI)") from None
        self.calls.append(Call(api_method, params))
        return 200, json.dumps({"ok": True, "result": result}).encode()

    @staticmethod
    def _decode(request_data: RequestData | None) -> dict[str, Any]:
        """Round-trip through the form-urlencoded wire format (non-strings JSON-encoded)."""
        if request_data is None:
            return {}
        original = request_data.parameters
        wire = parse_qsl(request_data.url_encoded_parameters(), keep_blank_values=True)
        params = {k: v if isinstance(original[k], str) else json.loads(v) for k, v in wire}
        if request_data.contains_files:
            params["_files"] = sorted(request_data.multipart_data)
            params["_uploads"] = dict(request_data.multipart_data)  # name -> (file, bytes, type)
        return params

    # -- test controls ----------------------------------------------------------------------
    def fail_next(self, method: str, times: int = 1, *, status: int | None = None,
                  retry_after: int | None = None, description: str | None = None) -> None:
        """Make the next `times` calls of `method` fail (500 by default, 429 with retry_after)."""
        status = status or (429 if retry_after else 500)
        description = description or (f"Too Many Requests: retry after {retry_after}"
                                      if retry_after else f"Injected failure ({status})")
        params = {"retry_after": retry_after} if retry_after else None
        self._failures[method].extend(_Fail(status, description, params) for _ in range(times))

    def time_out_next(self, method: str, times: int = 1, *, delivered: bool = False) -> None:
        """Make the next `times` calls of `method` time out. `delivered`: the server did what
        was asked (a message is sent) but its answer never arrives."""
        self._failures[method].extend(_Timeout(delivered) for _ in range(times))

    def block(self, chat_id: int) -> None:
        """The user of this private chat blocks the bot: every send there gets 403."""
        self.blocked.add(chat_id)

    def next_message_id(self, chat_id: int) -> int:
        """Message ids are per chat and shared by bot and users, so they never collide."""
        return next(self._ids[chat_id])

    def calls_of(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # -- Bot API methods --------------------------------------------------------------------
    def _chat(self, chat_id: int) -> dict:
        default_type = "private" if chat_id > 0 else "group"
        return self.chats.get(chat_id, {"id": chat_id, "type": default_type})

    def _store(self, method: str, msg: dict) -> dict:
        self.messages[msg["chat"]["id"]][msg["message_id"]] = msg
        self.outbox.append((method, msg))
        return msg

    @staticmethod
    def _text(p: dict) -> str:
        return _html_to_text(p["text"]) if p.get("parse_mode") == "HTML" else p["text"]

    @staticmethod
    def _inline_markup(p: dict) -> dict | None:
        markup = p.get("reply_markup")
        return markup if markup and "inline_keyboard" in markup else None

    def _api_getMe(self, p: dict, url: str) -> dict:
        bot_id = url.rsplit("/", 2)[-2].removeprefix("bot").split(":")[0]
        self.bot_user["id"] = int(bot_id) if bot_id.isdigit() else 1
        return self.bot_user

    def _refuse_blocked(self, chat_id: int) -> None:
        if chat_id in self.blocked:
            raise _Fail(403, "Forbidden: bot was blocked by the user")

    def _api_sendMessage(self, p: dict, url: str) -> dict:
        self._refuse_blocked(p["chat_id"])
        chat = self._chat(p["chat_id"])
        msg = {"message_id": self.next_message_id(chat["id"]), "date": _now(), "chat": chat,
               "from": self.bot_user, "text": self._text(p)}
        if markup := self._inline_markup(p):
            msg["reply_markup"] = markup
        return self._store("sendMessage", msg)

    def _upload(self, p: dict, field: str) -> tuple[str, bytes, str | None, str]:
        """(file_id, bytes, file name, MIME type) of the file sent as `field`: uploaded in this
        call, or a file_id sent before (Telegram's way of sending a file again)."""
        if field in p.get("_uploads", {}):
            name, data, mime = p["_uploads"][field]
            file_id = "file-" + hashlib.sha256(data).hexdigest()[:16]
            self.uploads[file_id] = data
            return file_id, data, name, mime
        file_id = p.get(field)
        if file_id not in self.uploads:
            raise _Fail(400, "Bad Request: wrong file identifier/HTTP URL specified")
        return file_id, self.uploads[file_id], None, "application/octet-stream"

    def _with_file(self, method: str, p: dict, key: str, media: Any) -> dict:
        chat = self._chat(p["chat_id"])
        msg = {"message_id": self.next_message_id(chat["id"]), "date": _now(), "chat": chat,
               "from": self.bot_user, key: media}
        if "caption" in p:
            msg["caption"] = _html_to_text(p["caption"]) if p.get("parse_mode") == "HTML" \
                else p["caption"]
        if markup := self._inline_markup(p):
            msg["reply_markup"] = markup
        return self._store(method, msg)

    def _api_sendPhoto(self, p: dict, url: str) -> dict:
        file_id, data, _, _ = self._upload(p, "photo")
        width, height = _png_size(data)
        size = {"file_id": file_id, "file_unique_id": file_id[5:], "width": width,
                "height": height, "file_size": len(data)}
        return self._with_file("sendPhoto", p, "photo", [size])

    def _api_sendDocument(self, p: dict, url: str) -> dict:
        file_id, data, name, mime = self._upload(p, "document")
        document = {"file_id": file_id, "file_unique_id": file_id[5:], "file_size": len(data),
                    "mime_type": mime}
        if name:
            document["file_name"] = name
        return self._with_file("sendDocument", p, "document", document)

    def _edit(self, method: str, p: dict, text: str | None = None) -> dict | bool:
        if "inline_message_id" in p:
            return True
        self._refuse_blocked(p["chat_id"])
        old = self.messages.get(p["chat_id"], {}).get(p["message_id"])
        if old is None:
            raise _Fail(400, "Bad Request: message to edit not found")
        new = {k: v for k, v in old.items() if k != "reply_markup"} | {"edit_date": _now()}
        if text is not None:
            new["text"] = text
        if markup := self._inline_markup(p):  # like Telegram: no reply_markup removes keyboard
            new["reply_markup"] = markup
        if all(new.get(k) == old.get(k) for k in ("text", "reply_markup")):
            raise _Fail(400, "Bad Request: message is not modified: specified new message content "
                             "and reply markup are exactly the same as a current content and "
                             "reply markup of the message")
        return self._store(method, new)

    def _api_editMessageText(self, p: dict, url: str) -> dict | bool:
        return self._edit("editMessageText", p, self._text(p))

    def _api_editMessageReplyMarkup(self, p: dict, url: str) -> dict | bool:
        return self._edit("editMessageReplyMarkup", p)

    def _api_deleteMessage(self, p: dict, url: str) -> bool:
        self.messages.get(p["chat_id"], {}).pop(p["message_id"], None)
        return True

    def _api_answerCallbackQuery(self, p: dict, url: str) -> bool:
        return True

    _api_sendChatAction = _api_answerCallbackQuery

    @staticmethod
    def _scope(p: dict) -> tuple[str, str]:
        scope = p.get("scope", {"type": "default"})
        return json.dumps(scope, sort_keys=True), p.get("language_code", "")

    def _api_setMyCommands(self, p: dict, url: str) -> bool:
        self.commands[self._scope(p)] = p["commands"]
        return True

    def _api_deleteMyCommands(self, p: dict, url: str) -> bool:
        self.commands.pop(self._scope(p), None)
        return True

    def _api_getMyCommands(self, p: dict, url: str) -> list:
        return self.commands.get(self._scope(p), [])


UPDATE_IDS = itertools.count(1)


@dataclass(frozen=True)
class Sent:
    """A bot message as sent or edited (`method`), or as it currently stands."""

    method: str
    chat_id: int
    message_id: int
    text: str | None
    buttons: list[list[tuple[str, str | None]]]  # inline keyboard rows of (text, callback_data)
    raw: dict

    @property
    def caption(self) -> str | None:
        return self.raw.get("caption")

    @property
    def file_id(self) -> str | None:
        """The photo's (largest size) or the document's file_id, or None for a text."""
        if "photo" in self.raw:
            return self.raw["photo"][-1]["file_id"]
        return (self.raw.get("document") or {}).get("file_id")

    @classmethod
    def of(cls, method: str, msg: dict) -> Sent:
        rows = (msg.get("reply_markup") or {}).get("inline_keyboard", [])
        buttons = [[(b["text"], b.get("callback_data")) for b in row] for row in rows]
        return cls(method, msg["chat"]["id"], msg["message_id"], msg.get("text"), buttons, msg)

    @property
    def labels(self) -> list[str]:
        return [text for row in self.buttons for text, _ in row]


class ChatDriver:
    """Simulates users talking to an initialized Application backed by a FakeBotAPI."""

    def __init__(self, app: Application, fake: FakeBotAPI | None = None, *,
                 raise_errors: bool = True):
        self.app = app
        self.fake = fake or app.bot.request
        assert isinstance(self.fake, FakeBotAPI), "build the Application with .request(FakeBotAPI)"
        self.raise_errors = raise_errors
        self.errors: list[BaseException] = []
        self._update_ids = UPDATE_IDS  # unique across drivers: the bot handles an id once
        self._query_ids = itertools.count(1)
        app.add_error_handler(self._collect_error)

    async def _collect_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        self.errors.append(context.error)

    def _user(self, user_id: int, first_name: str) -> dict:
        """The sender; `language_codes` gives a user the language_code their Telegram sends."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name}
        if code := getattr(self, "language_codes", {}).get(user_id):
            user["language_code"] = code
        return user

    async def process(self, data: dict) -> list[Sent]:
        """Process one update dict (update_id added); return bot messages sent/edited meanwhile."""
        update = Update.de_json({"update_id": next(self._update_ids), **data}, self.app.bot)
        if getattr(self.app.bot, "callback_data_cache", None) is not None:
            self.app.bot.insert_callback_data(update)  # arbitrary_callback_data, as get_updates
        start, self.errors = len(self.fake.outbox), []
        await self.app.process_update(update)
        if self.raise_errors and self.errors:
            raise self.errors[0]
        return [Sent.of(method, msg) for method, msg in self.fake.outbox[start:]]

    async def send(self, user_id: int, text: str, *, chat_id: int | None = None,
                   chat_type: str = "private", first_name: str = "Test",
                   title: str = "Test group") -> list[Sent]:
        if chat_type == "private":
            chat = {"id": chat_id or user_id, "type": "private", "first_name": first_name}
        elif chat_id is None:
            raise ValueError(f"chat_id is required for a {chat_type} chat")
        else:
            chat = {"id": chat_id, "type": chat_type, "title": title}
        self.fake.chats.setdefault(chat["id"], chat)
        msg = {"message_id": self.fake.next_message_id(chat["id"]), "date": _now(), "chat": chat,
               "from": self._user(user_id, first_name), "text": text}
        if command := re.match(r"/\S+", text):
            msg["entities"] = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        return await self.process({"message": msg})

    async def press(self, user_id: int, label_or_data: str, *, message: Sent | int | None = None,
                    chat_id: int | None = None, first_name: str = "Test") -> list[Sent]:
        """Press an inline button (by visible text, else callback_data) on `message` or on the
        latest bot message with an inline keyboard in the chat (default: the user's private)."""
        chat_id = message.chat_id if isinstance(message, Sent) else (chat_id or user_id)
        stored = self.fake.messages.get(chat_id, {})
        if message is not None:
            mid = message.message_id if isinstance(message, Sent) else message
            assert mid in stored, f"no bot message {mid} in chat {chat_id}"
            msg = stored[mid]
        else:
            with_keyboard = [m for m in stored.values() if Sent.of("", m).buttons]
            assert with_keyboard, f"no bot message with inline buttons in chat {chat_id}"
            msg = max(with_keyboard, key=lambda m: m["message_id"])
        buttons = [b for row in Sent.of("", msg).buttons for b in row]
        data = next((d for t, d in buttons if t == label_or_data), None)
        data = data or next((d for _, d in buttons if d == label_or_data), None)
        if data is None:
            raise AssertionError(f"no button {label_or_data!r} with callback_data on message "
                                 f"{msg['message_id']} in chat {chat_id}; visible buttons: "
                                 f"{buttons}")
        query = {"id": str(next(self._query_ids)), "from": self._user(user_id, first_name),
                 "chat_instance": str(chat_id), "data": data, "message": msg}
        return await self.process({"callback_query": query})

    def file(self, sent: Sent) -> bytes:
        """The bytes of the photo or document a bot message carries."""
        assert sent.file_id, f"{sent.method} message {sent.message_id} carries no file"
        return self.fake.uploads[sent.file_id]

    def last(self, chat_id: int) -> Sent | None:
        """The latest bot message in the chat, as it currently stands."""
        stored = self.fake.messages.get(chat_id)
        return Sent.of("current", stored[max(stored)]) if stored else None

    def texts(self, where: int | list[Sent]) -> list[str | None]:
        """Texts of a list of Sent, or current texts of all bot messages in a chat."""
        if isinstance(where, list):
            return [s.text for s in where]
        return [m.get("text") for _, m in sorted(self.fake.messages.get(where, {}).items())]
