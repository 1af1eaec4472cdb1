"""A small OpenID Connect provider for tests, served over real HTTP on 127.0.0.1 at a free port.

It serves discovery, JWKS, authorize and token endpoints, and signs ID tokens (RS256) with a key made when it starts,
with joserfc (the JOSE library Authlib itself uses since 1.7, where `authlib.jose` became a deprecated alias).
The authorize endpoint signs in whoever `email` names at once (no login page) and redirects back with a code; the
token endpoint checks the client's credentials, the redirect URI and the PKCE S256 verifier, and takes each code once.
Tests bend the ID token with `claims` (e.g. another audience) or `signing_key` (a key not in the JWKS).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from tests.helpers.smtp import free_port

CLIENT_ID = "gut-triage-test"
CLIENT_SECRET = "test-client-secret-0123456789"  # noqa: S105 - the test provider's client secret


def _json(body: dict[str, Any], status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


def new_key(kid: str) -> RSAKey:
    """A fresh RSA signing key."""
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})


@dataclass
class Grant:
    """What an authorization request asked for, kept until its code is exchanged."""

    client_id: str
    redirect_uri: str
    nonce: str
    code_challenge: str
    code_challenge_method: str
    email: str


@dataclass
class OidcProvider:
    """The provider; `issuer` is its base URL, `requests` what each endpoint was asked (for the tests to read)."""

    email: str = "member@example.org"
    claims: dict[str, Any] = field(default_factory=dict)
    signing_key: RSAKey | None = None
    port: int = field(default_factory=free_port)
    key: RSAKey = field(default_factory=lambda: new_key("test-key-1"))
    grants: dict[str, Grant] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    _server: BaseWSGIServer | None = None

    @property
    def issuer(self) -> str:
        """The issuer URL (plain HTTP on loopback, which the app allows outside production)."""
        return f"http://127.0.0.1:{self.port}"

    def settings(self) -> dict[str, str]:
        """The app settings that use this provider."""
        return {"OIDC_ISSUER": self.issuer, "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_CLIENT_SECRET": CLIENT_SECRET}

    def start(self) -> OidcProvider:
        """Serve in a background thread."""
        self._server = make_server("127.0.0.1", self.port, self.wsgi, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def metadata(self) -> dict[str, Any]:
        """The discovery document."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        }

    def id_token(self, grant: Grant) -> str:
        """A signed ID token for a grant, with the test's claim overrides (a None value removes a claim)."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "sub": hashlib.sha256(grant.email.encode()).hexdigest()[:24],
            "aud": grant.client_id,
            "iat": now,
            "exp": now + 300,
            "nonce": grant.nonce,
            "email": grant.email,
            "email_verified": True,
        }
        claims.update(self.claims)
        claims = {name: value for name, value in claims.items() if value is not None}
        key = self.signing_key or self.key
        return jwt.encode({"alg": "RS256", "kid": str(key.kid)}, claims, key)

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI application."""
        request = Request(environ)
        self.requests.append((request.path, dict(request.values)))
        handlers = {
            "/.well-known/openid-configuration": lambda: _json(self.metadata()),
            "/jwks": lambda: _json(KeySet([self.key]).as_dict(private=False)),
            "/authorize": lambda: self._authorize(request),
            "/token": lambda: self._token(request),
        }
        handler = handlers.get(request.path)
        response = handler() if handler else Response("not found", status=404)
        return response(environ, start_response)

    def _authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("response_type") != "code" or args.get("client_id") != CLIENT_ID:
            return Response("bad authorization request", status=400)
        code = secrets.token_urlsafe(16)
        self.grants[code] = Grant(
            args.get("client_id", ""),
            args.get("redirect_uri", ""),
            args.get("nonce", ""),
            args.get("code_challenge", ""),
            args.get("code_challenge_method", ""),
            self.email,
        )
        query = urlencode({"code": code, "state": args.get("state", "")})
        return Response(status=302, headers={"Location": f"{args.get('redirect_uri')}?{query}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        auth = request.authorization
        client_id, secret = (auth.username, auth.password) if auth else (form.get("client_id"), form.get("client_secret"))
        if (client_id, secret) != (CLIENT_ID, CLIENT_SECRET):
            return _json({"error": "invalid_client"}, status=401)
        grant = self.grants.pop(form.get("code", ""), None)  # each code works once
        if grant is None or form.get("grant_type") != "authorization_code" or form.get("redirect_uri") != grant.redirect_uri:
            return _json({"error": "invalid_grant"}, status=400)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if grant.code_challenge_method != "S256" or not verifier or challenge != grant.code_challenge:
            return _json({"error": "invalid_grant", "error_description": "PKCE check failed"}, status=400)
        body = {
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 300,
            "id_token": self.id_token(grant),
        }
        return _json(body)
