"""Settings read once from the environment and `.env` (prefix INVGOV_)."""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = f"sqlite:///{PROJECT_ROOT / 'data' / 'invgov.db'}"
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]


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

    source_timezone: str = "UTC"
    source_day_first: bool = True
    large_file_rows: int = 20_000
    max_upload_mb: int = 50

    admin_password: SecretStr | None = None
    sqlite_busy_timeout_ms: int = 15_000  # also how long a DuckDB writer waits for the lock

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


def safe_url(url: str) -> str:
    """A database URL with any password masked, fit for logs and status output."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
