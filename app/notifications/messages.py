"""What a message says: made when it is sent, from its kind and the recipient's language, with
the room's templates (plain text, and HTML as its alternative). A message holds one plain
sentence and a link to sign in; never a family's or a person's name, a national ID number or
any text from the case: everything is behind the sign-in (DESIGN §12)."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from app.config import FAMILY_LANGUAGES, Settings
from app.kit.i18n import LANGUAGES, N_, direction, translations
from app.models.enums import NotificationKind

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True, slots=True)
class Wording:
    subject: str
    sentence: str
    path: str  # where the link leads, after sign-in


WORDING = {
    NotificationKind.review_requested: Wording(
        N_("A plan waits for your review"),
        N_("A plan waits for your unit's review in Duk."),
        "/review-queue",
    ),
    NotificationKind.changes_requested: Wording(
        N_("Changes were asked for"),
        N_("A unit asked for changes to a plan you lead."),
        "/inbox",
    ),
    NotificationKind.action_due: Wording(
        N_("Your action is due in 3 days"),
        N_("An action you are responsible for is due within 3 days."),
        "/inbox",
    ),
    NotificationKind.consent_expiring: Wording(
        N_("A consent expires in 14 days"),
        N_("A consent to share a plan you lead expires within 14 days."),
        "/inbox",
    ),
    NotificationKind.family_approval_requested: Wording(
        N_("A plan waits for your approval"),
        N_("Your plan waits for your approval."),
        "/familie/",
    ),
    NotificationKind.family_next_meeting: Wording(
        N_("Your next meeting"),
        N_("You have a meeting about your plan coming up."),
        "/familie/",
    ),
}


# The messages to a family member: in any of the family's languages, and the way to change how
# they hear is on the family's own pages.
FAMILY_KINDS = frozenset(
    {NotificationKind.family_approval_requested, NotificationKind.family_next_meeting}
)
FAMILY_SETTINGS_PATH = "/familie/varsler"


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    sentence: str
    text: str
    html: str
    link: str


@lru_cache(maxsize=len(FAMILY_LANGUAGES))
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html",)),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    return env


def render(kind: NotificationKind, lang: str, public_url: str) -> Message:
    """The message of ``kind`` in ``lang`` (bokmål for a language the messages are not in):
    a family member's in any of the family's languages, a user's in the staff's."""
    family = kind in FAMILY_KINDS
    offered = FAMILY_LANGUAGES if family else LANGUAGES
    lang = lang if lang in offered else "nb"
    wording = WORDING[kind]
    _ = translations(lang).gettext
    base = public_url.rstrip("/")
    context = {
        "lang": lang,
        "dir": direction(lang),
        "subject": _(wording.subject),
        "sentence": _(wording.sentence),
        "link": base + wording.path,
        "settings_link": base + (FAMILY_SETTINGS_PATH if family else "/account/notifications"),
    }
    env = _environment(lang)
    return Message(
        subject=str(context["subject"]),
        sentence=str(context["sentence"]),
        text=env.get_template("message.txt").render(context),
        html=env.get_template("message.html").render(context),
        link=str(context["link"]),
    )


def email(message: Message, to: str, lang: str, settings: Settings) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = message.subject
    mail["From"] = settings.smtp_from
    mail["To"] = to
    mail["Date"] = formatdate(usegmt=True)
    mail["Message-ID"] = make_msgid(domain=settings.smtp_from.rpartition("@")[2] or None)
    mail.set_content(message.text)
    mail.add_alternative(message.html, subtype="html")
    # After the parts: making the message multipart moves every Content-* header into its
    # first part, and the language is the whole message's.
    mail["Content-Language"] = lang
    return mail


def sms_text(message: Message) -> str:
    return f"Duk: {message.sentence} {message.link}"
