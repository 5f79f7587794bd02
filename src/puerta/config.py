"""Settings, read once from the environment (prefix ``PUERTA_``).

Every setting is documented in ``docs/operations.md``; a test keeps the two in step.
"""

from __future__ import annotations

from datetime import time
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from puerta.limits import rules
from puerta.ports import catalogue

#: The proof of work's defaults, measured (BENCHMARKS.md, "Proof of work"): a mid-range
#: phone finds the counter in about a second.
POW_MAX_NUMBER = 5_000
POW_COST = 100


def _rate(text: str) -> str:
    rules.parse("setting", text)  # a ValueError names the setting that is wrong
    return text


#: A rate in the ``limits`` notation, several windows separated by ``;`` ("5/day").
Rate = Annotated[str, AfterValidator(_rate)]


class Settings(BaseSettings):
    """Runtime configuration. Defaults are safe for a single-machine demo."""

    model_config = SettingsConfigDict(env_prefix="PUERTA_", env_file=".env", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy URL; empty means the embedded SQLite file under data_dir.",
    )
    data_dir: Path = Field(default=Path("var"), description="Where SQLite, photos and logs live.")
    secret_key: str = Field(
        default="dev-only-change-me",
        description="Key for signing (draw seeds, codes). Must be set in production.",
    )
    environment: str = Field(default="development", description="development | production")

    default_language: str = Field(
        default="en",
        description="Language when the reader's is not known or has no catalog (BCP 47).",
    )
    timezone: str = Field(default="America/New_York", description="Zone of the daily window.")
    window_opens: time = Field(default=time(12, 0), description="Request window opens (local).")
    window_closes: time = Field(default=time(11, 0), description="Window closes next day.")
    draw_time: time = Field(default=time(11, 0), description="When the daily draw may run.")
    appointment_lead_days: int = Field(default=14, ge=0, le=90, description="Pool date to visit.")
    daily_capacity: int = Field(default=1450, ge=0, description="Travelers per day, all ports.")
    port_shares: dict[str, float] = Field(
        # The eight ports of the report and their default split, from the catalogue.
        default={p.code: p.default_share for p in catalogue.PORTS},
        description="Share of daily_capacity per port code.",
    )
    seniority_share: float = Field(
        default=0.3, ge=0.0, le=1.0, description="Share of seats for the oldest registrations."
    )
    draw_algorithm: Literal["puerta-fair-v1", "oig-baseline"] = Field(
        default="puerta-fair-v1",
        description="puerta-fair-v1 (one ticket per person, verifiable) or oig-baseline.",
    )
    confirm_hours: int = Field(default=23, ge=1, description="Hours to confirm a selection.")
    extension_hours: int = Field(default=23, ge=0, description="Length of the one extension.")
    max_travelers: int = Field(default=10, ge=1, le=50, description="Travelers per registration.")
    photo_max_bytes: int = Field(default=5_000_000, ge=10_000, description="Largest photo.")
    eligible_area_wkt: str = Field(
        default="",
        description="WKT polygon (lon lat) of where requests may come from; empty = default.",
    )
    liveness_provider: Literal["local", "vendor"] = Field(
        default="local",
        description="local (the photo checks, no vendor) or vendor (the HTTP client of "
        "the contracted liveness vendor, with its rate, quota, breaker and queue).",
    )
    vendor_url: str = Field(
        default="", description="Base URL of the liveness vendor (POST {url}/v1/liveness)."
    )
    vendor_api_key: str = Field(default="", description="Bearer key for the liveness vendor.")
    vendor_rate_per_second: float = Field(
        default=1.0, gt=0, description="The contract's rate: scans a second, all machines."
    )
    vendor_quota: int = Field(
        default=400_000, ge=0, description="The contract's total number of scans."
    )
    vendor_pace_margin: float = Field(
        default=0.05,
        ge=0,
        lt=1,
        description="Share of the contract rate left unused, so that network jitter never "
        "brings two scans to the vendor closer together than the contract allows.",
    )
    vendor_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Seconds one vendor call may take (connect: 3 at most)."
    )
    vendor_max_attempts: int = Field(
        default=4, ge=1, description="Tries of one scan (429, 5xx, time-outs) before it waits."
    )
    vendor_backoff_seconds: float = Field(
        default=0.5, gt=0, description="First back-off between tries; doubles, with full jitter."
    )
    vendor_backoff_max_seconds: float = Field(
        default=30.0, gt=0, description="Longest back-off between two tries."
    )
    vendor_breaker_failures: int = Field(
        default=5, ge=1, description="Consecutive vendor failures that open the circuit breaker."
    )
    vendor_breaker_open_seconds: float = Field(
        default=30.0, gt=0, description="How long the open breaker waits before one probe."
    )
    liveness_worker_idle_seconds: float = Field(
        default=1.0, gt=0, description="How often an idle liveness worker looks at the queue."
    )
    partner_report_jump_factor: float = Field(
        default=3.0,
        ge=1.0,
        description="The partner report flags a day this many times a partner's own 7-day "
        "median, or the other partners' median that day.",
    )
    partner_report_min_volume: int = Field(
        default=20,
        ge=1,
        description="Registrations a partner makes in a day before the report may flag it.",
    )
    known_contacts_path: Path | None = Field(
        default=None,
        description="CSV (kind,value,label) of phones, e-mails and addresses shared by "
        "design (shelters, legal aid, churches): never a ring link in `puerta trends run`.",
    )
    session_hours: int = Field(default=12, ge=1, description="Staff session lifetime.")
    staff_idle_minutes: int = Field(
        default=15, ge=1, description="A staff session ends after this long without a request."
    )
    staff_reauth_minutes: int = Field(
        default=5,
        ge=1,
        description="A sensitive staff action (a review, a disposition) asks the person to "
        "prove who they are again when they last did so longer ago than this.",
    )
    applicant_session_hours: int = Field(
        default=48,
        ge=24,
        description="Applicants' session lifetime: longer than a request window (23 h), so "
        "a sign-in the day before lasts through it.",
    )
    mail_backend: str = Field(default="outbox", description="outbox | smtp")
    smtp_host: str = Field(default="localhost", description="SMTP server host.")
    smtp_port: int = Field(default=25, description="SMTP server port.")
    smtp_from: str = Field(default="no-reply@puerta.invalid", description="Sender address.")
    site_url: str = Field(
        default="http://127.0.0.1:8000",
        description="The site's public address, given in every message Puerta sends.",
    )
    notify_deadline_hours: int = Field(
        default=3,
        ge=0,
        description='Hours before a selection\'s confirmation deadline its "deadline near" '
        "message goes (once per selection); 0: none.",
    )
    sms_backend: Literal["off", "outbox", "gateway"] = Field(
        default="off",
        description="Notices by SMS too: off, outbox (kept in the outbox, never sent) or "
        "gateway (sent after commit through sms_gateway).",
    )
    sms_gateway: str = Field(
        default="",
        description="The SMS gateway as module:factory (a callable taking no argument that "
        "returns an object with send(to, text)); needed by sms_backend=gateway.",
    )
    scheduler_enabled: bool = Field(default=False, description="Run draws and expiry in-process.")
    scheduler_interval_seconds: float = Field(
        default=60.0,
        gt=0,
        description="Seconds between scheduler passes; a process that is not the leader "
        "tries to become it as often.",
    )
    workers: int = Field(
        default=0,
        ge=0,
        description="Worker processes of `puerta serve`; 0 means one per core (os.cpu_count()).",
    )
    graceful_timeout: int = Field(
        default=10,
        ge=3,
        description="Seconds from SIGTERM to exit: in-flight requests drain, the scheduler "
        "stops and the leader lock is released; workers still running then are killed.",
    )
    db_pool_size: int = Field(
        default=24, ge=1, description="Database connections each worker process keeps."
    )
    db_max_overflow: int = Field(
        default=0, ge=0, description="Extra connections a worker may open beyond the pool."
    )
    db_pool_timeout: float = Field(
        default=10.0, gt=0, description="Seconds a request waits for a connection."
    )
    db_hot_pool_size: int = Field(
        default=8,
        ge=1,
        description="Connections of each worker's async pool for the hot path (PostgreSQL).",
    )
    admission_limit: int = Field(
        default=16, ge=1, description="Requests one worker processes at once (applicants')."
    )
    admission_reserved: int = Field(
        default=4, ge=1, description="Further slots only for health checks, metrics and officers."
    )
    admission_queue: int = Field(
        default=1024,
        ge=0,
        description="Requests that may wait for a slot (each a coroutine, no thread); beyond, 503.",
    )
    admission_wait_seconds: float = Field(
        default=0.5, ge=0, description="How long a request waits for a slot before a 503."
    )
    retry_after_seconds: int = Field(
        default=5, ge=1, description="The Retry-After a shed request is given."
    )
    metrics_token: str = Field(
        default="",
        description="Bearer token that opens /metrics beyond loopback; empty: loopback only.",
    )
    face_match_threshold: float = Field(
        default=0.55,
        gt=0,
        lt=2,
        description="Face distance at or under which two photos are called the same person "
        "(measured by `python -m puerta.bench.faces`); evidence for an officer, never a verdict.",
    )
    face_batch_size: int = Field(
        default=20,
        ge=0,
        description="Photos the scheduler encodes a pass (about 0.3 s each, off the request "
        "path); 0: only `puerta faces run` encodes them.",
    )
    pow_max_number: int = Field(
        default=POW_MAX_NUMBER,
        ge=1,
        le=0xFFFFFFFF,
        description="Proof of work on sign-up and on sending a registration: the browser "
        "tries counters from 0 until it finds the one drawn below this; half of it on "
        "average (BENCHMARKS.md: about a second on a mid-range phone).",
    )
    pow_cost: int = Field(
        default=POW_COST,
        ge=1,
        le=100_000,
        description="Proof of work: PBKDF2-SHA-256 iterations per counter tried.",
    )
    pow_expiry_seconds: int = Field(
        default=300,
        ge=30,
        le=3600,
        description="How long a proof-of-work challenge can be solved and used, once.",
    )
    log_format: Literal["json", "text"] = Field(
        default="json",
        description="puerta serve's log lines: json (one object a line) or text.",
    )
    redis_url: str = Field(
        default="",
        description="Redis for the shared limits (redis://host:6379/0); empty: the database. "
        "While Redis cannot be reached, the limits use the database.",
    )
    redis_prefix: str = Field(
        default="puerta", min_length=1, description="Prefix of every key Puerta writes in Redis."
    )
    sign_up_limit_per_address: Rate = Field(
        default="100/hour;1000/day",
        description="Accounts made from one client address (a shelter's phones share one).",
    )
    sign_up_limit_per_device: Rate = Field(
        default="5/day", description="Accounts made from one device."
    )
    registration_limit_per_address: Rate = Field(
        default="100/hour;1000/day", description="Registrations made from one client address."
    )
    registration_limit_per_device: Rate = Field(
        default="5/day", description="Registrations made from one device."
    )
    appointment_check_limit_per_address: Rate = Field(
        default="100/hour",
        description="'Is this appointment real?' checks from one client address.",
    )
    # --- #14 officers' console ---
    live_photo_retention_days: int = Field(
        default=3,
        ge=0,
        le=90,
        description="Days after the appointment day that the confirmation's live photo is kept "
        "for the officers' console; then the scheduler deletes it (the comparison's numbers stay).",
    )

    # --- #14 vetting ---
    watch_list_path: Path | None = Field(
        default=None,
        description="Watch list file (CSV or Parquet) confirmed travelers are vetted against; "
        "unset: no vetting.",
    )
    vetting_batch_size: int = Field(
        default=500,
        ge=0,
        description="Appointments the scheduler vets a pass; 0 leaves it to `puerta vetting run`.",
    )

    @field_validator("watch_list_path", mode="before")
    @classmethod
    def _no_list(cls, value: object) -> object:
        """An empty ``PUERTA_WATCH_LIST_PATH`` means no list, not the current directory."""
        return None if value == "" else value

    # --- #14 second factor ---
    staff_second_factor_attempts: int = Field(
        default=5,
        ge=1,
        description="Wrong second-factor codes in a row (TOTP or recovery) before a staff "
        "account's second factor is locked and its owner mailed.",
    )
    staff_second_factor_lock_minutes: int = Field(
        default=15,
        ge=1,
        description="How long a staff account's second factor stays locked after too many "
        "wrong codes (the password step still works; the code step refuses).",
    )

    @model_validator(mode="after")
    def check_capacity(self) -> Settings:
        """Admitted requests never outnumber connections: the rush cannot deadlock.

        Two connections are kept aside for the in-process scheduler (its jobs take
        one of the pool; the leader lock has a connection of its own, outside it), so
        that admitted requests always find one each.
        """
        spare = self.db_pool_size + self.db_max_overflow - 2
        if self.admission_limit + self.admission_reserved > spare:
            raise ValueError(
                f"admission_limit + admission_reserved ({self.admission_limit} + "
                f"{self.admission_reserved}) must be at most db_pool_size + db_max_overflow "
                f"- 2 ({spare}): an admitted request must always find a connection"
            )
        return self

    @model_validator(mode="after")
    def check_sms(self) -> Settings:
        """A gateway backend with no gateway would keep every SMS unsent without a word."""
        if self.sms_backend == "gateway" and ":" not in self.sms_gateway:
            raise ValueError(
                "sms_backend=gateway needs sms_gateway as module:factory "
                '(docs/operations.md, "Notifications")'
            )
        return self

    @property
    def effective_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'puerta.sqlite3').resolve()}"

    @property
    def photo_dir(self) -> Path:
        return self.data_dir / "photos"

    def port_capacity(self) -> dict[str, int]:
        """Split the daily capacity over ports; rounding leftovers go to the largest shares."""
        total = sum(self.port_shares.values()) or 1.0
        raw = {p: self.daily_capacity * s / total for p, s in self.port_shares.items()}
        caps = {p: int(v) for p, v in raw.items()}
        leftover = self.daily_capacity - sum(caps.values())
        for p in sorted(raw, key=lambda p: raw[p] - caps[p], reverse=True)[:leftover]:
            caps[p] += 1
        return caps


@lru_cache
def get_settings() -> Settings:
    return Settings()


SettingsAnnotated = Annotated[Settings, "settings"]
