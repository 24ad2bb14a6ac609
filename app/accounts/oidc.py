"""Sign-in through an OpenID Connect provider (DESIGN §11), with Authlib: authorization code
with PKCE (S256), the provider's endpoints and keys from its discovery document, and every
check of the ID token done by Authlib and joserfc (signature against the provider's keys,
fetched again when a token names a key not yet seen or fails the keys Duk has; issuer,
audience, nonce, expiry; ``acr`` when the provider's configuration asks for it: the first level
it lists is asked for, and any level it lists is accepted, as a provider may answer with a
stronger sign-in than was asked).

Two providers use it, each configured on its own (``Provider``): the municipality's, for staff
(``DUK_OIDC_*``), and ID-porten, for the family's own pages (``DUK_IDPORTEN_*``, level high).
What is Duk's own: who a subject is (a user, app/accounts/service.py; a family member,
app/members), and what a refusal is called and tells the person."""

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
# Where the staff ID token waits, in the browser's signed sign-in cookie, for the provider's
# sign-out (RP-initiated logout needs it as id_token_hint).
ID_TOKEN_KEY = "duk_oidc_id_token"
# ID-porten's highest level (DESIGN §11: families sign in at level high).
IDPORTEN_HIGH = "idporten-loa-high"


@dataclass(frozen=True)
class Provider:
    """One configured provider: where it is, Duk's client there, the assurance level every ID
    token must carry (empty: any), and the routes its sign-in comes back to."""

    key: str  # Authlib's name for the client: its states are kept apart under it
    issuer: str
    client_id: str
    client_secret: str
    acr: tuple[str, ...]  # the level asked for first, then the stronger ones also accepted
    callback: str  # the route the provider sends the browser back to
    after_logout: str  # the route the provider's sign-out returns to
    id_token_key: str  # where the ID token waits for the provider's sign-out

    @property
    def discovery_url(self) -> str:
        return self.issuer.rstrip("/") + "/.well-known/openid-configuration"


def staff_provider(settings: Settings) -> Provider | None:
    """The municipality's provider for staff (``DUK_OIDC_*``), or None."""
    if not settings.oidc_enabled:
        return None
    return Provider(
        key="duk",
        issuer=settings.oidc_issuer,
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        acr=settings.oidc_acr_levels,
        callback="oidc_callback",
        after_logout="login",
        id_token_key=ID_TOKEN_KEY,
    )


def idporten_provider(settings: Settings) -> Provider | None:
    """ID-porten for family members (``DUK_IDPORTEN_*``), or None."""
    if not settings.idporten_enabled:
        return None
    return Provider(
        key="idporten",
        issuer=settings.idporten_issuer,
        client_id=settings.idporten_client_id,
        client_secret=settings.idporten_client_secret.get_secret_value(),
        acr=tuple(settings.idporten_acr.split()),
        callback="family_callback",
        after_logout="family_signed_out",
        id_token_key="duk_idporten_id_token",
    )


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


@dataclass(frozen=True)
class Configured:
    """A provider's configuration and Duk's Authlib client of it."""

    provider: Provider
    client: StarletteOAuth2App


def make_client(provider: Provider | None) -> Configured | None:
    """Duk's client of a provider, or None when it is not configured."""
    if provider is None:
        return None
    oauth = OAuth()
    client: StarletteOAuth2App = oauth.register(
        provider.key,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        server_metadata_url=provider.discovery_url,
        client_cls=_Client,
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "timeout": 10},
    )
    return Configured(provider, client)


@dataclass(frozen=True)
class Flow:
    """What a sign-in under way remembers besides Authlib's own (state, nonce, verifier)."""

    next: str
    # "page": a browser session; "api": a bearer token shown once; "leave": no new session,
    # but the signed-in worker proving it is them again, to leave family mode (DESIGN §12)
    purpose: str


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def form_origins(*configured: Configured | None) -> tuple[str, ...]:
    """The providers' origins a form of Duk's may lead to (the sign-out's redirect goes to its
    end-session endpoint): each issuer's, and its endpoints' once its discovery document has
    been read (ID-porten and Ansattporten keep them on another host than the issuer's)."""
    urls: list[Any] = []
    for one in configured:
        if one is None:
            continue
        metadata = one.client.server_metadata or {}
        urls += [
            one.provider.issuer,
            metadata.get("authorization_endpoint"),
            metadata.get("end_session_endpoint"),
        ]
    return tuple(sorted({o for u in urls if isinstance(u, str) and (o := _origin(u))}))


async def start(configured: Configured, request: Request, flow: Flow) -> str:
    """The provider's authorization URL for a new sign-in; its state, nonce and PKCE verifier
    are kept in this browser's signed sign-in cookie, so only this browser can finish it."""
    client, provider = configured.client, configured.provider
    redirect_uri = str(request.url_for(provider.callback))
    extra: dict[str, Any] = {}
    if provider.acr:
        extra["acr_values"] = provider.acr[0]
    if flow.purpose == "leave":
        # A sign-in made now, with the person at the provider's form: not the provider's own
        # session from this morning, which would let anyone at the tablet through.
        extra["prompt"] = "login"
        extra["max_age"] = 0
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


def _claims_options(provider: Provider, metadata: dict[str, Any]) -> dict[str, Any]:
    # The audience is checked here, not left to Authlib's defaults: those check only ``azp``
    # when ``aud`` is not this client, and a token for another client with ``azp`` set to
    # ours would pass.
    options: dict[str, Any] = {
        "iss": {"essential": True, "values": [metadata["issuer"]]},
        "aud": {"essential": True, "values": [provider.client_id]},
    }
    if provider.acr:
        options["acr"] = {"essential": True, "values": list(provider.acr)}
    return options


def _reason_for_claim(error: ClaimError) -> str:
    if isinstance(error, ExpiredTokenError) or error.claim in ("exp", "iat", "nbf"):
        return "expired"
    reasons = {"aud": "audience", "azp": "audience", "iss": "issuer", "nonce": "nonce"}
    return reasons.get(error.claim, "acr" if error.claim == "acr" else "invalid_token")


@dataclass(frozen=True)
class Proven:
    """What a checked ID token proves: its claims (``sub`` always; ID-porten's ``pid`` among
    them), the token itself (for the sign-out) and the flow it finishes."""

    claims: dict[str, Any]
    id_token: str
    flow: Flow

    @property
    def subject(self) -> str:
        return str(self.claims["sub"])


async def finish(configured: Configured, request: Request) -> Proven:
    """The provider's answer at the callback, checked; ``Refused`` with the reason otherwise."""
    client, provider = configured.client, configured.provider
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
            request, claims_options=_claims_options(provider, metadata), leeway=LEEWAY_SECONDS
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
    return Proven(dict(userinfo), str(id_token), flow)


async def logout_url(configured: Configured, request: Request, id_token: str) -> str | None:
    """The provider's end-session URL (RP-initiated logout), back to Duk's page for after it;
    None when the provider has no end-session endpoint or cannot be reached."""
    try:
        found = await configured.client.create_logout_url(
            post_logout_redirect_uri=str(request.url_for(configured.provider.after_logout)),
            id_token_hint=id_token,
        )
    except (RuntimeError, httpx.HTTPError):
        return None
    url: str = found["url"]
    return url
