from __future__ import annotations

import csv
import json
from pathlib import Path

import yaml
from survey_definition import DEFINITION
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.store import Workspace

runner = CliRunner()


def _run(*args: str) -> dict[str, object]:
    result = runner.invoke(app, [*args, "--json"])
    data: dict[str, object] = json.loads(result.stdout)
    return data


def test_create_publish_invite_qr_list(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws").close()
    (tmp_path / "visit.yaml").write_text(yaml.safe_dump(DEFINITION, allow_unicode=True), encoding="utf-8")
    ws = str(tmp_path / "ws")
    created = _run("survey", "create", ws, "--from", str(tmp_path / "visit.yaml"), "--access", "invitation")
    assert created["ok"] and created["form"]["version"] is None  # type: ignore[index]
    published = _run("survey", "publish", ws, "visit", "--base-url", "https://cx.example")
    form = published["form"]
    assert form["version"] == 1 and form["is_open"] and form["link"] == f"https://cx.example/s/{form['slug']}"  # type: ignore[index]
    (tmp_path / "ids.txt").write_text("C1\nC2\n\nC3\n", encoding="utf-8")
    invited = _run(
        "survey", "invite", ws, "visit", "--customers", str(tmp_path / "ids.txt"), "--out", str(tmp_path / "links.csv")
    )
    assert invited["invited"] == 3 and invited["answered"] == 0
    with (tmp_path / "links.csv").open(encoding="utf-8-sig") as fh:
        links = list(csv.DictReader(fh))
    assert [r["customer"] for r in links] == ["C1", "C2", "C3"] and "?i=" in links[0]["link"]
    anonymous = _run("survey", "invite", ws, "visit", "--count", "2")
    assert len(anonymous["invitations"]) == 2 and anonymous["invited"] == 5  # type: ignore[arg-type]
    svg = _run("survey", "qr", ws, "visit", "--out", str(tmp_path / "visit.svg"))
    assert svg["ok"] and (tmp_path / "visit.svg").read_text(encoding="utf-8").startswith("<svg")
    _run("survey", "qr", ws, "visit", "--out", str(tmp_path / "visit.png"))
    assert (tmp_path / "visit.png").read_bytes()[:4] == b"\x89PNG"
    listed = _run("survey", "list", ws)
    assert [f["code"] for f in listed["forms"]] == ["visit"]  # type: ignore[union-attr]
    closed = _run("survey", "close", ws, "visit")
    assert closed["form"]["is_open"] is False  # type: ignore[index]


def test_errors_are_clear(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "ws").close()
    ws = str(tmp_path / "ws")
    both = _run("survey", "create", ws)
    assert both == {
        "ok": False,
        "error": "ConfigurationError",
        "message": "give exactly one of --from FILE.yaml or --from-survey CODE",
    }
    (tmp_path / "bad.yaml").write_text("code: x\nquestions:\n  - {code: a, type: likert}\n", encoding="utf-8")
    bad = _run("survey", "create", ws, "--from", str(tmp_path / "bad.yaml"))
    assert "needs `scale: [min, max]`" in str(bad["message"])
    assert _run("survey", "publish", ws, "nope")["error"] == "SurveyNotFoundError"
    assert "must end in .svg or .png" in str(_run("survey", "qr", ws, "x", "--out", "x.gif")["message"])
    plain = runner.invoke(app, ["survey", "list", ws, "--lang", "zh"])
    assert plain.exit_code == 0 and "问卷表单" in plain.stdout
