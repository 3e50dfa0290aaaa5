"""`trialbot chat`: try the bot without Telegram. The real bot (`trialbot run`, see
bot/local_run.py) talks to a local Bot API server (bot/local_api.py); this terminal plays the
staff: lines typed (or piped) are their messages, the bot's messages are printed, inline
buttons are numbered and pressed by typing the number, photos and documents are saved to a
folder. It runs on a demo database seeded with three staff, never the trial's own database
unless --db names it. No Telegram library is loaded here.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from bot.local_api import PROBE_USERS, Call, LocalBotAPI, buttons_of, settle
from bot.local_run import BotDidNotStart, BotProcess
from storage.database import open_database
from storage.staff import add_staff, list_staff

DEMO_DB = Path("trialbot-demo.db")
DEMO_STAFF = {"coordinator": (1001, "Demo Coordinator"),
              "investigator": (1002, "Demo Investigator"),
              "admin": (1003, "Demo Admin")}
STRANGER = (1009, "Somebody Else")
PLAYABLE = (*DEMO_STAFF, "stranger")
SHOWN = {"sendMessage", "sendPhoto", "sendDocument", "editMessageText", "editMessageCaption",
         "editMessageReplyMarkup", "answerCallbackQuery"}  # what people see of the bot's calls
GRACE = 3.0  # seconds the bot gets to stop on the Ctrl-C it received too, before SIGTERM

BANNER = """\
trialbot offline chat: the real bot, talking to a local stand-in for Telegram.
Database: {db}{demo}
Bot log: {log}    Files the bot sends: {files}/
You are {person}. /as coordinator, /as investigator, /as admin (or /as stranger) switches.
Type a button's number to press it (=3 sends the text 3); Ctrl-D or Ctrl-C ends.
Chinese first (TRIALBOT_LANGUAGE=zh, the site's); /language en switches to English.
"""
DEMO_NOTE = " (a demo seeded with three staff, not the trial's database)"
GO_ONLINE = """\
No Telegram token is set, so this is the offline chat. To go online: create a bot with
@BotFather, export TELEGRAM_BOT_TOKEN=123456:ABC... (or put it in .env), add yourself with
.venv/bin/trialbot staff add YOUR_TELEGRAM_ID --name "Your name" --role admin, then make run.
"""


@dataclass(frozen=True)
class Person:
    user_id: int
    name: str
    role: str

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


def prepare(db_path: Path, *, seed: bool) -> dict[str, Person]:
    """Seed the demo staff (only into the demo database or a new file) and return who can be
    played: the first active staff member of each role, and a stranger."""
    with_seed = seed or not db_path.exists()
    db = open_database(db_path, create=True)
    try:
        if with_seed:
            for role, (user_id, name) in DEMO_STAFF.items():
                if not any(s["user_id"] == user_id and s["active"] and s["role"] == role
                           for s in list_staff(db)):
                    add_staff(db, user_id=user_id, name=name, role=role, actor="trialbot chat")
        staff = sorted((s for s in list_staff(db) if s["active"]), key=lambda s: s["user_id"])
    finally:
        db.close()
    people = {}
    for role in DEMO_STAFF:
        found = next((s for s in staff if s["role"] == role), None)
        if found:
            people[role] = Person(found["user_id"], found["name"], role)
    people["stranger"] = Person(*STRANGER, "stranger")
    return people


class Terminal:
    """Prints what the bot sends to the people played, and turns typed lines into updates."""

    def __init__(self, api: LocalBotAPI, people: dict[str, Person], files: Path, out=sys.stdout):
        self.api, self.people, self.files, self.out = api, people, files, out
        self.playing = people.get("coordinator") or next(iter(people.values()))
        self.shown = 0  # calls printed so far
        for person in people.values():
            api.meet(person.user_id, person.name)

    def say(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    # -- what the bot sent ------------------------------------------------------------------
    def flush(self) -> None:
        """Print the bot's answered calls in order (stopping at one still being answered)."""
        calls = self.api.calls
        while self.shown < len(calls):
            call = calls[self.shown]
            if call.status is None and call.method in SHOWN and call.chat_id not in PROBE_USERS:
                return
            self.shown += 1
            self.show(call)

    def show(self, call: Call) -> None:
        if call.method not in SHOWN or call.chat_id in PROBE_USERS:
            return
        if call.status != 200:
            if call.status is not None and call.method.startswith("send"):
                reason = (call.result or {}).get("description", "no answer")
                self.say(f"[the bot's {call.method} failed: {reason}]")
            return
        if call.method == "answerCallbackQuery":
            if call.params.get("text"):
                kind = "alert" if call.params.get("show_alert") else "notice"
                self.say(f"{self.sender(call)} ({kind}): {call.params['text']}")
            return
        if not isinstance(call.result, dict):
            return
        message = call.result
        if call.method == "editMessageReplyMarkup":
            if buttons_of(message):
                self.say(f"{self.sender(call)} (buttons now):")
                self.show_buttons(message)
            return
        edited = " (edited)" if call.method.startswith("edit") else ""
        text = message.get("text") or message.get("caption") or ""
        saved = self.save_file(message)
        lines = ([f"[sent {saved}]"] if saved else []) + ([text] if text else [])
        self.say(f"{self.sender(call)}{edited}: " + "\n    ".join(
            line for piece in lines for line in piece.split("\n")))
        self.show_buttons(message)

    def sender(self, call: Call) -> str:
        chat = call.chat_id
        if chat in (None, self.playing.user_id):
            return "bot"
        to = next((str(p) for p in self.people.values() if p.user_id == chat), f"chat {chat}")
        return f"bot → {to}"

    def show_buttons(self, message: dict) -> None:
        rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
        number = 0
        for row in rows:
            labels = []
            for button in row:
                number += 1
                labels.append(f"[{number}] {button['text']}")
            self.say("    " + "   ".join(labels))

    def save_file(self, message: dict) -> str | None:
        """Save a photo or document the bot sent; its path, or None."""
        media = message.get("document") or (message.get("photo") or [None])[-1]
        stored = self.api.files.get(media["file_id"]) if media else None
        if stored is None:
            return None
        self.files.mkdir(parents=True, exist_ok=True)
        path = self.files / f"{message['chat']['id']}-{message['message_id']}-{stored.name}"
        path.write_bytes(stored.data)
        return str(path)

    # -- what the person typed ----------------------------------------------------------------
    def latest(self) -> dict | None:
        """The bot's latest message in the chat of the person played."""
        mine = [m for m in self.api.messages.get(self.playing.user_id, {}).values()
                if m["from"]["id"] == self.api.bot_user["id"]]
        return max(mine, key=lambda m: m["message_id"]) if mine else None

    def switch(self, wanted: str) -> None:
        role = wanted.strip().lower()
        if role not in self.people:
            missing = f"nobody in the database is {role}; " if role in PLAYABLE else ""
            self.say(f"[{missing}/as takes one of: {', '.join(self.people)}]")
            return
        self.playing = self.people[role]
        self.say(f"[you are now {self.playing}]")

    async def take(self, line: str) -> bool:
        """Act on one typed line; False when the person wants to stop."""
        line = line.rstrip("\r\n")
        if not line.strip():
            return True
        command, _, rest = line.strip().partition(" ")
        if command in ("/quit", "/exit"):
            return False
        if command == "/as":
            self.switch(rest)
            return True
        latest = self.latest()
        buttons = buttons_of(latest) if latest else []
        if line.strip().isdecimal() and 1 <= int(line) <= len(buttons):
            _, data = buttons[int(line) - 1]  # the button numbered so on the latest message
            self.api.press_data(self.playing.user_id, data or "", latest)
        else:
            self.api.post_message(self.playing.user_id, line[1:] if line.startswith("=") else line)
        await settle(self.api)
        self.flush()
        return True


def read_lines(loop: asyncio.AbstractEventLoop, lines: asyncio.Queue) -> None:
    """Standard input, line by line, into the queue (None at its end). A daemon thread, so a
    read still waiting does not keep the program alive after Ctrl-C."""
    def reading() -> None:
        for line in sys.stdin:
            loop.call_soon_threadsafe(lines.put_nowait, line)
        loop.call_soon_threadsafe(lines.put_nowait, None)
    threading.Thread(target=reading, name="stdin", daemon=True).start()


async def printing(terminal: Terminal) -> None:
    """Print what the bot sends between lines too (alerts, other people's presses)."""
    api = terminal.api
    while True:
        await api.wait_until(lambda: terminal.shown < len(api.calls), timeout=None)
        terminal.flush()
        await asyncio.sleep(0.05)


async def converse(terminal: Terminal) -> None:
    lines: asyncio.Queue = asyncio.Queue()
    read_lines(asyncio.get_running_loop(), lines)
    echo = not sys.stdin.isatty()
    while (line := await lines.get()) is not None:
        if echo:
            terminal.say(f"{terminal.playing.role}> {line.rstrip()}")
        if not await terminal.take(line):
            return


async def chat(db_path: Path, *, seed: bool, files: Path) -> int:
    people = prepare(db_path, seed=seed)
    api = LocalBotAPI()
    await api.start()
    log = db_path.with_suffix(".log")
    bot = BotProcess(api, db_path, log)
    stopped_by = signal.SIGTERM
    try:
        try:
            await bot.start()
        except BotDidNotStart as error:
            print(f"trialbot chat: the bot did not start; the end of {log}:\n{error}",
                  file=sys.stderr)
            return 2
        terminal = Terminal(api, people, files)
        terminal.say(BANNER.format(db=db_path.absolute(), demo=DEMO_NOTE if seed else "",
                                   log=log, files=files, person=terminal.playing))
        printer = asyncio.ensure_future(printing(terminal))
        try:
            await converse(terminal)
        except asyncio.CancelledError:
            stopped_by = signal.SIGINT  # Ctrl-C: the bot got it too, and is stopping
            raise
        finally:
            printer.cancel()
    finally:
        await stop(bot, stopped_by)
        await api.stop()
    return 0


async def stop(bot: BotProcess, stopped_by: signal.Signals) -> None:
    if stopped_by == signal.SIGINT and bot.running:
        try:
            await asyncio.wait_for(asyncio.shield(bot.process.wait()), GRACE)
        except TimeoutError:
            pass
    await bot.stop()


def run_chat(db: Path | None = None, intro: str = "") -> int:
    """`trialbot chat`: on the demo database unless `db` is given; `intro` is printed first."""
    db_path = db or DEMO_DB
    if intro:
        print(intro, flush=True)
    files = db_path.parent / f"{db_path.stem}-files"
    try:
        return asyncio.run(chat(db_path, seed=db is None, files=files))
    except KeyboardInterrupt:
        print("\nStopped.", flush=True)
        return 0
