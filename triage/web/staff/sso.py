"""Single sign-on through OpenID Connect (Authlib's Flask client), optional: on only when OIDC_ISSUER is set.

The authorization code flow with PKCE (S256), a state and a nonce, all made and checked by Authlib. The ID token is
checked for its signature (the provider's JWKS), issuer (exactly OIDC_ISSUER), audience (OIDC_CLIENT_ID), expiry and
nonce. Its email claim must be an existing, enabled staff account (no account is ever created here). Single sign-on
takes the place of the password step only: the app's own TOTP step follows, and the member gets the app's own session.
"""

from __future__ import annotations

import logging
from typing import Any

from authlib.common.errors import AuthlibBaseError  # type: ignore[import-untyped]
from authlib.integrations.flask_client import OAuth  # type: ignore[import-untyped]
from flask import current_app, flash, redirect, request, session, url_for
from flask.blueprints import BlueprintSetupState
from joserfc.errors import JoseError

from triage.db import users
from triage.web.access import current_staff, database, safe_next
from triage.web.errors import render_error
from triage.web.routes import RouteTable
from triage.web.staff.auth import SSO, after_sign_in, continue_sign_in, ip_limited, record_failure

log = logging.getLogger("triage.auth")
routes = RouteTable()

CLIENT_KEY = "triage_sso"
NEXT_KEY = "staff_sso_next"
SCOPE = "openid email"
LEEWAY_SECONDS = 60
TIMEOUT_SECONDS = 10
NOT_SIGNED_IN = (
    "Single sign-on did not sign you in. Your staff account may not use this address; sign in with your email "
    "address and password, or ask an administrator."
)
UNAVAILABLE = "Single sign-on is not available right now. Sign in with your email address and password."
# Everything the flow may raise on a provider's bad or hostile answer: OAuth errors (state, error replies), JOSE
# errors (signature, claims), the network (requests' errors are OSErrors) and replies that are not JSON.
FLOW_ERRORS = (AuthlibBaseError, JoseError, OSError, ValueError, KeyError, TypeError)


def init_app(state: BlueprintSetupState) -> None:
    """Register the provider with Authlib when OIDC_ISSUER is set (nothing is fetched until a member uses it)."""
    app = state.app
    config = app.config
    if not config.get("OIDC_ISSUER"):
        return
    oauth = OAuth(app)
    app.extensions[CLIENT_KEY] = oauth.register(
        "sso",
        client_id=config["OIDC_CLIENT_ID"],
        client_secret=config["OIDC_CLIENT_SECRET"],
        server_metadata_url=config["OIDC_ISSUER"].rstrip("/") + "/.well-known/openid-configuration",
        client_kwargs={"scope": SCOPE, "code_challenge_method": "S256", "default_timeout": TIMEOUT_SECONDS},
    )


def enabled() -> bool:
    """Whether single sign-on is configured for this app."""
    return CLIENT_KEY in current_app.extensions


def redirect_uri() -> str:
    """The callback address to register at the provider: PUBLIC_BASE_URL + /staff/sso/callback."""
    base: str = current_app.config["PUBLIC_BASE_URL"]
    return base.rstrip("/") + url_for("auth.sso_callback")


def _client() -> Any:
    return current_app.extensions[CLIENT_KEY]


def _claims_options() -> dict[str, Any]:
    config = current_app.config
    return {
        "iss": {"essential": True, "value": config["OIDC_ISSUER"]},
        "aud": {"essential": True, "value": config["OIDC_CLIENT_ID"]},
        "exp": {"essential": True},
        "nonce": {"essential": True},
    }


@routes.get("/sso")
def sso_start() -> Any:
    """Send the browser to the provider (a GET link: the page's form-action 'self' would stop a form's redirect)."""
    if not enabled():
        return render_error(404)
    staff = current_staff()
    if staff is not None:
        return after_sign_in(staff, request.args.get("next"))
    client = _client()
    try:
        # The discovery document must name the issuer that was configured (OpenID Connect Discovery, section 4.3).
        if client.load_server_metadata().get("issuer") != current_app.config["OIDC_ISSUER"]:
            raise ValueError("the provider's discovery document names another issuer")
        target = safe_next(request.args.get("next")) or ""
        response = client.authorize_redirect(redirect_uri())
    except FLOW_ERRORS as error:
        log.warning("single sign-on could not start: %s", type(error).__name__)
        flash(UNAVAILABLE, "error")
        return redirect(url_for("auth.login"))
    session[NEXT_KEY] = target
    return response


def _signed_in_email() -> tuple[str | None, str]:
    """The verified email of the ID token the provider returned, or None with the reason."""
    token = _client().authorize_access_token(claims_options=_claims_options(), leeway=LEEWAY_SECONDS)
    userinfo = token.get("userinfo") if isinstance(token, dict) else None
    if not userinfo:
        return None, "no ID token"
    email = userinfo.get("email")
    if not isinstance(email, str) or not email:
        return None, "no email claim"
    if userinfo.get("email_verified") is False:
        return None, "email not verified by the provider"
    return users.normalise_email(email), "ok"


@routes.get("/sso/callback")
def sso_callback() -> Any:
    """The provider's answer: the code is exchanged and the ID token checked, then the app's own second step follows."""
    if not enabled():
        return render_error(404)
    target = session.pop(NEXT_KEY, "") or None
    with database().session() as db_session:
        if ip_limited(db_session):
            return render_error(429)
        try:
            email, reason = _signed_in_email()
        except FLOW_ERRORS as error:
            email, reason = None, f"{type(error).__name__}"
        user = users.user_by_email(db_session, email) if email and len(email) <= 254 else None
        if email and user is None:
            reason = "no staff account has this email"
        elif user is not None and not user.active:
            reason = "account disabled"
        if user is None or not user.active:
            record_failure(db_session, user, f"single sign-on ({reason})")
            flash(NOT_SIGNED_IN, "error")
            return redirect(url_for("auth.login"))
        return continue_sign_in(db_session, user, safe_next(target), SSO, same_site_hop=True)
