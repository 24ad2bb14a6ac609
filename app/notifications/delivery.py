"""Sending what the outbox holds: by e-mail through SMTP, by SMS through a provider, with
retries and backoff, never inside a request (DESIGN §12).

Each message is claimed before it is sent: one short transaction moves its next attempt a
lease ahead and counts the attempt, and only the process whose update found it still due sends
it, so several app processes and a cron job can run this at once and each message goes out
once. Nothing is held open while the mail server is slow or gone: the send happens between
two transactions, and its outcome is written in the second. A process that dies in between
leaves the message to be tried again when the lease ends (sent twice at worst, never lost).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Protocol

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings
from app.db import session_scope, utcnow
from app.models import FamilyMember, Notification, NotificationSetting
from app.models.enums import NotificationChannel, NotificationKind, NotificationStatus
from app.notifications import messages

log = logging.getLogger("duk.notifications")

# How long a claimed message is left to its sender before another may try it.
LEASE = timedelta(minutes=5)
# The waits between attempts double from a minute to six hours; after the last attempt (some
# two days of trying) the message is marked failed and stays in the outbox to be seen.
FIRST_RETRY = timedelta(minutes=1)
LONGEST_RETRY = timedelta(hours=6)
MAX_ATTEMPTS = 16
BATCH = 100


class SendFailed(Exception):
    """A send that did not get through, with a code that names no person and no address."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class Mailer(Protocol):
    def send(self, mail: EmailMessage) -> None: ...


class SmsSender(Protocol):
    def send(self, recipient_id: str, phone: str, kind: str, text: str) -> None: ...


class SmtpMailer:
    """E-mail through the SMTP server of ``DUK_SMTP_*``, with STARTTLS when configured."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def send(self, mail: EmailMessage) -> None:
        s = self.settings
        if not s.smtp_host:
            raise SendFailed("smtp_not_configured")
        try:
            with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds) as smtp:
                if s.smtp_starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if s.smtp_username:
                    smtp.login(s.smtp_username, s.smtp_password.get_secret_value())
                smtp.send_message(mail)
        except smtplib.SMTPAuthenticationError as exc:
            raise SendFailed("smtp_auth") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendFailed("smtp_recipient_refused") from exc
        except smtplib.SMTPException as exc:
            raise SendFailed("smtp_error") from exc
        except OSError as exc:  # refused, unreachable, timed out, TLS failed
            raise SendFailed("smtp_unreachable") from exc


class LoggingSms:
    """For development: logs that an SMS of a kind would go to a user or a family member (by
    their opaque id), never the number or the text. A real provider implements ``SmsSender``."""

    def send(self, recipient_id: str, phone: str, kind: str, text: str) -> None:
        log.info("sms not sent (logging provider): kind=%s recipient=%s", kind, recipient_id)


def sms_sender(settings: Settings) -> SmsSender:
    match settings.sms_provider:
        case "log":
            return LoggingSms()


@dataclass(frozen=True, slots=True)
class Outcome:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


@dataclass(frozen=True, slots=True)
class _Claimed:
    id: uuid.UUID
    recipient_id: uuid.UUID  # the user's, or the family member's
    kind: str
    channel: NotificationChannel
    language: str
    attempts: int
    address: str | None


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    wait: timedelta = FIRST_RETRY * 2 ** min(max(attempts - 1, 0), 16)
    return min(wait, LONGEST_RETRY)


def _due_ids(session: Session, now: datetime, limit: int) -> list[uuid.UUID]:
    return list(
        session.scalars(
            select(Notification.id)
            .where(
                Notification.status == NotificationStatus.queued,
                Notification.next_attempt_at <= now,
            )
            .order_by(Notification.next_attempt_at)
            .limit(limit)
        )
    )


def _claim(session: Session, notification_id: uuid.UUID, now: datetime) -> _Claimed | None:
    """Take the message for this process, or None when another took it first."""
    taken = session.execute(
        update(Notification)
        .where(
            Notification.id == notification_id,
            Notification.status == NotificationStatus.queued,
            Notification.next_attempt_at <= now,
        )
        .values(attempts=Notification.attempts + 1, next_attempt_at=now + LEASE)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = session.execute(
        select(Notification, NotificationSetting, FamilyMember)
        .outerjoin(NotificationSetting, NotificationSetting.user_id == Notification.user_id)
        .outerjoin(FamilyMember, FamilyMember.id == Notification.member_id)
        .where(Notification.id == notification_id)
    ).one()
    notification, setting, member = row
    # The address of now: one changed since the message was queued is the one used.
    if member is not None:
        chosen, email, phone = member.notify_channel, member.email, member.phone
    elif setting is not None:
        chosen, email, phone = setting.channel, setting.email, setting.phone
    else:
        chosen, email, phone = NotificationChannel.none, None, None
    address = None
    if chosen is notification.channel:
        address = email if chosen is NotificationChannel.email else phone
    recipient = notification.member_id or notification.user_id
    assert recipient is not None  # the table's check: a user or a member
    return _Claimed(
        notification.id,
        recipient,
        notification.kind.value,
        notification.channel,
        notification.language,
        notification.attempts,
        address,
    )


def _send(claimed: _Claimed, settings: Settings, mailer: Mailer, sms: SmsSender) -> None:
    if claimed.address is None:
        raise SendFailed("no_address")  # the user chose none, or another channel, since
    message = messages.render(NotificationKind(claimed.kind), claimed.language, settings.public_url)
    if claimed.channel is NotificationChannel.email:
        mailer.send(messages.email(message, claimed.address, claimed.language, settings))
    else:
        sms.send(
            str(claimed.recipient_id), claimed.address, claimed.kind, messages.sms_text(message)
        )


def _record(session: Session, claimed: _Claimed, error: SendFailed | None, now: datetime) -> str:
    values: dict[str, object]
    if error is None:
        values = {"status": NotificationStatus.sent, "sent_at": now, "last_error": None}
        outcome = "sent"
    elif error.code == "no_address" or claimed.attempts >= MAX_ATTEMPTS:
        values = {"status": NotificationStatus.failed, "last_error": error.code}
        outcome = "failed"
    else:
        values = {"next_attempt_at": now + backoff(claimed.attempts), "last_error": error.code}
        outcome = "retrying"
    session.execute(
        update(Notification)
        .where(Notification.id == claimed.id)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return outcome


def send_due(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    now: Callable[[], datetime] = utcnow,
    mailer: Mailer | None = None,
    sms: SmsSender | None = None,
    limit: int = BATCH,
) -> Outcome:
    """Send every queued message whose time has come (up to ``limit``), each in transactions
    of its own. Blocking: run it in a thread or a process of its own, never on the event loop
    of a request."""
    mailer = mailer or SmtpMailer(settings)
    sms = sms or sms_sender(settings)
    counts = {"sent": 0, "retrying": 0, "failed": 0}
    for session in session_scope(factory):
        due = _due_ids(session, now(), limit)
    for notification_id in due:
        for session in session_scope(factory):
            claimed = _claim(session, notification_id, now())
        if claimed is None:
            continue
        error: SendFailed | None = None
        try:
            _send(claimed, settings, mailer, sms)
        except SendFailed as exc:
            error = exc
            log.warning("notification %s not sent: %s", claimed.id, exc.code)
        for session in session_scope(factory):
            counts[_record(session, claimed, error, now())] += 1
    return Outcome(**counts)
