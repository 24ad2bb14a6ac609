from __future__ import annotations

from typing import Annotated, Literal

from pydantic import StringConstraints

from app.kit.schema import In, Out
from app.models.enums import NotificationChannel

# One address, as an SMTP server takes it: something@host, no spaces, no angle brackets.
Email = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        max_length=254,
        pattern=r"^[^@\s<>,;\x00]+@[^@\s<>,;\x00]+\.[^@\s<>,;\x00]+$",
    ),
]
# A phone number in international form or Norwegian eight digits: + and 8 to 15 digits.
Phone = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\+?[0-9]{8,15}$")]
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
