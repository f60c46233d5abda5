"""Resolved settings: command-line flag > environment > config profile > default.

pydantic-settings does the layering: flags arrive as init values, ``ECGRID_*``
variables as the environment source, and the selected profile of the config file as
a custom source below them. Imported only by commands that talk to the API.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, ValidationError, field_validator

from ecgrid_cli import config_file, lean_imports
from ecgrid_cli.errors import UsageError
from ecgrid_cli.profiles import profile_values, select_profile
from ecgrid_cli.redaction import MIN_SECRET_LENGTH
from ecgrid_cli.urls import endpoint_for

lean_imports.pydantic_settings()

from pydantic_settings import (  # noqa: E402
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)


class _ProfileSource(PydanticBaseSettingsSource):
    def __init__(self, settings_cls: type[BaseSettings], values: dict[str, Any]) -> None:
        super().__init__(settings_cls)
        self._values = values

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._values.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._values)


# The selected profile's values, for the source below the environment (set by resolve).
_PROFILE_VALUES: ContextVar[dict[str, Any] | None] = ContextVar("profile_values", default=None)


class Settings(BaseSettings):
    """Everything a command needs to reach the API.

    Sources, highest first: flags (init values), the environment, the selected profile.
    One class, built once at import (each pydantic class costs milliseconds to build).
    """

    # An empty ECGRID_* variable means "not set", as `export ECGRID_BASE_URL=` intends.
    model_config = SettingsConfigDict(env_prefix="ECGRID_", extra="ignore", env_ignore_empty=True)

    api_key: SecretStr | None = None
    api: str | None = None  # "rest" | "soap"; None: follow the base URL (.asmx is SOAP)
    base_url: str | None = None
    timeout: float = Field(30.0, gt=0, le=3600)
    retries: int = Field(5, ge=0, le=50)
    ecgrid_id: int | None = Field(None, ge=1)

    @field_validator("api_key", mode="before")
    @classmethod
    def _clean_api_key(cls, value: Any) -> Any:
        """Keys pasted from CI secrets often carry a newline: strip it; refuse the rest.

        The message never quotes the key.
        """
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if not isinstance(value, str):
            return value
        value = value.strip()
        if any(not (" " <= char <= "~") for char in value):
            raise ValueError(
                "the API key holds characters that cannot be sent in an HTTP header "
                "(only printable ASCII is allowed)"
            )
        if value and len(value) < MIN_SECRET_LENGTH:
            raise ValueError(
                f"the API key is {len(value)} characters long; keys shorter than "
                f"{MIN_SECRET_LENGTH} cannot be kept out of output safely"
            )
        return value

    @field_validator("api", mode="before")
    @classmethod
    def _known_api(cls, value: Any) -> Any:
        if value is None:
            return None
        text = str(value).strip().lower()
        if text not in ("rest", "soap"):
            raise ValueError(f"{value!r} is not an API: choose rest or soap")
        return text

    def endpoint(self) -> tuple[str, str]:
        """``(api, base_url)``: the API in use and the URL its requests go to."""
        return endpoint_for(self.api, self.base_url)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            _ProfileSource(settings_cls, _PROFILE_VALUES.get() or {}),
        )


@dataclass(frozen=True)
class Resolved:
    settings: Settings
    profile: str
    config_path: Path
    sources: dict[str, str]  # setting name -> "flag" | "env" | "profile" | "default"
    warnings: tuple[str, ...]


def resolve(
    *,
    profile: str | None = None,
    api: str | None = None,
    base_url: str | None = None,
    timeout: float | None = None,
    retries: int | None = None,
) -> Resolved:
    path = config_file.config_path()
    data = config_file.load(path)
    warnings = [w for w in [config_file.insecure_mode_warning(path)] if w]
    name, explicit = select_profile(profile, data)
    from_profile = profile_values(name, explicit, data, path)
    flags = {
        key: value
        for key, value in {
            "api": api,
            "base_url": base_url,
            "timeout": timeout,
            "retries": retries,
        }.items()
        if value is not None
    }

    token = _PROFILE_VALUES.set(from_profile)
    try:
        settings = Settings(**flags)
    except ValidationError as exc:
        raise UsageError(_describe(exc, flags, from_profile, name)) from None
    finally:
        _PROFILE_VALUES.reset(token)
    sources = {field: _source(field, flags, from_profile) for field in Settings.model_fields}
    return Resolved(settings, name, path, sources, tuple(warnings))


def _source(field: str, flags: dict[str, Any], from_profile: dict[str, Any]) -> str:
    if field in flags:
        return "flag"
    if os.environ.get(f"ECGRID_{field.upper()}"):
        return "env"
    if field in from_profile:
        return "profile"
    return "default"


def _describe(
    exc: ValidationError, flags: dict[str, Any], from_profile: dict[str, Any], profile: str
) -> str:
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first.get("loc") else "setting"
    where = {
        "flag": f"--{field.replace('_', '-')}",
        "env": f"ECGRID_{field.upper()}",
        "profile": f"{field} in profile {profile!r}",
        "default": field,
    }[_source(field, flags, from_profile)]
    message = str(first.get("msg", "invalid value")).removeprefix("Value error, ")
    return f"invalid {where}: {message}"
