"""The derived answer_facts table stays equal to its definition through imports and customer updates."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from cxlens.ingest import import_file, import_survey
from cxlens.ingest.facts import rebuild_answer_facts
from cxlens.ingest.target import Target
from cxlens.store import Workspace

COLUMNS = "response_id, question_id, survey_id, question_type, value_number, submitted_at, customer_id, segment, region"


def _facts(ws: Workspace) -> list[tuple[object, ...]]:
    with ws.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT {COLUMNS} FROM answer_facts ORDER BY 1, 2")).all()]


def test_facts_follow_imports_and_customer_changes(workspace: Workspace, tmp_path: Path) -> None:
    (tmp_path / "s.yaml").write_text(
        "code: s\nquestions:\n  - {code: nps, type: nps}\n  - {code: c, type: csat, scale: [1, 5]}\n", encoding="utf-8"
    )
    import_survey(workspace, tmp_path / "s.yaml")
    (tmp_path / "r.csv").write_text(
        "response_id,customer_id,submitted_at,nps,c\nR1,C1,2025-01-01,9,5\nR2,C2,2025-01-02,3,\n", encoding="utf-8"
    )
    import_file(workspace, tmp_path / "r.csv", "responses", survey="s")
    facts = _facts(workspace)
    assert len(facts) == 3 and {f[7] for f in facts} == {None}  # customers created on sight, no segment yet
    (tmp_path / "c.csv").write_text("customer_id,segment,region\nC1,vip,华南\n", encoding="utf-8")
    import_file(workspace, tmp_path / "c.csv", "customers")
    assert sorted((f[0], f[7], f[8]) for f in _facts(workspace)) == [
        (1, "vip", "华南"),
        (1, "vip", "华南"),
        (2, None, None),
    ]
    before = _facts(workspace)
    with workspace.begin() as conn:
        rebuild_answer_facts(Target(conn))
    assert _facts(workspace) == before
