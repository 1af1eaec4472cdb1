"""Production safety checks on settings: a strong secret key, a database over TLS or local, an HTTPS OIDC provider."""

from __future__ import annotations

import ipaddress
import math
import os
from collections import Counter
from urllib.parse import parse_qs, unquote, urlsplit

DEV_SECRET = "dev-only-not-secret-change-me"  # noqa: S105 - a marker the production check refuses
DEV_AUDIT_KEY = "dev-only-audit-chain-key-not-secret"  # noqa: S105 - development and test only; refused in production
MIN_SECRET_BYTES = 32
# A Shannon estimate over the key's own characters: 32 x "x" scores 0, secrets.token_urlsafe(32) about 185.
MIN_SECRET_BITS = 128
MIN_SECRET_DISTINCT = 10
PG_TLS_MODES = frozenset({"require", "verify-ca", "verify-full"})


def entropy_bits(text: str) -> float:
    """A Shannon estimate of a string's entropy from its own character frequencies, in bits."""
    counts = Counter(text)
    return -sum(n * math.log2(n / len(text)) for n in counts.values())


def secret_problem(key: str, name: str = "SECRET_KEY") -> str | None:
    """Why a key is not fit for production, or None."""
    advice = f"set {name} to a random value, e.g. secrets.token_urlsafe(48)"
    if key in (DEV_SECRET, DEV_AUDIT_KEY):
        return f"is the development value; {advice}"
    if len(key.encode()) < MIN_SECRET_BYTES:
        return f"must be at least {MIN_SECRET_BYTES} bytes in production; {advice}"
    if len(set(key)) < MIN_SECRET_DISTINCT or entropy_bits(key) < MIN_SECRET_BITS:
        return f"has too little entropy (repeated or too few distinct characters); {advice}"
    return None


def audit_key_problem(key: str, secret_key: str | None) -> str | None:
    """Why an audit chain key is not fit for production (missing, weak, or the secret key again), or None."""
    if not key:
        return "is required in production (it seals the audit chain); set AUDIT_KEY to a random value, e.g. token_urlsafe(48)"
    if secret_key is not None and key == secret_key:
        return "must differ from SECRET_KEY (whoever holds the one must not be able to re-seal the audit chain)"
    return secret_problem(key, "AUDIT_KEY")


def database_problem(url: str) -> str | None:
    """Why a database URL is not fit for production, or None."""
    scheme = urlsplit(url).scheme.partition("+")[0].lower()
    if scheme == "sqlite" or (scheme == "postgresql" and pg_transport_ok(url)):
        return None
    if scheme != "postgresql":
        return f"must be a sqlite or postgresql URL in production, not {scheme or 'no scheme'!r}"
    return "for PostgreSQL on a host other than loopback or a local socket must use sslmode=require, verify-ca or verify-full"


def pg_transport_ok(url: str) -> bool:
    """Whether a PostgreSQL URL is encrypted or stays on this machine, however its host is given."""
    query = parse_qs(urlsplit(url).query, keep_blank_values=True)
    modes = query.get("sslmode", [])
    if modes and all(mode in PG_TLS_MODES for mode in modes):
        return True
    # A service file can point anywhere: it counts as remote.
    return "service" not in query and all(_local_host(host) for host in pg_hosts(url))


def pg_hosts(url: str) -> list[str]:
    """Every host a PostgreSQL URL may connect to: its netloc, host= and hostaddr= (libpq's PGHOST when none)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query, keep_blank_values=True)
    netloc = parts.netloc.rpartition("@")[2]
    hosts = [unquote(h) for h in netloc.split(",") if h]
    hosts += [h for key in ("host", "hostaddr") for value in query.get(key, []) for h in value.split(",")]
    if not hosts:
        hosts = [h for key in ("PGHOST", "PGHOSTADDR") for h in os.environ.get(key, "").split(",") if h]
    return [_without_port(h) for h in hosts]


def _without_port(host: str) -> str:
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


def _local_host(host: str) -> bool:
    if host == "" or host.startswith(("/", "@")) or host.lower() == "localhost":
        return True  # libpq's default, a socket directory or an abstract socket
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(text: str) -> tuple[Network, ...]:
    """The networks of a comma-separated list of addresses or CIDR networks (ValueError naming a bad entry)."""
    networks = []
    for entry in (part.strip() for part in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise ValueError(f"'{entry}' is not an IP address or network") from error
    return tuple(networks)


def oidc_issuer_problem(issuer: str) -> str | None:
    """Why an OpenID Connect issuer is not fit for production, or None (unset means single sign-on is off)."""
    if not issuer:
        return None
    parts = urlsplit(issuer)
    if parts.scheme != "https" or not parts.hostname:
        return "must be an https:// address in production (the ID tokens' signing keys are fetched from it)"
    if parts.username or parts.password or parts.query or parts.fragment:
        return "must be the provider's issuer URL as its discovery document names it, with no credentials, query or fragment"
    return None


def oidc_client_problem(issuer: str, value: str, name: str) -> str | None:
    """Why OIDC_CLIENT_ID or OIDC_CLIENT_SECRET (`name`) is not fit for production with this issuer, or None."""
    if issuer and not value.strip():
        return f"is required in production when OIDC_ISSUER is set; set {name} to the value the provider gave this app"
    return None
