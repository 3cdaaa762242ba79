"""Settings read once from the environment and `.env` (prefix INVGOV_)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'invgov.db'}"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ANY_OTHER_CHANNEL = "*"  # the key of the safety-stock parameters of every channel not named


class ChannelParameters(BaseModel):
    """A channel's safety-stock inputs: service level p, lead time L and its deviation σL (days)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    service_level: Decimal = Field(gt=0, lt=1)
    lead_time_days: Decimal = Field(ge=0)
    lead_time_sd_days: Decimal = Field(ge=0)


def _parameters(p: str, lead: int, sd: int) -> ChannelParameters:
    return ChannelParameters(
        service_level=Decimal(p), lead_time_days=Decimal(lead), lead_time_sd_days=Decimal(sd)
    )


# SPEC section 3.1's defaults, channel → (p, L, σL); "*" is any other channel.
DEFAULT_SAFETY_STOCK_PARAMETERS: dict[str, ChannelParameters] = {
    "amazon": _parameters("0.98", 21, 7),
    "pos": _parameters("0.90", 7, 2),
    "shopify": _parameters("0.95", 14, 3),
    "wholesale": _parameters("0.99", 28, 5),
    ANY_OTHER_CHANNEL: _parameters("0.95", 14, 3),
}


class Settings(BaseSettings):
    """Every knob of the product; thresholds default to SPEC section 3."""

    model_config = SettingsConfigDict(
        env_prefix="INVGOV_",
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,  # an empty variable means "use the default"
        extra="ignore",
    )

    database_url: str = DEFAULT_DATABASE_URL
    item_master_system: str = "erp"
    book_system: str = "wms"
    book_system_by_location: dict[str, str] = Field(default_factory=dict)

    tolerance_a: Decimal = Decimal("0")
    tolerance_b: Decimal = Decimal("0.02")
    tolerance_c: Decimal = Decimal("0.05")
    stalled_order_sla_hours: int = 48
    black_hole_days: int = 7
    sku_naming_pattern: str = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
    required_attributes_by_category: dict[str, list[str]] = Field(default_factory=dict)
    dead_stock_days: int = Field(90, ge=1)
    safety_stock_window_days: int = Field(56, ge=1)
    safety_stock_parameters: dict[str, ChannelParameters] = Field(
        default_factory=lambda: dict(DEFAULT_SAFETY_STOCK_PARAMETERS)
    )

    source_timezone: str = "UTC"
    source_day_first: bool = True
    large_file_rows: int = 20_000
    max_upload_mb: int = 50
    # An import whose file would open more exceptions than this asks for a confirmation first.
    import_confirm_exceptions: int = Field(default=500, ge=0)
    # Bounds on what an import reads (hostile or careless input): see README "Limits".
    max_quantity: int = Field(default=1_000_000_000, ge=1, le=2**31 - 1)
    max_import_rows: int = Field(default=5_000_000, ge=1)
    max_file_mb: int = Field(default=1024, ge=1)
    max_unpacked_mb: int = Field(default=256, ge=1)
    sql_timeout_s: int = Field(default=120, ge=1)

    admin_password: SecretStr | None = None
    sqlite_busy_timeout_ms: int = 15_000  # also how long a DuckDB writer waits for the lock
    write_lock_retries: int = Field(default=8, ge=0)

    spark_master: str = "local[*]"  # `--engine spark`: local mode, or a cluster's master URL
    spark_shuffle_partitions: int = 8
    spark_driver_memory: str = "4g"

    # The weekly cadence (drop folders, worker, digests, alerts): README "The weekly cadence".
    base_url: str = "http://localhost:8501"
    currency: str = "USD"
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_from: str | None = None
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = True
    smtp_timeout_seconds: float = 10.0
    alert_webhook_url: SecretStr | None = None
    alert_timeout_seconds: float = 3.0
    alert_retries: int = 3
    watch_poll_seconds: float = 120.0
    watch_settle_seconds: float = 5.0
    worker_detect_seconds: float = 3600.0
    worker_check_seconds: float = 300.0
    worker_lease_seconds: int = 1800
    worker_user: str = "admin"
    schedule_timezone: str = "UTC"
    digest_weekday: Weekday = "mon"
    digest_hour: int = Field(default=7, ge=0, le=23)
    review_weekday: Weekday = "mon"
    review_hour: int = Field(default=9, ge=0, le=23)
    session_idle_hours: float = Field(default=12, gt=0)
    session_max_hours: float = Field(default=7 * 24, gt=0)
    cookie_secure: str = "auto"  # auto: Secure when the request came over HTTPS; true; false

    @field_validator("safety_stock_parameters", mode="before")
    @classmethod
    def _over_defaults(cls, value: Any) -> Any:
        """The channels named replace SPEC's defaults; the others (and "*") keep them."""
        if not isinstance(value, dict):
            return value
        return {**DEFAULT_SAFETY_STOCK_PARAMETERS, **value}

    @field_validator("safety_stock_parameters")
    @classmethod
    def _sorted(cls, value: dict[str, ChannelParameters]) -> dict[str, ChannelParameters]:
        """Channels in name order (a stable settings digest)."""
        return dict(sorted(value.items()))

    def channel_parameters(self, channel: str | None) -> ChannelParameters:
        """The safety-stock inputs of a channel as stored; any other channel's when not named."""
        chosen = self.safety_stock_parameters
        return chosen.get(channel or "", chosen[ANY_OTHER_CHANNEL])

    def domain_owners(self) -> dict[str, str]:
        """Default field ownership by domain (SPEC section 4): the system whose data wins."""
        return {
            "item_master": self.item_master_system,
            "warehouse_stock": self.book_system,
            "order_routing": "oms",
            "store_transactions": "pos",
            "finance": "erp",
        }

    def tolerance_for(self, abc_class: str | None) -> Decimal:
        """Count tolerance of an ABC class (empty or unknown: 0)."""
        return {"A": self.tolerance_a, "B": self.tolerance_b, "C": self.tolerance_c}.get(
            abc_class or "", Decimal("0")
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (validated once)."""
    return Settings()


def settings_error_text(exc: ValidationError) -> str:
    """One line naming each invalid setting (its variable) and why, e.g. for the CLI."""
    problems = []
    for error in exc.errors():
        name, *inner = (str(part) for part in error["loc"])
        where = f" ({'.'.join(inner)})" if inner else ""
        problems.append(
            f"{Settings.model_config['env_prefix']}{name.upper()}{where}: {error['msg']}"
        )
    return "invalid settings: " + "; ".join(problems)


def safe_url(url: str) -> str:
    """A database URL with any password masked, fit for logs and status output."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
