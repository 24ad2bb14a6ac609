from __future__ import annotations

from typing import Literal

from app.kit.schema import Email, In, Out, Phone
from app.models.enums import NotificationChannel

MessageLanguage = Literal["nb", "nn", "en"]


class NotificationSettingsIn(In):
    """How the user wants word of what waits for them: ``email`` needs the address, ``sms`` the
    phone number; ``none`` sends nothing. The address and number are kept when the channel is
    none, so turning word on again needs no typing."""

    channel: NotificationChannel
    email: Email | None = None
    phone: Phone | None = None
    language: MessageLanguage = "nb"


class NotificationSettingsOut(Out):
    channel: NotificationChannel
    email: str | None
    phone: str | None
    language: str
    version: int
