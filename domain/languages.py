"""The languages staff read the bot in: English (the source of every text) and Simplified
Chinese. A staff record stores one of these codes; the words themselves live in handlers/."""

ENGLISH = "en"
CHINESE = "zh_Hans"
LANGUAGES = (ENGLISH, CHINESE)


def language_for(code: str | None) -> str:
    """An IETF language tag (Telegram's language_code "zh-hans", "zh-CN", "en"; the shell's
    "zh") -> one of LANGUAGES: Chinese for any zh tag, else English."""
    return CHINESE if code and code.lower().replace("_", "-").startswith("zh") else ENGLISH
