"""Configuration from the environment (prefix ``DUK_``)."""

from __future__ import annotations

from functools import lru_cache
from typing import Final, Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Used only in development and tests; refused in production (see ``_refuse_default_secret``).
DEV_SECRET_KEY = "dev-only-secret-key-change-me-0000000000"
DEV_DATA_KEY = "ZHVrIGRldmVsb3BtZW50IGRhdGEga2V5IDAwMDAwMCE="  # base64 of a fixed 32 bytes

# The languages a family's plan, consent statement, pages and messages can be in (DESIGN §12):
# bokmål, nynorsk, English, Arabic, Somali, Ukrainian, Polish. An installation offers some or
# all of them (DUK_LANGUAGES); the staff's pages are in the first three only (app/kit/i18n.py).
FAMILY_LANGUAGES: Final = ("nb", "nn", "en", "ar", "so", "uk", "pl")


def _is_fernet_key(value: str) -> bool:
    try:
        Fernet(value.encode())
    except (ValueError, TypeError):
        return False
    return True


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DUK_", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "sqlite:///./duk.db"
    secret_key: str = DEV_SECRET_KEY
    # The key that encrypts identifiers at rest (app/kit/crypto.py): a Fernet key of its own,
    # and earlier ones still to be read while ``duk rotate-key`` moves values to the new one.
    data_key: str = DEV_DATA_KEY
    data_keys_old: str = ""
    # Small-cell suppression threshold (DESIGN §7): never below 3.
    report_min_cell: int = Field(default=5)
    token_ttl_hours: int = Field(default=12, ge=1, le=24 * 30)
    # A browser session ends after this long without a request (a tablet left on a table).
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # Login throttling (app/accounts/service.py): after this many failures within the window,
    # the same username from the same address waits before its next try, twice as long after
    # each further failure; a delay, never a lock that a stranger could set off.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=900, ge=1)
    # The host names this server answers for, comma-separated ("duk.kommune.no", or
    # "*.kommune.no" for its subdomains); a request with any other Host header gets 400.
    allowed_hosts: str = "localhost,127.0.0.1,[::1]"
    # The proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (``duk serve``).
    forwarded_allow_ips: str = "127.0.0.1"
    max_body_bytes: int = 1_000_000
    max_text_chars: int = 10_000
    # Staff sign-in through the municipality's OpenID Connect provider (DESIGN §11; off while
    # the issuer is empty): the issuer (its discovery document is found under it), this
    # installation's client, the assurance level (acr) its ID tokens must carry, if any, and
    # the provider's name on the login page's button ("Asker kommune").
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_acr: str = ""
    oidc_name: str = ""
    # Family members sign in to their own pages through ID-porten (DESIGN §11, §12; off while
    # the issuer is empty), at level high unless told otherwise.
    idporten_issuer: str = ""
    idporten_client_id: str = ""
    idporten_client_secret: SecretStr = SecretStr("")
    idporten_acr: str = "idporten-loa-high"
    # A second factor (TOTP, RFC 6238) after a local password (DESIGN §11), enrolled at the
    # first sign-in: unset, it is required in production and not otherwise (the demo, `make
    # run`, development); production cannot turn it off.
    totp_required: bool | None = None
    # Word outside the app (DESIGN §12): where a message's link points (this installation's
    # address as people reach it), the SMTP server that carries e-mail, and the SMS provider
    # ("log" writes the kind and an opaque recipient id to the log and sends nothing: for
    # development, until a real provider is configured). The worker that sends what is queued
    # runs in the app when ``notify_worker`` is on, else from ``duk notify send`` (README).
    public_url: str = "http://127.0.0.1:8000"
    smtp_host: str = ""
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = "duk@localhost"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    sms_provider: Literal["log"] = "log"
    notify_worker: bool = False
    notify_interval_seconds: int = Field(default=60, ge=1, le=3600)

    # The languages this installation offers families, comma-separated (codes of
    # FAMILY_LANGUAGES); bokmål is always among them, as the language everything falls back to.
    languages: str = ",".join(FAMILY_LANGUAGES)

    @field_validator("languages")
    @classmethod
    def _known_languages_with_bokmal(cls, value: str) -> str:
        codes = [code.strip() for code in value.split(",") if code.strip()]
        unknown = [code for code in codes if code not in FAMILY_LANGUAGES]
        if unknown:
            raise ValueError(
                f"DUK_LANGUAGES knows {', '.join(FAMILY_LANGUAGES)}, not {', '.join(unknown)}"
            )
        if "nb" not in codes:
            raise ValueError("DUK_LANGUAGES must include nb (bokmål)")
        return ",".join(code for code in FAMILY_LANGUAGES if code in codes)

    @field_validator("report_min_cell")
    @classmethod
    def _min_cell_at_least_three(cls, value: int) -> int:
        if value < 3:
            raise ValueError("DUK_REPORT_MIN_CELL must be at least 3 (small-cell suppression)")
        return value

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.env == "production" and (
            self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError("DUK_SECRET_KEY must be set to a random value of 32+ characters")
        if self.env == "production" and self.data_key == DEV_DATA_KEY:
            raise ValueError("DUK_DATA_KEY must be set: make one with `duk data-key`")
        for key in (self.data_key, *self.old_data_keys):
            if not _is_fernet_key(key):
                raise ValueError(
                    "DUK_DATA_KEY and DUK_DATA_KEYS_OLD take keys made by `duk data-key`"
                )
        if self.env == "production" and self.totp_required is False:
            raise ValueError("DUK_TOTP_REQUIRED cannot be turned off in production")
        if self.oidc_issuer:
            if not self.oidc_client_id or not self.oidc_client_secret.get_secret_value():
                raise ValueError(
                    "DUK_OIDC_ISSUER needs DUK_OIDC_CLIENT_ID and DUK_OIDC_CLIENT_SECRET"
                )
            if self.env == "production" and not self.oidc_issuer.startswith("https://"):
                raise ValueError("DUK_OIDC_ISSUER must be an https:// URL in production")
        if self.idporten_issuer:
            if not self.idporten_client_id or not self.idporten_client_secret.get_secret_value():
                raise ValueError(
                    "DUK_IDPORTEN_ISSUER needs DUK_IDPORTEN_CLIENT_ID and "
                    "DUK_IDPORTEN_CLIENT_SECRET"
                )
            if self.env == "production" and not self.idporten_issuer.startswith("https://"):
                raise ValueError("DUK_IDPORTEN_ISSUER must be an https:// URL in production")
        return self

    @property
    def oidc_acr_levels(self) -> tuple[str, ...]:
        """``DUK_OIDC_ACR``, space-separated: the level to ask for first, then the stronger
        ones also accepted (e.g. "idporten-loa-substantial idporten-loa-high")."""
        return tuple(self.oidc_acr.split())

    @property
    def needs_totp(self) -> bool:
        """Whether a local password needs its second factor (``DUK_TOTP_REQUIRED``)."""
        return self.env == "production" if self.totp_required is None else self.totp_required

    @property
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer)

    @property
    def idporten_enabled(self) -> bool:
        return bool(self.idporten_issuer)

    @property
    def old_data_keys(self) -> list[str]:
        return [key.strip() for key in self.data_keys_old.split(",") if key.strip()]

    @property
    def offered_languages(self) -> tuple[str, ...]:
        """The family's languages this installation offers, in FAMILY_LANGUAGES' order."""
        return tuple(self.languages.split(","))

    @property
    def allowed_host_names(self) -> list[str]:
        return [name.strip() for name in self.allowed_hosts.split(",") if name.strip()]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
