"""Configuration from the environment and an optional .env file (pydantic-settings).

    TELEGRAM_BOT_TOKEN       the bot's token from @BotFather (none: offline commands only)
    TELEGRAM_API_BASE_URL    a self-hosted Bot API server, e.g. http://127.0.0.1:8081/bot
    TRIALBOT_DB              database file (default ./trialbot.db)
    TRIALBOT_PROTOCOL        protocol TOML file (default: the shipped RD06-04 file)
    TRIALBOT_TIMEZONE        the site's time zone, for "today" (default Asia/Shanghai)
    TRIALBOT_SITE            the site's number in the study, for exports (default 01)
    TRIALBOT_ULN__ALT ...    the site laboratory's upper limits of normal (ALT, AST, BILIRUBIN,
                             CREATININE, INR, PT), canonical units (U/L, µmol/L, ratio, s);
                             CREATININE_FEMALE / CREATININE_MALE by sex (else CREATININE)
    TRIALBOT_ALERT_CHAT      a group chat id that gets a copy of each alert, participant
                             numbers only (default: none)
    TRIALBOT_REMINDER_TIME   local time of the daily DLT-window reminders (default 08:00)
    TRIALBOT_LANGUAGE        the site's language, zh or en (default zh, Wuhan): the alert
                             group's copies, and staff who have no language yet (none stored,
                             none sent by their Telegram)
    TRIALBOT_LAB_UNITS__HAEMOGLOBIN ...  the unit the site laboratory reports in (BILIRUBIN,
                             CREATININE, HAEMOGLOBIN, NEUTROPHILS, LYMPHOCYTES, PLATELETS): a
                             bare number typed at screening is read in it when no other unit
                             gives a likely value
"""

from __future__ import annotations

from datetime import time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from domain.languages import CHINESE, language_for
from domain.site import LabUnits, UpperLimits

TELEGRAM_API = "https://api.telegram.org/bot"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="TRIALBOT_", env_nested_delimiter="__", env_file=".env",
        env_file_encoding="utf-8", extra="ignore", populate_by_name=True,
    )

    token: SecretStr | None = Field(
        None, validation_alias=AliasChoices("TELEGRAM_BOT_TOKEN", "TRIALBOT_TOKEN"))
    api_base_url: str = Field(TELEGRAM_API, validation_alias=AliasChoices(
        "TELEGRAM_API_BASE_URL", "TRIALBOT_API_BASE_URL"))
    db: Path = Path("trialbot.db")
    protocol: Path | None = None
    timezone: str = "Asia/Shanghai"
    site: str = Field("01", pattern=r"^[A-Za-z0-9-]{1,10}$")  # SDTM SITEID in exports
    uln: UpperLimits = UpperLimits()
    alert_chat: int | None = None
    reminder_time: time = time(8, 0)
    lab_units: LabUnits = LabUnits()
    language: str = CHINESE  # the site's: the alert group, staff with no language yet

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if not value.lower().replace("_", "-").startswith(("zh", "en")):
            raise ValueError("choose zh (中文) or en (English)")
        return language_for(value)

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("reminder_time")
    @classmethod
    def _local_time(cls, value: time) -> time:
        if value.tzinfo is not None:
            raise ValueError("give a local time without a zone, e.g. 08:00 (the zone is "
                             "TRIALBOT_TIMEZONE)")
        return value

    @field_validator("api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @property
    def file_base_url(self) -> str:
        """The Bot API file URL that goes with api_base_url (…/bot -> …/file/bot)."""
        root, _, _ = self.api_base_url.rstrip("/").rpartition("/bot")
        return f"{root}/file/bot" if root else self.api_base_url


ENV_NAMES = {"token": "TELEGRAM_BOT_TOKEN", "api_base_url": "TELEGRAM_API_BASE_URL"}


class SettingsError(RuntimeError):
    """A missing or malformed setting; the message is one line naming it."""


def load_settings(**overrides) -> Settings:
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        parts = [str(p) for p in error["loc"]]
        name = ENV_NAMES.get(parts[0]) if parts else None
        name = name or "TRIALBOT_" + "__".join(parts).upper()
        raise SettingsError(f"setting {name}: {error['msg']}") from exc
