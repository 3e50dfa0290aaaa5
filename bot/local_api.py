"""A Bot API server on loopback (aiohttp) that plays Telegram for `trialbot chat` and the
end-to-end tests: the real bot talks to it over HTTP exactly as it talks to Telegram.

    api = LocalBotAPI()
    await api.start()                       # http://127.0.0.1:<port chosen by the OS>/bot
    # run the bot with TELEGRAM_API_BASE_URL=api.base_url, TELEGRAM_BOT_TOKEN=api.token
    api.meet(42, "Li")                      # a user who has started the bot
    api.post_message(42, "/status")         # what the user types
    api.press(42, "Yes")                    # an inline button of the bot's last keyboard

It serves the subset of the Bot API the bot uses (getMe, getUpdates with offset and long poll,
deleteWebhook, setMyCommands, sendMessage, editMessageText, editMessageReplyMarkup,
answerCallbackQuery, sendPhoto, sendDocument, getFile, ...) with Telegram's field names and
errors: dates in Unix seconds, per-chat message ids, HTTP 400 for an unknown method, a bad
edit, an unknown chat or a callback query answered twice, 401 for a wrong token, 409 Conflict
for a second getUpdates poller. Bodies are read as Telegram reads them: form, multipart (files)
or JSON, non-string parameters JSON-encoded. `inject(Faults(...), seconds=...)` makes it
misbehave for a bounded time: slow answers, HTTP 500, 429 with retry_after, connections closed
without an answer, updates delivered twice.
"""

from __future__ import annotations

import asyncio
import html
import itertools
import json
import random
import re
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

DEMO_TOKEN = "1000000001:LOCAL-BOT-API"
CONFLICT = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
            "instance is running")
NOT_MODIFIED = ("Bad Request: message is not modified: specified new message content and reply "
                "markup are exactly the same as a current content and reply markup of the message")
QUERY_INVALID = ("Bad Request: query is too old and response timeout expired or query ID is "
                 "invalid")
MAX_TEXT, MAX_CAPTION, MAX_CALLBACK_DATA = 4096, 1024, 64
# Users no bot knows: a message of one, posted after a user's action, is answered (with a
# refusal) only once the bot has handled the action, since the bot handles updates one at a
# time. They take turns, so a late answer to one probe (a retried send) is not taken for the
# answer to the next.
PROBE_USERS = range(7_000_000_001, 7_000_000_005)

HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
             "span", "tg-spoiler", "tg-emoji", "blockquote"}
TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)(?:\s[^<>]*)?>|<")

# How parameters arrive as form fields: everything is a string, non-strings JSON-encoded.
INTEGERS = {"chat_id", "message_id", "offset", "limit", "timeout", "cache_time", "user_id",
            "reply_to_message_id", "message_thread_id", "from_chat_id"}
BOOLEANS = {"show_alert", "drop_pending_updates", "disable_notification", "protect_content",
            "allow_sending_without_reply", "disable_web_page_preview", "has_spoiler",
            "disable_content_type_detection"}
JSON_FIELDS = {"reply_markup", "commands", "scope", "allowed_updates", "entities",
               "caption_entities", "link_preview_options", "reply_parameters", "media"}


class BotAPIError(Exception):
    """An error answer: HTTP status and Telegram's description (and parameters, for 429)."""

    def __init__(self, status: int, description: str, parameters: dict | None = None):
        super().__init__(description)
        self.status = status
        self.payload: dict[str, Any] = {"ok": False, "error_code": status,
                                        "description": description}
        if parameters:
            self.payload["parameters"] = parameters


def bad_request(description: str) -> BotAPIError:
    return BotAPIError(400, f"Bad Request: {description}")


def html_to_text(text: str) -> str:
    """Check Telegram HTML as the server does (roughly) and return the visible text."""
    stack: list[str] = []
    for match in TAG.finditer(text):
        where = f"at byte offset {match.start()}"
        if match.group(0) == "<":
            raise bad_request(f"can't parse entities: unescaped '<' {where}")
        closing, name = match.group(1), match.group(2).lower()
        if name not in HTML_TAGS:
            raise bad_request(f'can\'t parse entities: Unsupported start tag "{name}" {where}')
        if not closing:
            stack.append(name)
        elif not stack or stack.pop() != name:
            raise bad_request(f'can\'t parse entities: unmatched end tag "{name}" {where}')
    if stack:
        raise bad_request(f"can't parse entities: can't find end tag for {stack[-1]}")
    return html.unescape(TAG.sub("", text))


def now() -> int:
    return int(time.time())


@dataclass
class Call:
    """One Bot API call the bot made: `status` None while it is being answered, then the HTTP
    status of the answer (0: the connection was dropped without one)."""

    method: str
    params: dict[str, Any]
    status: int | None = None
    result: Any = None
    fault: str | None = None
    at: float = field(default_factory=time.monotonic)  # when it arrived

    @property
    def chat_id(self) -> int | None:
        chat = self.params.get("chat_id")
        return chat if isinstance(chat, int) else None


@dataclass
class StoredFile:
    file_id: str
    data: bytes
    name: str = "file"
    mime_type: str = "application/octet-stream"

    @property
    def path(self) -> str:
        return f"documents/{self.file_id}/{self.name}"

    def as_file(self) -> dict:
        return {"file_id": self.file_id, "file_unique_id": f"u{self.file_id}",
                "file_size": len(self.data), "file_path": self.path}


@dataclass(frozen=True)
class Faults:
    """How the server misbehaves while faults are injected. The shares are per call (per
    delivered update for `duplicate`); a dropped connection is closed without an answer, half of
    the time before the method has run and half after (the bot cannot tell which)."""

    delay: float = 0.0          # each answer waits up to this many seconds
    server_error: float = 0.0   # HTTP 500
    too_many: float = 0.0       # HTTP 429 with parameters.retry_after
    retry_after: int = 1
    dropped: float = 0.0
    duplicate: float = 0.0      # an update delivered once more after it was confirmed


@dataclass
class FaultWindow:
    faults: Faults
    until: float
    chance: random.Random
    counts: Counter = field(default_factory=Counter)

    def draw(self) -> str | None:
        """The fault for one call, or None."""
        roll, edge = self.chance.random(), 0.0
        for name in ("server_error", "too_many", "dropped"):
            edge += getattr(self.faults, name)
            if roll < edge:
                return name if name != "dropped" else self.chance.choice(
                    ["dropped_before", "dropped_after"])
        return None

    def error(self, fault: str) -> BotAPIError:
        if fault == "too_many":
            after = self.faults.retry_after
            return BotAPIError(429, f"Too Many Requests: retry after {after}",
                               {"retry_after": after})
        return BotAPIError(500, "Internal Server Error")


class LocalBotAPI:
    """The server (start/stop), what the bot sent (`calls`, `messages`), and the user side
    (`meet`, `post_message`, `press`, ...) that makes the updates the bot polls for."""

    def __init__(self, token: str = DEMO_TOKEN, *, first_name: str = "TrialBot",
                 username: str = "trialbot_local_bot"):
        self.token = token
        self.bot_user = {"id": int(token.split(":")[0]), "is_bot": True,
                         "first_name": first_name, "username": username,
                         "can_join_groups": True, "can_read_all_group_messages": False,
                         "supports_inline_queries": False}
        self.calls: list[Call] = []
        self.messages: dict[int, dict[int, dict]] = {}   # chat id -> message id -> message
        self.chats: dict[int, dict] = {}
        self.users: dict[int, dict] = {}
        self.files: dict[str, StoredFile] = {}
        self.commands: dict[tuple[str, str], list] = {}
        self.updates: list[dict] = []                    # delivered at least once, until confirmed
        self.queries: dict[str, bool] = {}               # callback query id -> answered
        # Telegram numbers updates from where it left off, or from a random number after a
        # pause: a server started again must not repeat ids a bot has recorded as handled.
        self.first_update_id = random.randrange(1, 2**31)
        self._update_ids = itertools.count(self.first_update_id)
        self._query_ids = itertools.count(1)
        self._file_ids = itertools.count(1)
        self._message_ids: dict[int, itertools.count] = {}
        self._again: list[dict] = []                     # confirmed, to be delivered once more
        self._twice: set[int] = set()
        self._poll = 0                                   # the getUpdates request being served
        self._changed = asyncio.Condition()
        self._window: FaultWindow | None = None
        self._tasks: set[asyncio.Task] = set()
        self._runner: web.AppRunner | None = None
        self.port = 0
        for probe in PROBE_USERS:
            self.meet(probe, "Probe")
        self._probes = itertools.cycle(PROBE_USERS)
        self.methods: dict[str, Callable] = {
            name.lower(): method for name, method in {
                "getMe": self.get_me, "getUpdates": self.get_updates,
                "deleteWebhook": self.delete_webhook, "getWebhookInfo": self.webhook_info,
                "setMyCommands": self.set_my_commands, "getMyCommands": self.get_my_commands,
                "deleteMyCommands": self.delete_my_commands,
                "sendMessage": self.send_message, "editMessageText": self.edit_message_text,
                "editMessageReplyMarkup": self.edit_message_reply_markup,
                "deleteMessage": self.delete_message,
                "answerCallbackQuery": self.answer_callback_query,
                "sendChatAction": self.send_chat_action,
                "sendPhoto": self.send_photo, "sendDocument": self.send_document,
                "getFile": self.get_file,
            }.items()}

    # -- the server -------------------------------------------------------------------------
    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        app = web.Application(client_max_size=60 * 2**20)
        app.router.add_route("*", "/bot{token}/{method}", self.handle)
        app.router.add_get("/file/bot{token}/{path:.+}", self.download)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        await web.TCPSite(self._runner, host, port).start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def handle(self, request: web.Request) -> web.StreamResponse:
        method, (window, fault) = request.match_info["method"], self.fault()
        call = Call(method, {}, None, fault=fault)
        try:
            call.params = await read_params(request)
            await self.record(call)  # as it arrives: what the bot is doing now
            if fault == "dropped_before":
                return await self.drop(request, call)
            if request.match_info["token"] != self.token:
                raise BotAPIError(401, "Unauthorized")
            if fault in ("server_error", "too_many"):
                raise window.error(fault)
            answer = self.methods.get(method.lower())
            if answer is None:
                raise bad_request(f"method {method} is not served by the local Bot API")
            if window and window.faults.delay:
                await asyncio.sleep(window.chance.uniform(0, window.faults.delay))
            call.result = await answer(call.params)
        except BotAPIError as error:
            await self.record(call, error.status, error.payload)
            return web.json_response(error.payload, status=error.status)
        if fault == "dropped_after":
            return await self.drop(request, call)
        await self.record(call, 200, call.result)
        return web.json_response({"ok": True, "result": call.result})

    async def drop(self, request: web.Request, call: Call) -> web.StreamResponse:
        """Close the connection without an answer."""
        await self.record(call, 0, call.result)
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)  # never reaches the bot: the connection is gone

    async def download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(BotAPIError(401, "Unauthorized").payload, status=401)
        found = next((f for f in self.files.values() if f.path == request.match_info["path"]),
                     None)
        if found is None:
            return web.json_response(BotAPIError(404, "Not Found").payload, status=404)
        return web.Response(body=found.data, content_type=found.mime_type)

    async def record(self, call: Call, status: int | None = None, result: Any = None) -> None:
        """A call as it arrives (status None), then as answered (status 0: dropped)."""
        if status is None:
            self.calls.append(call)
        else:
            call.status, call.result = status, result
        await self.changed()

    async def wait_until(self, ready: Callable[[], Any], timeout: float) -> Any:
        """Wait until `ready()` is true (re-checked whenever the bot calls or a user acts);
        raise TimeoutError after `timeout` seconds."""
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(ready), timeout)

    async def changed(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # -- faults -----------------------------------------------------------------------------
    def inject(self, faults: Faults, *, seconds: float, seed: int = 0) -> FaultWindow:
        """Misbehave as `faults` says for the next `seconds` seconds."""
        self._window = FaultWindow(faults, time.monotonic() + seconds, random.Random(seed))
        return self._window

    def calm(self) -> None:
        """End the faults now."""
        self._window = None

    @property
    def faulty(self) -> bool:
        return self._window is not None and time.monotonic() < self._window.until

    def fault(self) -> tuple[FaultWindow | None, str | None]:
        """The fault window in force (None: none) and the fault it draws for a call."""
        window = self._window if self.faulty else None
        fault = window.draw() if window else None
        if fault:
            window.counts[fault] += 1
        return window, fault

    # -- getUpdates ---------------------------------------------------------------------------
    async def get_updates(self, p: dict) -> list[dict]:
        """Confirm the updates before `offset`, then answer at once or when an update comes, at
        the latest after `timeout` seconds. A newer getUpdates ends this one with 409."""
        self.confirm(p.get("offset", 0))
        self._poll += 1
        poll, deadline = self._poll, time.monotonic() + max(0, p.get("timeout", 0))
        await self.changed()  # an older poller wakes up to its conflict
        wanted = p.get("allowed_updates") or None
        async with self._changed:
            while True:
                if poll != self._poll:
                    raise BotAPIError(409, CONFLICT)
                ready = [u for u in self._again + self.updates
                         if not wanted or kind_of(u) in wanted][:p.get("limit") or 100]
                left = deadline - time.monotonic()
                if ready or left <= 0:
                    self._again = [u for u in self._again if u not in ready]
                    return [self.delivered(u) for u in ready]
                try:
                    await asyncio.wait_for(self._changed.wait(), left)
                except TimeoutError:
                    pass

    def confirm(self, offset: int) -> None:
        if offset < 0:
            self.updates = self.updates[offset:]
            return
        done = [u for u in self.updates if u["update_id"] < offset]
        self.updates = [u for u in self.updates if u["update_id"] >= offset]
        self._again += [u for u in done if u["update_id"] in self._twice]
        self._twice -= {u["update_id"] for u in done}

    def delivered(self, update: dict) -> dict:
        window = self._window if self.faulty else None
        if (window and update in self.updates and update["update_id"] not in self._twice
                and window.chance.random() < window.faults.duplicate):
            self._twice.add(update["update_id"])
            window.counts["duplicate"] += 1
        return update

    # -- setup calls ----------------------------------------------------------------------------
    async def get_me(self, p: dict) -> dict:
        return self.bot_user

    async def delete_webhook(self, p: dict) -> bool:
        if p.get("drop_pending_updates"):
            self.updates.clear()
        return True

    async def webhook_info(self, p: dict) -> dict:
        return {"url": "", "has_custom_certificate": False, "pending_update_count":
                len(self.updates)}

    @staticmethod
    def scope(p: dict) -> tuple[str, str]:
        return (json.dumps(p.get("scope") or {"type": "default"}, sort_keys=True),
                p.get("language_code", ""))

    async def set_my_commands(self, p: dict) -> bool:
        for command in p.get("commands") or []:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self.scope(p)] = p.get("commands") or []
        return True

    async def get_my_commands(self, p: dict) -> list:
        return self.commands.get(self.scope(p), [])

    async def delete_my_commands(self, p: dict) -> bool:
        self.commands.pop(self.scope(p), None)
        return True

    # -- messages from the bot --------------------------------------------------------------
    def chat(self, p: dict) -> dict:
        chat_id = p.get("chat_id")
        if chat_id not in self.chats:
            raise bad_request("chat not found")
        return self.chats[chat_id]

    def new_message(self, chat: dict, sender: dict, **content: Any) -> dict:
        ids = self._message_ids.setdefault(chat["id"], itertools.count(1))
        message = {"message_id": next(ids), "from": sender, "chat": chat, "date": now(),
                   **{k: v for k, v in content.items() if v is not None}}
        self.messages.setdefault(chat["id"], {})[message["message_id"]] = message
        return message

    @staticmethod
    def visible(p: dict, key: str, limit: int) -> str | None:
        """The text or caption as users see it, checked as Telegram checks it."""
        text = p.get(key)
        if text is None:
            return None
        text = html_to_text(text) if str(p.get("parse_mode", "")).upper() == "HTML" else text
        if len(text) > limit:
            raise bad_request("message is too long" if key == "text"
                              else "message caption is too long")
        return text

    @staticmethod
    def keyboard(p: dict) -> dict | None:
        markup = p.get("reply_markup")
        if not isinstance(markup, dict) or "inline_keyboard" not in markup:
            return None
        for button in (b for row in markup["inline_keyboard"] for b in row):
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise bad_request("BUTTON_DATA_INVALID")
            if not button.get("text"):
                raise bad_request("text buttons are unallowed in the inline keyboard")
        return markup

    async def send_message(self, p: dict) -> dict:
        chat, text = self.chat(p), self.visible(p, "text", MAX_TEXT)
        if not text or not text.strip():
            raise bad_request("message text is empty")
        return self.new_message(chat, self.bot_user, text=text, reply_markup=self.keyboard(p))

    def own_message(self, p: dict, action: str) -> dict:
        if "inline_message_id" in p:
            raise bad_request("inline messages are not served by the local Bot API")
        message = self.messages.get(p.get("chat_id"), {}).get(p.get("message_id"))
        if message is None:
            raise bad_request(f"message to {action} not found")
        if message["from"]["id"] != self.bot_user["id"]:
            raise bad_request(f"message can't be {action}ed")
        return message

    def replace(self, old: dict, **changes: Any) -> dict:
        new = {k: v for k, v in old.items() if k != "reply_markup"} | {
            k: v for k, v in changes.items() if v is not None}
        if all(new.get(k) == old.get(k) for k in ("text", "caption", "reply_markup")):
            raise bad_request(NOT_MODIFIED.removeprefix("Bad Request: "))
        new["edit_date"] = now()
        self.messages[old["chat"]["id"]][old["message_id"]] = new
        return new

    async def edit_message_text(self, p: dict) -> dict:
        old = self.own_message(p, "edit")
        if "text" not in old:
            raise bad_request("there is no text in the message to edit")
        text = self.visible(p, "text", MAX_TEXT)
        if not text or not text.strip():
            raise bad_request("message text is empty")
        return self.replace(old, text=text, reply_markup=self.keyboard(p))

    async def edit_message_reply_markup(self, p: dict) -> dict:
        old = self.own_message(p, "edit")
        return self.replace(old, reply_markup=self.keyboard(p))

    async def delete_message(self, p: dict) -> bool:
        found = self.messages.get(p.get("chat_id"), {}).pop(p.get("message_id"), None)
        if found is None:
            raise bad_request("message to delete not found")
        return True

    async def answer_callback_query(self, p: dict) -> bool:
        query = str(p.get("callback_query_id"))
        if self.queries.get(query, True):  # unknown, or answered already
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        self.queries[query] = True
        return True

    async def send_chat_action(self, p: dict) -> bool:
        self.chat(p)
        return True

    # -- files ----------------------------------------------------------------------------------
    def store_file(self, given: Any, default_name: str) -> StoredFile:
        """A file sent as an upload, or by the file_id of one stored before."""
        if isinstance(given, StoredFile):
            stored = StoredFile(f"f{next(self._file_ids)}", given.data,
                                given.name or default_name, given.mime_type)
            self.files[stored.file_id] = stored
            return stored
        if isinstance(given, str) and given in self.files:
            return self.files[given]
        raise bad_request("wrong file identifier/HTTP URL specified")

    async def send_photo(self, p: dict) -> dict:
        chat, stored = self.chat(p), self.store_file(p.get("photo"), "photo.jpg")
        width, height = image_size(stored.data)
        photo = [{"file_id": stored.file_id, "file_unique_id": f"u{stored.file_id}",
                  "width": width, "height": height, "file_size": len(stored.data)}]
        return self.new_message(chat, self.bot_user, photo=photo,
                                caption=self.visible(p, "caption", MAX_CAPTION),
                                reply_markup=self.keyboard(p))

    async def send_document(self, p: dict) -> dict:
        chat, stored = self.chat(p), self.store_file(p.get("document"), "document")
        document = {"file_id": stored.file_id, "file_unique_id": f"u{stored.file_id}",
                    "file_name": stored.name, "mime_type": stored.mime_type,
                    "file_size": len(stored.data)}
        return self.new_message(chat, self.bot_user, document=document,
                                caption=self.visible(p, "caption", MAX_CAPTION),
                                reply_markup=self.keyboard(p))

    async def get_file(self, p: dict) -> dict:
        stored = self.files.get(str(p.get("file_id")))
        if stored is None:
            raise bad_request("invalid file_id")
        return stored.as_file()

    # -- the user side: what people do ------------------------------------------------------------
    def meet(self, user_id: int, first_name: str = "User", **more: Any) -> dict:
        """A user who has started the bot: their private chat exists."""
        user = {"id": user_id, "is_bot": False, "first_name": first_name, **more}
        self.users[user_id] = user
        self.chats.setdefault(user_id, {"id": user_id, "type": "private",
                                        "first_name": first_name})
        return user

    def group(self, chat_id: int, title: str = "Trial team", kind: str = "supergroup") -> dict:
        """A group the bot is a member of."""
        self.chats[chat_id] = {"id": chat_id, "type": kind, "title": title}
        return self.chats[chat_id]

    def user(self, user_id: int) -> dict:
        return self.users.get(user_id) or self.meet(user_id)

    def post(self, kind: str, payload: dict) -> dict:
        """Queue an update for the bot's next getUpdates."""
        update = {"update_id": next(self._update_ids), kind: payload}
        self.updates.append(update)
        task = asyncio.get_running_loop().create_task(self.changed())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return update

    def post_message(self, user_id: int, text: str | None = None, *, chat_id: int | None = None,
                     **content: Any) -> dict:
        """A message from a user: text (a leading /command gets its entity), or other content
        (sticker=..., document=..., photo=...). Returns the message."""
        sender = self.user(user_id)
        chat = self.chats[chat_id if chat_id is not None else user_id]
        entities = None
        if text is not None and (command := re.match(r"/\S+", text)):
            entities = [{"type": "bot_command", "offset": 0, "length": command.end()}]
        message = self.new_message(chat, sender, text=text, entities=entities, **content)
        self.post("message", message)
        return message

    def edit_own_message(self, user_id: int, message_id: int, text: str,
                         chat_id: int | None = None) -> dict:
        """The user edits a message they sent: an edited_message update."""
        chat_id = chat_id if chat_id is not None else user_id
        old = self.messages[chat_id][message_id]
        assert old["from"]["id"] == user_id, "users edit only their own messages"
        new = dict(old, text=text, edit_date=now())
        self.messages[chat_id][message_id] = new
        self.post("edited_message", new)
        return new

    def sticker(self, emoji: str = "👍") -> dict:
        file_id = f"s{next(self._file_ids)}"
        return {"file_id": file_id, "file_unique_id": f"u{file_id}", "type": "regular",
                "width": 512, "height": 512, "is_animated": False, "is_video": False,
                "emoji": emoji}

    def document(self, name: str, data: bytes, mime_type: str = "application/octet-stream"
                 ) -> dict:
        stored = self.store_file(StoredFile("", data, name, mime_type), name)
        return {"file_id": stored.file_id, "file_unique_id": f"u{stored.file_id}",
                "file_name": name, "mime_type": mime_type, "file_size": len(data)}

    def photo(self, data: bytes) -> list[dict]:
        """A photo as a user sends it (one size, here)."""
        stored = self.store_file(StoredFile("", data, "photo.jpg", "image/jpeg"), "photo.jpg")
        width, height = image_size(data)
        return [{"file_id": stored.file_id, "file_unique_id": f"u{stored.file_id}",
                 "width": width, "height": height, "file_size": len(data)}]

    def last_keyboard(self, chat_id: int) -> dict | None:
        """The latest bot message in the chat that shows inline buttons."""
        shown = [m for m in self.messages.get(chat_id, {}).values()
                 if m["from"]["id"] == self.bot_user["id"] and buttons_of(m)]
        return max(shown, key=lambda m: m["message_id"]) if shown else None

    def press(self, user_id: int, label: str, *, chat_id: int | None = None,
              message_id: int | None = None) -> dict:
        """Press the button labelled `label` (or carrying that callback data) on a bot message
        (default: the latest one with buttons in the chat). Returns the callback query."""
        chat_id = chat_id if chat_id is not None else user_id
        message = (self.messages.get(chat_id, {}).get(message_id) if message_id
                   else self.last_keyboard(chat_id))
        if message is None:
            raise LookupError(f"no bot message with buttons in chat {chat_id}")
        shown = buttons_of(message)
        data = next((d for t, d in shown if t == label), None)
        data = data or next((d for _, d in shown if d == label), None)
        if data is None:
            raise LookupError(f"no button {label!r} on message {message['message_id']}: "
                              f"{[t for t, _ in shown]}")
        return self.press_data(user_id, data, message)

    def press_data(self, user_id: int, data: str, message: dict) -> dict:
        """A callback query with any data on any message: what a forged button sends."""
        query_id = f"q{next(self._query_ids)}"
        self.queries[query_id] = False
        query = {"id": query_id, "from": self.user(user_id), "message": message,
                 "chat_instance": str(message["chat"]["id"]), "data": data}
        self.post("callback_query", query)
        return query


def buttons_of(message: dict) -> list[tuple[str, str | None]]:
    """(label, callback data) of each inline button of a message, row by row."""
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [(b["text"], b.get("callback_data")) for row in rows for b in row]


def kind_of(update: dict) -> str:
    return next(key for key in update if key != "update_id")


def image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG (what the bot draws); 0 x 0 for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    return 0, 0


async def read_params(request: web.Request) -> dict[str, Any]:
    """The call's parameters from the query string and a form, multipart or JSON body, typed
    as the Bot API types them; uploaded files become StoredFile (resolving attach://name)."""
    if request.content_type == "application/json":
        body = await request.json() if request.can_read_body else {}
        return dict(request.query) | dict(body or {})
    raw = dict(request.query) | dict(await request.post())
    params, files = {}, {}
    for name, value in raw.items():
        if isinstance(value, web.FileField):
            files[name] = StoredFile("", value.file.read(), value.filename or name,
                                     value.content_type or "application/octet-stream")
        else:
            params[name] = typed(name, value)
    for name, value in list(params.items()):
        if isinstance(value, str) and value.startswith("attach://"):
            params[name] = files.pop(value.removeprefix("attach://"), value)
    return params | files


def typed(name: str, value: str) -> Any:
    try:
        if name in INTEGERS:
            return int(value)
        if name in BOOLEANS:
            return value.lower() in ("true", "1")
        if name in JSON_FIELDS:
            return json.loads(value)
    except ValueError:
        raise bad_request(f"can't parse {name}") from None
    return value


class TimedOut(TimeoutError):
    """The bot did not answer in time; the message lists its last calls."""


async def settle(api: LocalBotAPI, timeout: float = 20.0) -> None:
    """Return once the bot has handled every update posted so far: a stranger's message is
    posted last, and the bot answers it only after the updates before it. Any call for the
    stranger's chat counts, answered or failed, so injected faults cannot hide it."""
    mark, probe = len(api.calls), next(api._probes)
    api.post_message(probe, "?")
    try:
        await api.wait_until(lambda: any(c.chat_id == probe for c in api.calls[mark:]),
                             timeout)
    except TimeoutError:
        recent = [(c.method, c.status) for c in api.calls[-8:]]
        raise TimedOut(f"the bot did not answer within {timeout} s; last calls: {recent}"
                       ) from None


def for_chat(calls: list[Call], chat_id: int, query: dict | None = None) -> list[Call]:
    """The calls that answered a chat: its messages, edits and the pressed button's answer."""
    query_id = query and query["id"]
    return [c for c in calls if c.method != "getUpdates" and (
        c.chat_id == chat_id or (query_id and c.params.get("callback_query_id") == query_id))]


async def send(api: LocalBotAPI, user_id: int, text: str | None = None, *,
               chat_id: int | None = None, timeout: float = 20.0, **content: Any) -> list[Call]:
    """A user's message, and the bot's calls that answered it (in that chat)."""
    mark = len(api.calls)
    message = api.post_message(user_id, text, chat_id=chat_id, **content)
    await settle(api, timeout)
    return for_chat(api.calls[mark:], message["chat"]["id"])


async def tap(api: LocalBotAPI, user_id: int, label: str, *, chat_id: int | None = None,
              message_id: int | None = None, timeout: float = 20.0) -> list[Call]:
    """A user presses a button, and the bot's calls that answered it."""
    mark = len(api.calls)
    query = api.press(user_id, label, chat_id=chat_id, message_id=message_id)
    await settle(api, timeout)
    return for_chat(api.calls[mark:], query["message"]["chat"]["id"], query)


def shown(calls: list[Call]) -> list[str]:
    """The texts the user saw: messages sent or edited, and a pressed button's notice."""
    texts = []
    for call in calls:
        if call.status != 200:
            continue
        if call.method == "answerCallbackQuery":
            texts += [call.params["text"]] if call.params.get("text") else []
        elif isinstance(call.result, dict) and call.method != "editMessageReplyMarkup":
            texts.append(call.result.get("text") or call.result.get("caption") or "")
    return texts
