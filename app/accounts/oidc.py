"""Staff sign-in through the municipality's OpenID Connect provider (DESIGN §11), with Authlib:
authorization code with PKCE (S256), the provider's endpoints and keys from its discovery
document, and every check of the ID token done by Authlib and joserfc (signature against the
provider's keys, fetched again when a token names a key not yet seen or fails the keys Duk
has; issuer, audience, nonce, expiry; ``acr`` when DUK_OIDC_ACR asks for it: the first level
it lists is asked for, and any level it lists is accepted, as a provider may answer with a
stronger sign-in than was asked). What is Duk's own: which user a subject is
(app/accounts/service.py), and what a refusal is called and tells the person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
from authlib.integrations.base_client.errors import MismatchingStateError, OAuthError
from authlib.integrations.starlette_client import OAuth, StarletteOAuth2App
from joserfc.errors import (
    BadSignatureError,
    ClaimError,
    DecodeError,
    ExpiredTokenError,
    InvalidKeyIdError,
    JoseError,
)
from starlette.requests import Request

from app.config import Settings

SCOPE = "openid profile"
# How far the provider's clock and ours may differ when the token's times are checked.
LEEWAY_SECONDS = 60
# Where the ID token waits, in the browser's signed sign-in cookie, for the provider's
# sign-out (RP-initiated logout needs it as id_token_hint).
ID_TOKEN_KEY = "duk_oidc_id_token"


class _Client(StarletteOAuth2App):  # type: ignore[misc]
    """Authlib's client, reading the provider's keys again when an ID token's signature fails
    against the keys it has. Authlib does so itself when a token names a key (``kid``) it has
    not seen; a provider that rotates its only key and names none would otherwise be refused
    until Duk restarts. A token reaches this check only as the provider's own answer to the
    code exchange, so a fresh look at its keys costs nothing a stranger could run up."""

    async def parse_id_token(self, token: Any, nonce: Any, **kwargs: Any) -> Any:
        try:
            return await super().parse_id_token(token, nonce, **kwargs)
        except BadSignatureError:
            known = self.server_metadata.get("jwks")
            if await self.fetch_jwk_set(force=True) == known:
                raise
            return await super().parse_id_token(token, nonce, **kwargs)


def make_client(settings: Settings) -> StarletteOAuth2App | None:
    """The installation's client of its provider, or None when no provider is configured."""
    if not settings.oidc_enabled:
        return None
    oauth = OAuth()
    client: StarletteOAuth2App = oauth.register(
        "duk",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        server_metadata_url=settings.oidc_discovery_url,
        client_cls=_Client,
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
    )
    return client


@dataclass(frozen=True)
class Flow:
    """What a sign-in under way remembers besides Authlib's own (state, nonce, verifier)."""

    next: str
    purpose: str  # "page": a browser session; "api": a bearer token shown once


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def form_origins(client: StarletteOAuth2App | None, settings: Settings) -> tuple[str, ...]:
    """The provider's origins a form of Duk's may lead to (the sign-out's redirect goes to its
    end-session endpoint): its issuer's, and its endpoints' once its discovery document has
    been read (ID-porten and Ansattporten keep them on another host than the issuer's)."""
    if client is None:
        return ()
    metadata = client.server_metadata or {}
    urls = (
        settings.oidc_issuer,
        metadata.get("authorization_endpoint"),
        metadata.get("end_session_endpoint"),
    )
    return tuple(sorted({o for u in urls if isinstance(u, str) and (o := _origin(u))}))


async def start(
    client: StarletteOAuth2App, request: Request, settings: Settings, flow: Flow
) -> str:
    """The provider's authorization URL for a new sign-in; its state, nonce and PKCE verifier
    are kept in this browser's signed sign-in cookie, so only this browser can finish it."""
    redirect_uri = str(request.url_for("oidc_callback"))
    extra: dict[str, Any] = {}
    if settings.oidc_acr_levels:
        extra["acr_values"] = settings.oidc_acr_levels[0]
    found = await client.create_authorization_url(redirect_uri, **extra)
    await client.save_authorize_data(
        request,
        redirect_uri=redirect_uri,
        duk_next=flow.next,
        duk_purpose=flow.purpose,
        **found,
    )
    url: str = found["url"]
    return url


class Refused(Exception):
    """A sign-in through the provider that cannot go on; ``reason`` names why (a short code for
    the audit trail and the page, never personal data)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _claims_options(settings: Settings, metadata: dict[str, Any]) -> dict[str, Any]:
    # The audience is checked here, not left to Authlib's defaults: those check only ``azp``
    # when ``aud`` is not this client, and a token for another client with ``azp`` set to
    # ours would pass.
    options: dict[str, Any] = {
        "iss": {"essential": True, "values": [metadata["issuer"]]},
        "aud": {"essential": True, "values": [settings.oidc_client_id]},
    }
    if settings.oidc_acr_levels:
        options["acr"] = {"essential": True, "values": list(settings.oidc_acr_levels)}
    return options


def _reason_for_claim(error: ClaimError) -> str:
    if isinstance(error, ExpiredTokenError) or error.claim in ("exp", "iat", "nbf"):
        return "expired"
    reasons = {"aud": "audience", "azp": "audience", "iss": "issuer", "nonce": "nonce"}
    return reasons.get(error.claim, "acr" if error.claim == "acr" else "invalid_token")


async def finish(
    client: StarletteOAuth2App, request: Request, settings: Settings
) -> tuple[str, str, Flow]:
    """The provider's answer at the callback, checked: the subject, the ID token (for the
    sign-out) and the flow it finishes; ``Refused`` with the reason otherwise."""
    if request.query_params.get("error"):
        # The provider's own refusal (the person cancelled, or the provider would not).
        raise Refused("provider_error")
    state = request.query_params.get("state")
    data = await client.framework.get_state_data(request.session, state) if state else None
    if not data:
        raise Refused("state")
    flow = Flow(next=data.get("duk_next") or "/", purpose=data.get("duk_purpose") or "page")
    try:
        metadata = await client.load_server_metadata()
        token = await client.authorize_access_token(
            request, claims_options=_claims_options(settings, metadata), leeway=LEEWAY_SECONDS
        )
    except MismatchingStateError as exc:
        raise Refused("state") from exc
    except ExpiredTokenError as exc:
        raise Refused("expired") from exc
    except ClaimError as exc:
        raise Refused(_reason_for_claim(exc)) from exc
    except (BadSignatureError, InvalidKeyIdError, DecodeError) as exc:
        raise Refused("signature") from exc
    except JoseError as exc:
        raise Refused("invalid_token") from exc
    except OAuthError as exc:
        raise Refused("token_exchange") from exc
    except httpx.HTTPError as exc:
        raise Refused("provider_unreachable") from exc
    userinfo = token.get("userinfo")
    id_token = token.get("id_token")
    if not userinfo or not id_token or not userinfo.get("sub"):
        # No ID token at all (the provider answered as plain OAuth): nobody is proven.
        raise Refused("invalid_token")
    return str(userinfo["sub"]), str(id_token), flow


async def logout_url(client: StarletteOAuth2App, request: Request, id_token: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), back to Duk's sign-in page after;
    None when the provider has no end-session endpoint or cannot be reached."""
    try:
        found = await client.create_logout_url(
            post_logout_redirect_uri=str(request.url_for("login")), id_token_hint=id_token
        )
    except (RuntimeError, httpx.HTTPError):
        return None
    url: str = found["url"]
    return url
