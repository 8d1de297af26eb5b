"""Settings from the environment and ``.env``: one typed object, validated once, secrets hidden.

Every field here must appear, commented, in ``.env.example`` (a test checks it). Field names are
the environment variable names, lower-cased.

An empty value (``DIGEST_TAXONOMY=`` as in ``.env.example``) means "the default", for every
setting. Relative paths written in a ``.env`` file are relative to that file's folder, so cron
running ``python -m bot --once`` from elsewhere (``DIGEST_ENV_FILE=/srv/digest/.env``) uses the
same database as the bot.
"""

from __future__ import annotations

import difflib
import logging
import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from digest.errors import ConfigError

HF_DAILY_URL = "https://huggingface.co/api/daily_papers?date={date}"

log = logging.getLogger(__name__)

#: Variables read outside ``Settings`` (so not "unknown"): the .env file to use, and the folder of
#: the real data used by benchmarks.
OTHER_VARIABLES = {"DIGEST_ENV_FILE", "DIGEST_SHARED_DATA"}
#: Settings that are paths: relative values from a .env file resolve against its folder.
PATH_SETTINGS = ("digest_db", "digest_out", "digest_taxonomy", "digest_site_dir")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore",
                                      env_ignore_empty=True)

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
    discord_application_id: int | None = None
    # --- subscriptions / scheduler ---
    digest_admins: str = ""
    digest_scheduler_interval: float = Field(30.0, gt=0)
    digest_follows: bool = True  # personal follows and their ping (issue 16); off disables both
    # --- deployment ---
    digest_log_format: str = "text"
    digest_health_port: int = Field(8080, ge=0, le=65535)
    port: int = Field(3000, ge=1, le=65535)
    digest_site_url: str = ""
    digest_site_dir: Path | None = None

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

    @field_validator("digest_log_format")
    @classmethod
    def _log_format(cls, v: str) -> str:
        v = v.strip().lower()
        if v not in {"text", "json"}:
            raise ValueError("must be text or json")
        return v

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


def env_file() -> Path | None:
    """The .env file settings come from: ``DIGEST_ENV_FILE``, else ``.env`` in the current folder."""
    chosen = os.environ.get("DIGEST_ENV_FILE", "").strip()
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError(f"DIGEST_ENV_FILE: no such file {chosen}")
        return path
    default = Settings.model_config.get("env_file")
    return Path(default) if default and Path(default).is_file() else None


def _file_values(path: Path | None) -> dict[str, str]:
    if path is None:
        return {}
    from dotenv import dotenv_values

    return {k.upper(): v for k, v in dotenv_values(path, encoding="utf-8").items() if v is not None}


def _anchor_paths(settings: Settings, path: Path, from_file: dict[str, str], given=()) -> None:
    """Relative paths that came from the .env file (not the environment, not ``given`` as
    arguments) -> beside that file."""
    folder = path.resolve().parent
    if folder == Path.cwd().resolve():
        return  # same meaning either way; keep the short relative paths in messages
    for name in PATH_SETTINGS:
        value = getattr(settings, name)
        if (value is not None and not value.is_absolute() and from_file.get(name.upper(), "").strip()
                and name.upper() not in os.environ and name not in given):
            object.__setattr__(settings, name, folder / value)


def warn_unknown(names) -> list[str]:
    """A warning per ``DIGEST_*`` name that is no setting, with the closest known name."""
    known = sorted({n.upper() for n in Settings.model_fields} | OTHER_VARIABLES)
    lines = []
    for name in sorted({n.upper() for n in names}):
        if not name.startswith("DIGEST_") or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        lines.append(f"unknown setting {name} is ignored{hint}")
    for line in lines:
        log.warning(line)
    return lines


def load_settings(**overrides) -> Settings:
    """Build settings, turning a validation error into one readable line. ``_env_file`` (as
    pydantic-settings takes it) overrides the .env file; None: none at all."""
    path = overrides.pop("_env_file") if "_env_file" in overrides else env_file()
    path = Path(path) if path is not None else None
    from_file = _file_values(path)
    try:
        settings = Settings(_env_file=path, **overrides)
    except ValidationError as err:
        first = err.errors()[0]
        name = ".".join(str(p) for p in first["loc"]).upper()
        where = f" (in {path})" if path is not None and name in from_file else ""
        raise ConfigError(f"setting {name}: {first['msg']}{where}") from None
    if path is not None:
        _anchor_paths(settings, path, from_file, overrides)
    _warn_once(tuple(sorted(set(os.environ) | set(from_file))))
    return settings


@lru_cache(maxsize=8)
def _warn_once(names: tuple[str, ...]) -> None:
    warn_unknown(names)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return load_settings()
