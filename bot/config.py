"""Configuration: one pydantic-settings class read from the environment and ``.env``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, TypeVar

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.checkin import supported_countries
from domain.spec import TimezoneName
from storage.db import check_database_url

DEFAULT_DATABASE_URL = "sqlite:///./data/pantau.db"
_TOKEN = re.compile(r"^[0-9]+:[A-Za-z0-9_-]+$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")


class MissingTokenError(Exception):
    """``pantau run`` needs a token; the message says where to get one."""


class Settings(BaseSettings):
    """Every setting Pantau reads. Documented line by line in ``.env.example``."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=False
    )

    telegram_bot_token: SecretStr | None = None
    database_url: str = DEFAULT_DATABASE_URL
    telegram_api_base_url: str | None = None
    pantau_admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    pantau_timezone: TimezoneName = "Asia/Jakarta"
    pantau_language: str = "en"
    # Public holidays that pause check-ins, quiet nudges and weekday digests of trackers that
    # did not choose with /holidays: a country code of the holidays package, or "off".
    pantau_holidays: str = "ID"
    log_level: str = "INFO"
    telegram_webhook_secret: SecretStr | None = None
    pantau_catchup_hours: float = Field(default=6.0, ge=0, le=24 * 14)
    pantau_rate_per_second: float = Field(default=30.0, ge=0)
    pantau_rate_per_group_minute: float = Field(default=20.0, ge=0)
    # Updates of different chats handled at once (one chat's updates always run in order).
    pantau_concurrent_updates: int = Field(default=64, ge=1, le=256)
    # A group over its budget: acknowledgements that would wait longer are merged into one.
    pantau_coalesce_seconds: float = Field(default=10.0, ge=0)
    # Redis shared by every instance for Telegram's send budget (e.g. redis://127.0.0.1:6379).
    pantau_redis_url: str | None = None
    # Prefix of Pantau's keys in that Redis: bots sharing one Redis need different prefixes.
    pantau_redis_prefix: str = Field(default="pantau", min_length=1, max_length=64)
    # Copies of evidence files, named by their SHA-256 (created on first use, files 0600).
    pantau_evidence_dir: Path = Path("data/evidence")
    # `pantau run` tries this many times to reach Telegram at start, waiting 1, 2, 4… s between.
    pantau_start_attempts: int = Field(default=6, ge=1, le=20)

    @field_validator("database_url")
    @classmethod
    def _usable_database(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("telegram_bot_token", "telegram_webhook_secret", mode="before")
    @classmethod
    def _blank_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        # Never echo the value back: a validation error message could end up in a log.
        if value is not None and not _TOKEN.match(value.get_secret_value().strip()):
            raise ValueError(
                "does not look like a bot token (digits, a colon, then letters); "
                "copy it again from @BotFather"
            )
        return value

    @field_validator("telegram_webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not _SECRET.match(value.get_secret_value()):
            raise ValueError("use 1 to 256 characters: letters, digits, _ and -")
        return value

    @field_validator("pantau_redis_url", mode="before")
    @classmethod
    def _blank_redis_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_api_base_url", mode="before")
    @classmethod
    def _blank_url_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("pantau_admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, int):
            return frozenset({value})
        if isinstance(value, str):
            parts = [part.strip() for part in value.split(",") if part.strip()]
            for part in parts:
                if not re.fullmatch(r"[0-9]{1,19}", part):
                    raise ValueError(f"{part!r} is not a numeric Telegram user id")
            return frozenset(int(part) for part in parts)
        return value

    @field_validator("pantau_holidays")
    @classmethod
    def _known_country(cls, value: str) -> str:
        if value.lower() in ("", "off"):
            return "off"
        if value.upper() not in supported_countries():
            raise ValueError("use a country code of the holidays package (e.g. ID), or off")
        return value.upper()

    @field_validator("pantau_language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        if value.lower() not in ("en", "id"):
            raise ValueError("use en (English) or id (Bahasa Indonesia)")
        return value.lower()

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("use DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    def require_token(self) -> str:
        if self.telegram_bot_token is None:
            raise MissingTokenError(
                "TELEGRAM_BOT_TOKEN is not set: get a token from @BotFather and put "
                "TELEGRAM_BOT_TOKEN=... in .env (see .env.example), or try `pantau demo`."
            )
        return self.telegram_bot_token.get_secret_value().strip()

    @property
    def base_url(self) -> str | None:
        """PTB's ``base_url`` (``…/bot``) for a self-hosted Bot API server or an emulator."""
        if self.telegram_api_base_url is None:
            return None
        url = self.telegram_api_base_url.rstrip("/")
        return url if url.endswith("/bot") else f"{url}/bot"

    @property
    def base_file_url(self) -> str | None:
        """Where files are downloaded from on that server (``…/file/bot``), as on Telegram."""
        base = self.base_url
        return None if base is None else base.removesuffix("/bot") + "/file/bot"


T = TypeVar("T")


def configured(value: T | None, by: str) -> T:
    """An attribute the application factory sets after construction (PTB builds the bot and
    the context first), read where it must be set: ``by`` says who sets it, for the assertion
    a wiring mistake would fail."""
    assert value is not None, by
    return value
