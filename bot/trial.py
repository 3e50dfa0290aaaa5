"""The trial's services built from the settings. No Telegram: `trialbot status` uses it offline."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.config import Settings
from storage.database import open_database
from storage.protocol_file import load_protocol
from storage.usecases.trial import Trial


def make_trial(settings: Settings) -> Trial:
    protocol = load_protocol(settings.protocol)  # first: a bad file leaves no database open
    return Trial(
        db=open_database(settings.db),
        protocol=protocol,
        upper_limits=settings.uln,
        lab_units=settings.lab_units,
        timezone=ZoneInfo(settings.timezone),
        site=settings.site,
        alert_chat=settings.alert_chat,
    )
