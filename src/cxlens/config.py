"""Settings, read from the environment (``CXLENS_*``), then a ``.env`` file in the working folder, then
defaults. ``SETTINGS`` is the documented list; ``tests/test_config.py`` checks that the README documents
every one of them.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from cxlens.exceptions import ConfigurationError

__all__ = [
    "ANALYTICS_ENGINES",
    "SETTINGS",
    "Setting",
    "Settings",
    "check_engine",
    "check_timezone",
    "engine_override",
    "load_settings",
    "read_yaml_mapping",
    "set_engine_override",
]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: str | None
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CXLENS_DATABASE_URL",
        None,
        "Store the workspace's records in this database instead of the folder's DuckDB file, e.g. "
        "postgresql+psycopg://user@host/db. Overrides the URL saved in the workspace.",
    ),
    Setting(
        "CXLENS_TIMEZONE",
        "UTC",
        "Time zone in which timestamps without an offset are read on import (e.g. Asia/Shanghai). "
        "Everything is stored in UTC.",
    ),
    Setting("CXLENS_LANG", None, "Language of CLI labels: zh or en (default: from LANG, else en)."),
    Setting(
        "CXLENS_SECRET_KEY",
        None,
        "Key that signs the web app's session and CSRF cookies (default: random, kept in the workspace's "
        "web-secret.key).",
    ),
    Setting(
        "CXLENS_SURVEY_RATE_LIMIT",
        "30/min",
        "Public survey submissions accepted per client IP, as COUNT/PERIOD (e.g. 30/min, 5/10s; 0/min: no "
        "limit). More get HTTP 429 with a page saying when to retry.",
    ),
    Setting(
        "CXLENS_SMTP_URL",
        None,
        "Mail server for scheduled reports (cxlens report run-due): smtp://[user:password@]host[:port] "
        "(add ?starttls=1 to upgrade the connection) or smtps://… for implicit TLS.",
    ),
    Setting("CXLENS_SMTP_FROM", "cxlens@localhost", "Sender address of scheduled report e-mails."),
    Setting(
        "CXLENS_ENGINE",
        None,
        "Where metrics, driver analysis and scoring run: duckdb, postgres or pyspark. Overrides the workspace "
        "setting analytics.engine (default: the records' own database, DuckDB or PostgreSQL).",
    ),
    Setting(
        "CXLENS_SPARK_MASTER",
        "local[*]",
        "Spark master of the pyspark engine, e.g. local[4] or spark://host:7077.",
    ),
    Setting(
        "CXLENS_SPARK_REMOTE",
        None,
        "Spark Connect server of the pyspark engine, sc://host:port (replaces CXLENS_SPARK_MASTER; needs "
        "pip install 'cxlens[spark-connect]').",
    ),
)

#: the analytics engines a workspace can run on (``CXLENS_ENGINE``, workspace setting ``analytics.engine``)
ANALYTICS_ENGINES = ("duckdb", "postgres", "pyspark")


@dataclass(frozen=True, slots=True)
class Settings:
    database_url: str | None
    timezone: str
    lang: str
    survey_rate_limit: str = "30/min"
    smtp_url: str | None = None
    smtp_from: str = "cxlens@localhost"
    engine: str | None = None
    spark_master: str = "local[*]"
    spark_remote: str | None = None


def _read_dotenv(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    if not path.is_file():
        return values
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("'\"")
    return values


def read_yaml_mapping(path: Path, what: str, error: type[ValueError]) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping (a survey definition, a column mapping …).

    Raises ``error`` naming the file when it cannot be read, is not YAML, or is not a mapping."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise error(f"{path}: cannot read the {what}: {err}") from err
    if not isinstance(data, dict):
        raise error(f"{path}: a {what} must be a YAML mapping (key: value lines)")
    return data


def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise :class:`ConfigurationError`."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigurationError(f"unknown time zone {name!r}; use an IANA name such as Asia/Shanghai") from exc
    return name


def load_settings(environ: dict[str, str] | None = None, dotenv: Path | None = None) -> Settings:
    """Read the settings: the environment wins over ``.env``, which wins over the defaults."""
    env = dict(os.environ) if environ is None else environ
    merged = {
        **_read_dotenv(dotenv or Path(".env")),
        **{k: v for k, v in env.items() if k.startswith("CXLENS_")},
    }
    values = {s.name: merged.get(s.name, s.default) for s in SETTINGS}
    lang = values["CXLENS_LANG"] or ("zh" if env.get("LANG", "").lower().startswith("zh") else "en")
    if lang not in ("zh", "en"):
        raise ConfigurationError(f"CXLENS_LANG must be zh or en, not {lang!r}")
    return Settings(
        database_url=values["CXLENS_DATABASE_URL"] or None,
        timezone=check_timezone(values["CXLENS_TIMEZONE"] or "UTC"),
        lang=lang,
        survey_rate_limit=values["CXLENS_SURVEY_RATE_LIMIT"] or "30/min",
        smtp_url=values["CXLENS_SMTP_URL"] or None,
        smtp_from=values["CXLENS_SMTP_FROM"] or "cxlens@localhost",
        engine=check_engine(values["CXLENS_ENGINE"] or None, "CXLENS_ENGINE"),
        spark_master=values["CXLENS_SPARK_MASTER"] or "local[*]",
        spark_remote=_check_remote(values["CXLENS_SPARK_REMOTE"] or None),
    )


#: the engine named by ``cxlens --engine`` for the running command (None: not given)
_ENGINE_OVERRIDE: ContextVar[str | None] = ContextVar("cxlens_engine_override", default=None)


def set_engine_override(name: str | None) -> None:
    """Make ``name`` the analytics engine of this thread, ahead of ``CXLENS_ENGINE`` and the workspace setting
    (``None``: back to the settings). The CLI's global ``--engine`` option calls this."""
    _ENGINE_OVERRIDE.set(check_engine(name, "--engine"))


def engine_override() -> str | None:
    """The engine set by :func:`set_engine_override` in this thread, if any."""
    return _ENGINE_OVERRIDE.get()


def check_engine(name: str | None, where: str) -> str | None:
    """Return ``name`` if it is one of :data:`ANALYTICS_ENGINES` (or None), else raise
    :class:`ConfigurationError` naming the setting it came from (``where``) and the allowed values."""
    if name is None or name in ANALYTICS_ENGINES:
        return name
    raise ConfigurationError(
        f"{where} is {name!r}, which is not an analytics engine; use one of {', '.join(ANALYTICS_ENGINES)}"
    )


def _check_remote(url: str | None) -> str | None:
    if url is not None and not url.startswith("sc://"):
        raise ConfigurationError(f"CXLENS_SPARK_REMOTE must be a Spark Connect URL sc://host:port, not {url!r}")
    return url
