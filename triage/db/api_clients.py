"""FHIR API clients: created by an admin with a secret shown once, checked on each request by its hash, revoked."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from triage.db.clock import as_utc, minute_text, utcnow
from triage.db.models import ApiClient
from triage.domain.report.fhir_common import RESOURCE_TYPES

# The Bearer token is "<client id>.<secret>": the id finds the row, the secret's SHA-256 must match.
TOKEN_SEPARATOR = "."  # noqa: S105 - a separator, not a secret


@dataclass(frozen=True)
class ClientInfo:
    """An API client as the admin page lists it (never the secret)."""

    id: int
    client_id: str
    name: str
    scopes: tuple[str, ...]
    created: str
    revoked: str
    last_used: str

    @property
    def active(self) -> bool:
        """Whether the client may still read."""
        return not self.revoked


@dataclass(frozen=True)
class NewClient:
    """A client just created, with the token its system sends: shown to the admin once, stored only as a hash."""

    info: ClientInfo
    token: str


@dataclass(frozen=True)
class Caller:
    """The API client a request authenticated as."""

    id: int
    client_id: str
    name: str
    scopes: frozenset[str]


def _sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _info(row: ApiClient) -> ClientInfo:
    return ClientInfo(
        id=row.id,
        client_id=row.client_id,
        name=row.name,
        scopes=tuple(t for t in RESOURCE_TYPES if t in (row.scopes or ())),
        created=minute_text(row.created_at),
        revoked=minute_text(row.revoked_at),
        last_used=minute_text(row.last_used_at),
    )


def create_client(session: Session, name: str, scopes: list[str], created_by: int | None) -> NewClient:
    """A new client reading only the given resource types (ValueError for an unknown type or none)."""
    unknown = [s for s in scopes if s not in RESOURCE_TYPES]
    if unknown or not scopes:
        raise ValueError(f"scopes must be some of {', '.join(RESOURCE_TYPES)}; got {', '.join(scopes) or 'none'}")
    client_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    row = ApiClient(
        client_id=client_id,
        name=name.strip()[:120],
        secret_sha256=_sha256(secret),
        scopes=[t for t in RESOURCE_TYPES if t in scopes],
        created_at=utcnow(),
        created_by=created_by,
    )
    session.add(row)
    session.flush()
    return NewClient(_info(row), f"{client_id}{TOKEN_SEPARATOR}{secret}")


def list_clients(session: Session) -> list[ClientInfo]:
    """Every client, newest first, revoked ones included (their rows stay for the audit trail)."""
    return [_info(r) for r in session.scalars(select(ApiClient).order_by(ApiClient.id.desc()))]


def revoke_client(session: Session, client_row_id: int) -> ClientInfo | None:
    """Revoke a client (its token stops working at once); None when there is no such client."""
    row = session.get(ApiClient, client_row_id)
    if row is None:
        return None
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.flush()
    return _info(row)


def authenticate(session: Session, token: str) -> Caller | None:
    """The active client whose token this is, its last use noted; None for an unknown, wrong or revoked token."""
    client_id, separator, secret = token.partition(TOKEN_SEPARATOR)
    if not separator or not client_id or not secret or len(token) > 200:
        return None
    row = session.scalar(select(ApiClient).where(ApiClient.client_id == client_id))
    # compare_digest: the time taken does not tell how much of a guessed secret was right.
    if row is None or not hmac.compare_digest(row.secret_sha256, _sha256(secret)) or row.revoked_at is not None:
        return None
    now = utcnow()
    # Note the use at most once a minute, so a busy client does not write a row per read.
    if row.last_used_at is None or (now - as_utc(row.last_used_at)).total_seconds() > 60:
        row.last_used_at = now
    return Caller(row.id, row.client_id, row.name, frozenset(row.scopes or ()))
