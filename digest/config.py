"""Settings from the environment and ``.env``: one typed object, validated once, secrets hidden.

Every field here must appear, commented, in ``.env.example`` (a test checks it). Field names are
the environment variable names, lower-cased.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from digest.errors import ConfigError

HF_DAILY_URL = "https://huggingface.co/api/daily_papers?date={date}"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # --- engine ---
    digest_db: Path = Path("data/digest.db")
    digest_out: Path = Path("out")
    digest_language: str = "ko"
    digest_timezone: str = "UTC"
    digest_taxonomy: Path | None = None
    digest_papers_per_category: int = Field(3, ge=1, le=20)
    digest_sources: str = HF_DAILY_URL
    digest_contact: str = "mailto:ops@example.org"
    digest_http_timeout: float = Field(30.0, gt=0)
    digest_http_retries: int = Field(3, ge=0, le=10)
    digest_arxiv_delay: float = Field(3.0, ge=0)
    digest_log_level: str = "INFO"
    digest_keep_days: int = Field(0, ge=0)
    # --- LLM ---
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    digest_model: str = "gpt-4o-mini"
    digest_llm_timeout: float = Field(60.0, gt=0)
    digest_llm_max_retries: int = Field(2, ge=0, le=10)
    digest_llm_concurrency: int = Field(16, ge=1, le=64)
    digest_llm_batch_size: int = Field(50, ge=1, le=200)
    digest_classifier: str = "auto"
    digest_daily_token_budget: int = Field(300_000, ge=0)
    digest_price_input_per_mtok: float = Field(0.15, ge=0)
    digest_price_output_per_mtok: float = Field(0.60, ge=0)
    # --- follow-up questions ---
    digest_qa_per_user_per_hour: int = Field(20, ge=0)
    # --- Slack ---
    slack_bot_token: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_api_url: str | None = None
    # --- Discord ---
    discord_token: SecretStr | None = None
    discord_api_url: str | None = None
    discord_message_content: bool = True
    # --- subscriptions / scheduler ---
    digest_admins: str = ""
    digest_scheduler_interval: float = Field(30.0, gt=0)

    @field_validator("digest_log_level")
    @classmethod
    def _log_level(cls, v: str) -> str:
        v = v.strip().upper()
        if v not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return v

    @field_validator("digest_language")
    @classmethod
    def _language(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("must name a language, e.g. ko or en")
        return v.lower() if len(v) <= 3 else v

    @field_validator("digest_classifier")
    @classmethod
    def _classifier(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in {"auto", "llm", "keyword"}:
            raise ValueError("must be auto, llm or keyword")
        return v

    @field_validator("openai_api_key", "slack_bot_token", "slack_app_token", "slack_signing_secret",
                     "discord_token", mode="before")
    @classmethod
    def _blank_is_none(cls, v):
        return None if isinstance(v, str) and not v.strip() else v

    @property
    def llm_enabled(self) -> bool:
        return self.openai_api_key is not None

    @property
    def source_list(self) -> list[str]:
        return [s.strip() for s in self.digest_sources.split(",") if s.strip()]

    @property
    def admin_ids(self) -> set[str]:
        return {a.strip() for a in self.digest_admins.split(",") if a.strip()}


def load_settings(**overrides) -> Settings:
    """Build settings, turning a validation error into one readable line."""
    try:
        return Settings(**overrides)
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper()
        raise ConfigError(f"setting {name}: {first['msg']}") from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
