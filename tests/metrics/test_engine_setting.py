"""The analytics engine is a setting: ``cxlens --engine``, then ``CXLENS_ENGINE``, then the workspace's
``analytics.engine``, then the records' own database. The CLI, driver analysis and relationship-quality scoring
give the same figures on the configured Spark engine as on DuckDB, and a Spark snapshot follows new data."""

from __future__ import annotations

import gc
import importlib.util
import json
import math
import os
import shutil
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from cxlens.cli import app
from cxlens.config import load_settings, set_engine_override
from cxlens.exceptions import ConfigurationError
from cxlens.metrics import Analytics, compute, engines
from cxlens.metrics.engines import configured_engine, record_version
from cxlens.store import Workspace

runner = CliRunner()
HAS_SPARK = importlib.util.find_spec("pyspark") is not None and shutil.which("java") is not None
ALLOWED = "duckdb, postgres, pyspark"


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Workspace]:
    monkeypatch.delenv("CXLENS_ENGINE", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env of the working folder
    with Workspace.init(tmp_path / "ws") as ws:
        yield ws
    set_engine_override(None)


def test_the_engine_comes_from_option_then_environment_then_workspace(
    empty: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert configured_engine(empty) == "duckdb"  # the records' database
    empty.set_setting("analytics", {"engine": "pyspark"})
    with Workspace.open(empty.path) as again:  # saved in workspace.json
        assert again.settings["analytics"] == {"engine": "pyspark"}
        assert configured_engine(again) == "pyspark"
    monkeypatch.setenv("CXLENS_ENGINE", "postgres")
    assert configured_engine(empty) == "postgres"
    set_engine_override("duckdb")
    assert configured_engine(empty) == "duckdb"
    set_engine_override(None)
    assert configured_engine(empty) == "postgres"


def test_the_spark_settings_are_read_with_their_defaults() -> None:
    settings = load_settings({}, Path("/nonexistent/.env"))
    assert (settings.engine, settings.spark_master, settings.spark_remote) == (None, "local[*]", None)
    given = {"CXLENS_ENGINE": "pyspark", "CXLENS_SPARK_MASTER": "local[2]", "CXLENS_SPARK_REMOTE": "sc://h:15002"}
    settings = load_settings(given, Path("/nonexistent/.env"))
    assert (settings.engine, settings.spark_master, settings.spark_remote) == ("pyspark", "local[2]", "sc://h:15002")
    with pytest.raises(ConfigurationError, match=r"CXLENS_SPARK_REMOTE must be a Spark Connect URL sc://"):
        load_settings({"CXLENS_SPARK_REMOTE": "http://h:15002"}, Path("/nonexistent/.env"))


def test_a_bad_engine_name_names_the_setting_and_the_allowed_values(
    empty: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CXLENS_ENGINE", "sparky")
    result = runner.invoke(app, ["metric", "nps", str(empty.path), "--json"])
    body = json.loads(result.stdout)
    assert result.exit_code == 1 and body["error"] == "ConfigurationError"
    assert body["message"] == f"CXLENS_ENGINE is 'sparky', which is not an analytics engine; use one of {ALLOWED}"
    monkeypatch.delenv("CXLENS_ENGINE")

    result = runner.invoke(app, ["--engine", "spork", "metric", "nps", str(empty.path), "--json"])
    assert result.exit_code == 2 and "--engine is 'spork'" in result.output and ALLOWED in result.output

    pattern = rf"workspace setting analytics\.engine.*'sparky'.*{ALLOWED}"
    with pytest.raises(ConfigurationError, match=pattern):
        empty.set_setting("analytics", {"engine": "sparky"})
    with pytest.raises(ConfigurationError, match='"analytics" takes only "engine"'):
        empty.set_setting("analytics", {"engin": "duckdb"})
    manifest = empty.path / "workspace.json"
    for bad, message in (({"engine": "sparky"}, pattern), ({"engin": "duckdb"}, r'"analytics" must be a mapping')):
        data = json.loads(manifest.read_text(encoding="utf-8"))
        manifest.write_text(json.dumps({**data, "settings": {"analytics": bad}}), encoding="utf-8")
        with Workspace.open(empty.path) as edited, pytest.raises(ConfigurationError, match=message):
            Analytics.for_workspace(edited)
    with pytest.raises(ValueError, match=f"unknown engine 'sparky'; engines are {ALLOWED}"):
        Analytics.for_workspace(empty, "sparky")


def test_an_engine_that_cannot_read_the_records_says_which_to_set(empty: Workspace) -> None:
    empty.set_setting("analytics", {"engine": "postgres"})
    with pytest.raises(ConfigurationError, match="postgres engine reads PostgreSQL workspaces.*duckdb or pyspark"):
        Analytics.for_workspace(empty)


def test_the_record_version_moves_with_every_import(tmp_path: Path) -> None:
    from cxlens.ingest import import_file

    with Workspace.init(tmp_path / "ws") as ws:
        before = record_version(ws)
        assert before == (0, 0, 0, 0, 0, None)
        (tmp_path / "fb.csv").write_text(
            "feedback_id,source_type,text,created_at\nF1,complaint,太慢了,2025-01-01\n", encoding="utf-8"
        )
        import_file(ws, tmp_path / "fb.csv", "feedback")
        after = record_version(ws)
        assert after[1:5] == (1, 0, 0, 1) and after[0] > 0


# -- on Spark: one demo workspace, one Spark session for the whole module ----------------------------------------
spark = pytest.mark.skipif(not HAS_SPARK, reason="pyspark or java is not installed")


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cxlens.datasets.build import build_demo

    path = tmp_path_factory.mktemp("engine-setting") / "demo"
    build_demo(path, scale=0.05).close()
    return path


def cli(*args: str, engine: str | None = None) -> dict[str, Any]:
    env = {"CXLENS_ENGINE": engine} if engine else {}
    result = runner.invoke(app, list(args), env=env)
    assert result.exit_code == 0, result.output
    return dict(json.loads(result.stdout))


def same(a: Any, b: Any) -> None:
    """Equal JSON values, numbers to 1e-9 relative (Spark and DuckDB sum in different orders)."""
    if isinstance(a, dict):
        assert set(a) == set(b)
        for key in a:
            same(a[key], b[key])
    elif isinstance(a, list):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            same(x, y)
    elif isinstance(a, float) or isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12) or (math.isnan(a) and math.isnan(b)), (a, b)
    else:
        assert a == b


@spark
@pytest.mark.spark
@pytest.mark.parametrize(
    "args",
    [
        ["metric", "nps", "--by", "segment", "--every", "quarter"],
        ["metric", "csat", "--by", "region"],
        ["metric", "first_response_time", "--by", "team", "--every", "month"],
        ["metric", "retention_rate", "--every", "quarter"],
    ],
    ids=["nps", "csat", "first_response_time", "retention_rate"],
)
def test_cli_metrics_on_the_configured_spark_engine_equal_duckdb(
    demo: Path, spark_session: Any, args: list[str]
) -> None:
    command = [*args[:2], str(demo), *args[2:], "--json"]
    on_spark = cli(*command, engine="pyspark")
    on_duckdb = cli(*command)
    assert on_spark["rows"], "the metric has rows"
    same(on_spark, on_duckdb)
    with Workspace.open(demo) as ws:
        assert str(ws.url) in engines._SNAPSHOTS  # it really ran on Spark


@spark
@pytest.mark.spark
def test_driver_analysis_on_the_configured_spark_engine_equals_duckdb(demo: Path, spark_session: Any) -> None:
    command = ["drivers", str(demo), "--survey", "satisfaction_2025", "--outcome", "overall", "--json"]
    result = runner.invoke(app, ["--engine", "pyspark", *command])
    assert result.exit_code == 0, result.output
    on_duckdb = cli(*command, engine="duckdb")
    on_spark = json.loads(result.stdout)
    assert on_spark["fit"]["n"] > 50 and len(on_spark["drivers"]) == 5
    same(on_spark, on_duckdb)


@spark
@pytest.mark.spark
def test_quality_scores_on_the_configured_spark_engine_equal_duckdb(
    demo: Path, spark_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cxlens.quality.score import score_customers

    with Workspace.open(demo) as ws:
        duck = score_customers(Analytics.for_workspace(ws, "duckdb"))
        monkeypatch.setenv("CXLENS_ENGINE", "pyspark")
        on_spark = score_customers(ws)
        assert Analytics.for_workspace(ws).engine == "pyspark"
    assert on_spark.window == duck.window and len(duck.scored) > 50
    # 1e-7, not 1e-12: sa.Float columns (answers.value_number) are 4-byte REAL in DuckDB, so DuckDB's arithmetic
    # on them rounds to float32 (~6e-8), while the Spark copy holds them as doubles
    pd.testing.assert_frame_equal(
        on_spark.raw.sort_index(), duck.raw.sort_index(), check_dtype=False, check_exact=False, rtol=1e-7
    )
    assert on_spark.customers["score"].tolist() == pytest.approx(
        duck.customers["score"].tolist(), rel=1e-7, nan_ok=True
    )
    assert on_spark.customers["tier"].tolist() == duck.customers["tier"].tolist()


@spark
@pytest.mark.spark
def test_the_web_api_on_the_configured_spark_engine_equals_duckdb(
    demo: Path, spark_session: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from cxlens.web import create_app

    user = runner.invoke(app, ["users", "add", str(demo), "api-reader", "--password-stdin"], input="pw-api-reader-1\n")
    assert user.exit_code == 0, user.output
    token = cli("tokens", "create", str(demo), "api-reader", "--name", "engine test", "--json")["token"]
    url = "/api/v1/metrics/csat?by=segment&every=quarter"
    answers = {}
    monkeypatch.setattr(engines, "_SNAPSHOTS", OrderedDict())  # no Spark copy yet in this "process"
    for engine in ("duckdb", "pyspark"):
        monkeypatch.setenv("CXLENS_ENGINE", engine)
        with TestClient(create_app(demo)) as client:
            got = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert got.status_code == 200, got.text
        answers[engine] = got.json()
    assert answers["duckdb"]["rows"] and len(engines._SNAPSHOTS) == 1  # the pyspark request copied to Spark
    same(answers["pyspark"], answers["duckdb"])


@spark
@pytest.mark.spark
def test_a_long_lived_process_on_spark_sees_new_data(
    demo: Path, spark_session: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from cxlens.ingest import import_file

    monkeypatch.setenv("CXLENS_ENGINE", "pyspark")
    with Workspace.open(demo) as ws:  # the web app keeps its workspace open like this
        first = Analytics.for_workspace(ws)
        assert first.data_version() == record_version(ws)
        assert Analytics.for_workspace(ws).backend is first.backend  # unchanged data: the same snapshot
        before = compute(ws, "nps", survey="relationship_nps").iloc[0]
        (tmp_path / "r.csv").write_text(
            "response_id,submitted_at,nps\nX1,2026-01-05 10:00,0\nX2,2026-01-06 10:00,0\n", encoding="utf-8"
        )
        import_file(ws, tmp_path / "r.csv", "responses", survey="relationship_nps")
        second = Analytics.for_workspace(ws)
        assert second.backend is not first.backend and second.data_version() == record_version(ws)
        after = compute(ws, "nps", survey="relationship_nps").iloc[0]
        assert after["n"] == before["n"] + 2
        duck = compute(Analytics.for_workspace(ws, "duckdb"), "nps", survey="relationship_nps").iloc[0]
        assert after["value"] == pytest.approx(duck["value"], rel=1e-12)
    folder = _snapshot_folder(first)
    del first
    gc.collect()
    assert folder.name.startswith("cxlens-spark-") and not folder.exists()  # removed once unused


def _snapshot_folder(an: Analytics) -> Path:
    rows = an.backend._session.sql("SELECT input_file_name() AS f FROM responses LIMIT 1").collect()
    return Path(rows[0]["f"].removeprefix("file://")).parent


HAS_CONNECT = HAS_SPARK and all(importlib.util.find_spec(m) for m in ("grpc", "grpc_status", "zstandard"))


@spark
@pytest.mark.spark
@pytest.mark.slow
@pytest.mark.skipif(not HAS_CONNECT, reason="the Spark Connect client (pip install 'pyspark[connect]') is missing")
def test_cli_on_a_spark_connect_server_equals_duckdb(demo: Path, spark_session: Any) -> None:
    """A Spark Connect server on this test run's Spark (loopback only) and ``cxlens metric`` as its client in
    another process (a Connect session switches the whole process's pyspark into client mode)."""
    import socket
    import subprocess
    import sys

    context = spark_session.sparkContext
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = context._jsc.sc().conf()
    conf.set("spark.connect.grpc.binding.address", "127.0.0.1")
    conf.set("spark.connect.grpc.binding.port", str(port))
    context._jvm.org.apache.spark.sql.connect.service.SparkConnectService.start(context._jsc.sc())
    command = ["metric", "nps", str(demo), "--by", "segment", "--every", "quarter", "--json"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXLENS_")}
    env |= {"CXLENS_ENGINE": "pyspark", "CXLENS_SPARK_REMOTE": f"sc://127.0.0.1:{port}"}
    done = subprocess.run(
        [sys.executable, "-c", "from cxlens.cli import main; main()", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr[-2000:]
    on_connect = json.loads(done.stdout)
    assert on_connect["rows"]
    same(on_connect, cli(*command, engine="duckdb"))


# -- records in PostgreSQL: the default engine is postgres, and Spark copies from PostgreSQL ------------------
PG_URL = os.environ.get("CXLENS_TEST_POSTGRES_URL")


@pytest.mark.postgres
@pytest.mark.skipif(not PG_URL, reason="CXLENS_TEST_POSTGRES_URL is not set (scripts/test.sh starts a server)")
def test_postgres_records_default_to_the_postgres_engine_and_copy_to_spark(
    tiny: Workspace, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlalchemy as sa

    from cxlens.ingest import import_file, import_survey

    engine = sa.create_engine(str(PG_URL))
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
        conn.exec_driver_sql("CREATE SCHEMA public")
    engine.dispose()
    monkeypatch.delenv("CXLENS_ENGINE", raising=False)
    folder = tiny.path.parent  # the tiny fixture's source files
    with Workspace.init(folder / "ws_pg_engine", database_url=PG_URL) as ws:
        import_survey(ws, folder / "s.yaml")
        for kind in ("customers", "responses", "tickets"):
            import_file(ws, folder / f"{kind}.csv", kind, survey="s" if kind == "responses" else None)
        assert configured_engine(ws) == "postgres" and record_version(ws)[1:4] == (3, 1, 4)
        command = ["metric", "nps", str(ws.path), "--by", "segment", "--every", "month", "--json"]
        on_duckdb = cli(*[*command[:2], str(tiny.path), *command[3:]])
        same(cli(*command), on_duckdb)  # the configured default: computed inside PostgreSQL
        if HAS_SPARK:  # the same records copied to Spark in one REPEATABLE READ transaction
            request.getfixturevalue("spark_session")
            same(cli(*command, engine="pyspark"), on_duckdb)
        with pytest.raises(ConfigurationError, match="duckdb engine reads DuckDB workspaces.*postgres or pyspark"):
            Analytics.for_workspace(ws, "duckdb")
