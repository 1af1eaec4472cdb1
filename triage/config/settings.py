"""The one typed Settings object: every environment variable with its default, its validation and production checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from triage.config.ehr import EhrToken, EhrUrl
from triage.config.safety import (
    DEV_AUDIT_KEY,
    DEV_SECRET,
    audit_key_problem,
    database_problem,
    oidc_client_problem,
    oidc_issuer_problem,
    parse_networks,
    secret_problem,
)
from triage.config.sms import NotifySetting, SmsProvider
from triage.config.zones import known_time_zone
from triage.domain.invitations.schedule import QuietHours, parse_days

ENVIRONMENTS = ("development", "test", "production")
RELAXED = ("development", "test")


class Settings(BaseSettings):
    """Every setting the app reads, from the environment (or create_app overrides), typed and checked."""

    model_config = SettingsConfigDict(
        case_sensitive=True, env_ignore_empty=True, extra="ignore", frozen=True, validate_default=True
    )

    # TRIAGE_ENV comes first: the production checks on the later fields read it.
    # Fail closed: unset is production; only an explicit development or test relaxes the start-up checks.
    TRIAGE_ENV: Literal["development", "test", "production"] = Field(
        "production",
        description="`development`, `test` or `production` (exactly, in lower case); unset means `production`: secure "
        "cookies, HSTS and the start-up checks. `make run` sets `development`, the tests `test`",
    )
    SECRET_KEY: str = Field(
        DEV_SECRET,
        description="signs sessions; **required** in production: at least 32 random bytes, "
        "e.g. `python3 -c 'import secrets; print(secrets.token_urlsafe(48))'`",
        repr=False,
    )
    DATABASE_URL: str = Field(
        "",
        description="SQLAlchemy URL; unset means SQLite `triage.db` in the instance folder. In production a PostgreSQL "
        "host other than loopback or a local socket needs `sslmode=require`, `verify-ca` or `verify-full`",
        repr=False,
    )
    PUBLIC_BASE_URL: str = Field("http://127.0.0.1:5000", description="the address patient links start with")
    CLINIC_NAME: str = Field(
        "Gastroenterology clinic", min_length=1, max_length=200, description="shown on every page and on the PDF"
    )
    INVITE_EXPIRY_DAYS: int = Field(30, ge=1, le=365, description="days until a patient link expires")
    PDF_PAGE_SIZE: Literal["A4", "Letter"] = Field("A4", description="`A4` or `Letter` (any case)")
    PDF_TIMEOUT_SECONDS: float = Field(20.0, gt=0, le=600, description="longest a PDF may take to render, in seconds")
    PDF_MEMORY_MB: int = Field(768, ge=64, le=65536, description="memory limit of a PDF worker process, in MB")
    PDF_WORKERS: int = Field(2, ge=1, le=64, description="PDF worker processes")
    PDF_PREWARM: bool | None = Field(
        None, description="fork a warm PDF worker at start; unset means in `triage worker` only (web workers never render one)"
    )
    PROXY_HOPS: int = Field(0, ge=0, le=10, description="reverse proxies in front of the app (for client addresses and HTTPS)")
    TRUSTED_PROXIES: str = Field(
        "127.0.0.1,::1",
        description="comma-separated addresses or networks of those proxies; forwarded headers from any other peer are ignored",
    )
    TRIAGE_INSTANCE: Path | None = Field(
        None, description="the instance folder (the default SQLite database lives there); unset means Flask's default"
    )
    PATIENT_LINK_MAX_FAILURES: int = Field(
        20, ge=1, le=100000, description="bad patient links from one address in the window before it is refused"
    )
    PATIENT_LINK_WINDOW_SECONDS: int = Field(
        600, ge=1, le=86400, description="the window for `PATIENT_LINK_MAX_FAILURES` and `PATIENT_LINK_MAX_OPENS`, in seconds"
    )
    PATIENT_LINK_MAX_OPENS: int = Field(
        20, ge=1, le=100000, description="opens of one valid patient link in the window before it is refused (from any address)"
    )
    STAFF_IDLE_MINUTES: int = Field(15, ge=1, le=1440, description="minutes without a request after which a staff session ends")
    STAFF_ABSOLUTE_HOURS: int = Field(
        12, ge=1, le=168, description="hours after sign-in at which a staff session ends, however active"
    )
    LOGIN_IP_MAX_FAILURES: int = Field(
        20, ge=1, le=100000, description="failed sign-ins from one address in the window before it is refused"
    )
    LOGIN_IP_WINDOW_SECONDS: int = Field(900, ge=1, le=86400, description="the window for `LOGIN_IP_MAX_FAILURES`, in seconds")
    FLASK_DEBUG: bool = Field(False, description="Flask's debug mode (`1` to turn on); refused in production")
    CLINIC_PHONE: str = Field("", description="the clinic's phone number, shown to patients on the urgent-help and done pages")
    CLINIC_ADDRESS: str = Field(
        "",
        max_length=600,
        description="the clinic's postal address for letters (a comma starts a new line); an admin can also set it in the app",
    )
    EMERGENCY_INSTRUCTION: str = Field(
        "Call 999 or go to A&E now.", description="what the urgent-help page tells a patient to do (the local emergency number)"
    )
    CLINIC_TIME_ZONE: str = Field(
        "UTC", description="the clinic's time zone (an IANA name such as `Europe/London`) for times on staff pages and letters"
    )
    ALERT_EMAIL: str = Field("", description="where emergency and urgent alerts are emailed; unset: shown in the app only")
    ESCALATION_EMAIL: str = Field("", description="where an alert not acknowledged in time is escalated; unset: `ALERT_EMAIL`")
    ESCALATION_MINUTES: int = Field(15, ge=1, le=1440, description="minutes before an unacknowledged emergency alert escalates")
    STALE_FLAG_HOURS: float = Field(
        2.0, gt=0, le=720, description="hours without activity after which a flagged intake in progress is marked stalled"
    )
    MAIL_FROM: str = Field("gut-triage@localhost", description="the sender address of every email")
    SMTP_HOST: str = Field("", description="the mail server; unset: messages wait in the outbox until one is set")
    SMTP_PORT: int = Field(587, ge=1, le=65535, description="the mail server's port")
    SMTP_SECURITY: Literal["starttls", "tls", "none"] = Field(
        "starttls", description="`starttls`, `tls` (implicit TLS) or `none` (only for a mail server on this machine)"
    )
    SMTP_USERNAME: str = Field("", description="the mail server account, if it needs one")
    SMTP_PASSWORD: str = Field("", description="the mail server password", repr=False)
    SMTP_TIMEOUT_SECONDS: float = Field(10.0, gt=0, le=120, description="how long to wait for the mail server, in seconds")
    OUTBOX_MAX_ATTEMPTS: int = Field(12, ge=1, le=100, description="delivery attempts before a message is marked failed")
    REMINDER_DAYS: str = Field(
        "7,2", description="days before the appointment a patient yet to submit is reminded; '' for none; also set in the app"
    )
    PATIENT_QUIET_HOURS: str = Field(
        "21:00-08:00", description="local times in which no message goes to a patient (held until the end); '' for none"
    )
    SMS_PROVIDER: SmsProvider = Field("", description="`notify`: text messages go by GOV.UK Notify; unset: they wait")
    NOTIFY_API_KEY: NotifySetting = Field("", description="the Notify API key (needed with `SMS_PROVIDER=notify`)", repr=False)
    NOTIFY_SMS_TEMPLATE_ID: NotifySetting = Field("", description="the Notify text message template whose content is `((body))`")
    NOTIFY_BASE_URL: NotifySetting = Field("https://api.notifications.service.gov.uk", description="Notify's API address")
    AUDIT_KEY: str = Field(
        "",
        description="HMAC key that seals the audit chain (kept out of the database); **required** in production: 32+ random "
        "bytes, as strong as and different from `SECRET_KEY`; unset in development and test means a fixed development key",
        repr=False,
    )
    METRICS_TOKEN: str = Field(
        "",
        description="the bearer token a monitoring server sends to read `/metrics` (16+ characters); unset: `/metrics` "
        "answers 404",
        repr=False,
    )
    WORKER_EXPECTED: bool = Field(
        False, description="a worker runs beside the app: `/readyz` also needs its heartbeat from the last 5 minutes"
    )
    REDIS_URL: str = Field(
        "",
        description="Redis for the background jobs (PDFs, outbox messages), e.g. `redis://127.0.0.1:6379/0`: every "
        "`triage worker` takes jobs from one RQ queue; unset: the jobs wait in the database and `triage worker` runs them",
        repr=False,
    )
    REDIS_QUEUE: str = Field(
        "triage",
        pattern=r"^[A-Za-z0-9_.-]{1,64}$",
        description="the RQ queue's name (letters, digits, `_ . -`): installs sharing one Redis each need their own",
    )
    LOG_FORMAT: Literal["text", "json"] = Field(
        "text",
        description="`text` (one readable line per event) or `json` (one JSON object per line, with the request id, for a "
        "log collector)",
    )
    PASSWORD_RESET_MINUTES: int = Field(
        30, ge=5, le=1440, description="minutes a forgot-password link stays valid (it works once)"
    )
    OIDC_ISSUER: str = Field(
        "", description="the OpenID Connect provider for single sign-on (its issuer URL); unset: single sign-on is off"
    )
    OIDC_CLIENT_ID: str = Field("", description="this app's client id at the OpenID Connect provider")
    OIDC_CLIENT_SECRET: str = Field("", description="this app's client secret at the OpenID Connect provider", repr=False)
    EHR_FHIR_URL: EhrUrl = Field("", description="the EHR's FHIR base that signed letters' Bundles go to; unset: none sent")
    EHR_FHIR_TOKEN: EhrToken = Field("", description="the Bearer token for `EHR_FHIR_URL` (needed in production)", repr=False)
    EHR_FHIR_TIMEOUT_SECONDS: float = Field(30.0, gt=0, le=300, description="how long to wait for the EHR, in seconds")

    @field_validator("TRIAGE_ENV", mode="before")
    @classmethod
    def _known_environment(cls, value: Any) -> Any:
        # Production, prod or PRODUCTION must not quietly start a development install.
        if value not in ENVIRONMENTS:
            raise ValueError(f"must be one of {', '.join(ENVIRONMENTS)} (exactly, in lower case), not {str(value)[:40]!r}")
        return value

    @field_validator("PDF_PAGE_SIZE", mode="before")
    @classmethod
    def _page_size_any_case(cls, value: Any) -> Any:
        names = {"A4": "A4", "LETTER": "Letter"}
        return names.get(value.upper(), value) if isinstance(value, str) else value

    @field_validator("CLINIC_TIME_ZONE")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        if not known_time_zone(value):  # a misspelt zone must stop the start, not show every time an hour off
            raise ValueError("must be an IANA time-zone name such as Europe/London or UTC")
        return value

    @field_validator("PATIENT_QUIET_HOURS")
    @classmethod
    def _quiet_hours(cls, value: str) -> str:
        QuietHours.parse(value)  # its ValueError names the expected form and stops the start
        return value

    @field_validator("REMINDER_DAYS")
    @classmethod
    def _reminder_days(cls, value: str) -> str:
        parse_days(value)
        return value

    @field_validator("PUBLIC_BASE_URL")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an http:// or https:// address with a host")
        return value

    @field_validator("SECRET_KEY")
    @classmethod
    def _strong_secret(cls, value: str, info: ValidationInfo) -> str:
        problem = secret_problem(value) if _production(info) else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("DATABASE_URL")
    @classmethod
    def _safe_database(cls, value: str, info: ValidationInfo) -> str:
        problem = database_problem(value) if _production(info) and value else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("AUDIT_KEY")
    @classmethod
    def _strong_audit_key(cls, value: str, info: ValidationInfo) -> str:
        if not _production(info):
            return value or DEV_AUDIT_KEY
        problem = audit_key_problem(value, info.data.get("SECRET_KEY"))
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("TRUSTED_PROXIES")
    @classmethod
    def _proxy_networks(cls, value: str) -> str:
        parse_networks(value)  # a bad entry raises ValueError naming it
        return value

    @field_validator("METRICS_TOKEN")
    @classmethod
    def _long_metrics_token(cls, value: str) -> str:
        # A short token could be guessed by anyone who can reach /metrics.
        if value and len(value) < 16:
            raise ValueError("must be at least 16 characters (or unset to switch /metrics off)")
        return value

    @field_validator("OIDC_ISSUER")
    @classmethod
    def _https_oidc_issuer(cls, value: str, info: ValidationInfo) -> str:
        problem = oidc_issuer_problem(value) if _production(info) else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET")
    @classmethod
    def _oidc_client_set(cls, value: str, info: ValidationInfo) -> str:
        # An issuer that failed its own check is missing from info.data: that error is reported already.
        issuer = info.data.get("OIDC_ISSUER") or ""
        problem = oidc_client_problem(issuer, value, info.field_name or "") if _production(info) else None
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("FLASK_DEBUG")
    @classmethod
    def _no_debug_in_production(cls, value: bool, info: ValidationInfo) -> bool:
        if value and _production(info):
            raise ValueError("DEBUG must be off in production")
        return value

    @property
    def production(self) -> bool:
        """Whether this is a production install."""
        return self.TRIAGE_ENV == "production"

    def for_instance(self, instance_path: Path) -> Settings:
        """These settings with the instance folder and the default SQLite database filled in."""
        url = self.DATABASE_URL or f"sqlite:///{instance_path / 'triage.db'}"
        return self.model_copy(update={"TRIAGE_INSTANCE": instance_path, "DATABASE_URL": url})

    def flask_config(self) -> dict[str, Any]:
        """The settings as Flask config keys (plus ENV_NAME and DEBUG, which the web layer reads)."""
        return {**self.model_dump(), "ENV_NAME": self.TRIAGE_ENV, "DEBUG": self.FLASK_DEBUG}


def _production(info: ValidationInfo) -> bool:
    # A TRIAGE_ENV that failed validation is missing from info.data: it counts as production too (fail closed).
    return info.data.get("TRIAGE_ENV", "production") not in RELAXED
