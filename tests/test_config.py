from __future__ import annotations

from pathlib import Path

import pytest

from cxlens.config import SETTINGS, load_settings
from cxlens.exceptions import ConfigurationError

README = Path(__file__).resolve().parent.parent / "README.md"


def test_environment_beats_dotenv_beats_defaults(tmp_path: Path) -> None:
    dotenv = tmp_path / ".env"
    dotenv.write_text("CXLENS_TIMEZONE=Asia/Shanghai\nCXLENS_LANG=zh\n", encoding="utf-8")
    assert load_settings({}, tmp_path / "none").timezone == "UTC"
    assert load_settings({}, dotenv).timezone == "Asia/Shanghai"
    assert load_settings({"CXLENS_TIMEZONE": "Europe/Berlin"}, dotenv).timezone == "Europe/Berlin"
    assert load_settings({"LANG": "zh_CN.UTF-8"}, tmp_path / "none").lang == "zh"


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="time zone"):
        load_settings({"CXLENS_TIMEZONE": "Nowhere/Here"})
    with pytest.raises(ConfigurationError, match="zh or en"):
        load_settings({"CXLENS_LANG": "fr"})


def test_every_setting_is_documented_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    assert [s.name for s in SETTINGS if s.name not in text] == []


def test_every_cli_command_is_in_the_readme() -> None:
    from cxlens.cli import app

    text = README.read_text(encoding="utf-8")
    commands = [c.name or (c.callback.__name__ if c.callback else "") for c in app.registered_commands]
    assert [c for c in commands if f"cxlens {c.rstrip('_')}" not in text] == []
