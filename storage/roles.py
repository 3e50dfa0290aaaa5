"""Staff roles and Telegram user ids as typed in the chat or the shell: no database here, so
the command line can check its arguments without loading sqlite-utils."""

ROLES = ("coordinator", "investigator", "admin")
LARGEST_USER_ID = 2**52  # Telegram user ids fit in 52 bits (and SQLite's INTEGER)


def read_user_id(text: str) -> int | None:
    """A Telegram user id as typed in the chat or the shell, or None: never '²', '-5', '0' or
    a number SQLite cannot hold."""
    text = (text or "").strip()
    if not text.isdecimal() or len(text) > 16:
        return None
    number = int(text)
    return number if 0 < number <= LARGEST_USER_ID else None
