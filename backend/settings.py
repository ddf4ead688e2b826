"""Backend settings from the environment (``BASKETCHECK_*``, and ``DATABASE_URL``), with safe defaults.

Development runs with a built-in secret and an SQLite file; any other environment refuses to start with the
default secret.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from backend.db import DEFAULT_DATABASE_URL
from backend.domain.gs1 import DEFAULT_STORE_SCHEME, StoreScheme
from backend.domain.money import currency_exponent

DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-a-store"


class Settings(BaseSettings):
    """Everything the backend reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="BASKETCHECK_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = Field(
        default=DEFAULT_DATABASE_URL, validation_alias=AliasChoices("DATABASE_URL", "BASKETCHECK_DATABASE_URL")
    )
    secret_key: SecretStr = SecretStr(DEVELOPMENT_SECRET)
    currency: str = "EUR"
    variable_measure_patterns: list[str] = Field(
        default_factory=lambda: [s.pattern for s in DEFAULT_STORE_SCHEME.schemes]
    )
    bind_nonce_ttl_s: int = Field(default=120, ge=10, le=3600)
    # A trip bound to a unit (checking out, or re-checking) left alone this long is abandoned, its card hold
    # voided, and the unit is free again.
    unit_bound_timeout_s: int = Field(default=300, ge=30, le=24 * 3600)
    verdict_max_age_s: int = Field(default=120, ge=5, le=3600)
    shopper_token_ttl_h: int = Field(default=24 * 30, ge=1)
    staff_session_ttl_h: int = Field(default=12, ge=1)

    @model_validator(mode="after")
    def _refuse_default_secret(self) -> Settings:
        if self.environment != "development" and self.secret_key.get_secret_value() == DEVELOPMENT_SECRET:
            raise ValueError(
                f"BASKETCHECK_SECRET_KEY must be set outside development (environment is {self.environment!r})"
            )
        if len(self.secret_key.get_secret_value()) < 16:
            raise ValueError("BASKETCHECK_SECRET_KEY must be at least 16 characters")
        currency_exponent(self.currency)
        self.store_scheme()  # a bad pattern is a start-up error, not a scan-time one
        return self

    def store_scheme(self) -> StoreScheme:
        return StoreScheme.from_patterns(self.variable_measure_patterns)
